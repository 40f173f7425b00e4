"""repositories API: team repository permissions, stars, listing indexes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 23:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import berth.db.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ROLE = sa.Enum("READ", "WRITE", "ADMIN", name="rolename", native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "team_repository_permission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("role", _ROLE, nullable=False),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repository.id"],
            name=op.f("fk_team_repository_permission_repository_id_repository"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_team_repository_permission_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_repository_permission")),
        sa.UniqueConstraint(
            "repository_id", "team_id", name=op.f("uq_team_repository_permission_repository_id_team_id")
        ),
    )
    with op.batch_alter_table("team_repository_permission", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_team_repository_permission_repository_id"), ["repository_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_team_repository_permission_team_id"), ["team_id"], unique=False)
    op.create_table(
        "repository_star",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_repository_star_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repository.id"],
            name=op.f("fk_repository_star_repository_id_repository"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repository_star")),
        sa.UniqueConstraint(
            "account_id", "repository_id", name=op.f("uq_repository_star_account_id_repository_id")
        ),
    )
    with op.batch_alter_table("repository_star", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repository_star_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_repository_star_repository_id"), ["repository_id"], unique=False)
    with op.batch_alter_table("repository", schema=None) as batch_op:
        batch_op.create_index("ix_repository_namespace_id_id", ["namespace_id", "id"], unique=False)
        batch_op.create_index("ix_repository_visibility_id", ["visibility", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("repository", schema=None) as batch_op:
        batch_op.drop_index("ix_repository_visibility_id")
        batch_op.drop_index("ix_repository_namespace_id_id")
    op.drop_table("repository_star")
    op.drop_table("team_repository_permission")
