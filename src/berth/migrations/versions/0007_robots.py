"""robot accounts (metadata, tokens) and default permissions (prototypes)

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-27 23:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "robot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("unstructured_metadata", sa.JSON(), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_accessed", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_robot_account_id_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["namespace_id"], ["account.id"], name=op.f("fk_robot_namespace_id_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_robot")),
        sa.UniqueConstraint("account_id", name=op.f("uq_robot_account_id")),
    )
    with op.batch_alter_table("robot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_robot_namespace_id"), ["namespace_id"], unique=False)
    op.create_table(
        "robot_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("robot_account_id", sa.Integer(), nullable=False),
        sa.Column("lookup", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["robot_account_id"],
            ["account.id"],
            name=op.f("fk_robot_token_robot_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_robot_token")),
        sa.UniqueConstraint("lookup", name=op.f("uq_robot_token_lookup")),
    )
    with op.batch_alter_table("robot_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_robot_token_robot_account_id"), ["robot_account_id"], unique=False
        )
    op.create_table(
        "permission_prototype",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("activating_user_id", sa.Integer(), nullable=True),
        sa.Column("delegate_user_id", sa.Integer(), nullable=True),
        sa.Column("delegate_team_id", sa.Integer(), nullable=True),
        sa.Column(
            "role",
            sa.Enum("READ", "WRITE", "ADMIN", name="rolename", native_enum=False, length=16),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(delegate_user_id IS NULL) <> (delegate_team_id IS NULL)",
            name=op.f("ck_permission_prototype_one_delegate"),
        ),
        sa.ForeignKeyConstraint(
            ["activating_user_id"],
            ["account.id"],
            name=op.f("fk_permission_prototype_activating_user_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delegate_team_id"],
            ["team.id"],
            name=op.f("fk_permission_prototype_delegate_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delegate_user_id"],
            ["account.id"],
            name=op.f("fk_permission_prototype_delegate_user_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["account.id"],
            name=op.f("fk_permission_prototype_organization_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permission_prototype")),
        sa.UniqueConstraint("uuid", name=op.f("uq_permission_prototype_uuid")),
    )
    with op.batch_alter_table("permission_prototype", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_permission_prototype_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("permission_prototype")
    op.drop_table("robot_token")
    op.drop_table("robot")
