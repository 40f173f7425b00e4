"""oauth: authorization codes, token assignments, app-specific tokens, robot federation; token names

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-26 22:59:39.138288
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import berth.db.base

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the OAuth and app-token tables; name OAuth tokens."""
    op.create_table(
        "app_specific_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("lookup", sa.String(length=60), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", berth.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_accessed", berth.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_app_specific_token_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_specific_token")),
        sa.UniqueConstraint("lookup", name=op.f("uq_app_specific_token_lookup")),
        sa.UniqueConstraint("uuid", name=op.f("uq_app_specific_token_uuid")),
    )
    with op.batch_alter_table("app_specific_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_specific_token_account_id"), ["account_id"], unique=False)

    op.create_table(
        "robot_federation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("robot_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["robot_id"],
            ["account.id"],
            name=op.f("fk_robot_federation_robot_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_robot_federation")),
        sa.UniqueConstraint(
            "robot_id", "issuer", "subject", name=op.f("uq_robot_federation_robot_id_issuer_subject")
        ),
    )
    with op.batch_alter_table("robot_federation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_robot_federation_robot_id"), ["robot_id"], unique=False)

    op.create_table(
        "oauth_assigned_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("assigned_user_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("redirect_uri", sa.String(length=255), nullable=False),
        sa.Column("scope", sa.String(length=255), nullable=False),
        sa.Column("response_type", sa.String(length=16), nullable=False),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["oauth_application.id"],
            name=op.f("fk_oauth_assigned_token_application_id_oauth_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["account.id"],
            name=op.f("fk_oauth_assigned_token_assigned_by_id_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["assigned_user_id"],
            ["account.id"],
            name=op.f("fk_oauth_assigned_token_assigned_user_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_assigned_token")),
        sa.UniqueConstraint("uuid", name=op.f("uq_oauth_assigned_token_uuid")),
    )
    with op.batch_alter_table("oauth_assigned_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_assigned_token_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_oauth_assigned_token_assigned_user_id"), ["assigned_user_id"], unique=False
        )

    op.create_table(
        "oauth_authorization_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lookup", sa.String(length=20), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=255), nullable=False),
        sa.Column("redirect_uri", sa.String(length=255), nullable=False),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", berth.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_oauth_authorization_code_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["oauth_application.id"],
            name=op.f("fk_oauth_authorization_code_application_id_oauth_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["oauth_access_token.id"],
            name=op.f("fk_oauth_authorization_code_token_id_oauth_access_token"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_authorization_code")),
        sa.UniqueConstraint("lookup", name=op.f("uq_oauth_authorization_code_lookup")),
    )
    with op.batch_alter_table("oauth_authorization_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_authorization_code_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_oauth_authorization_code_application_id"), ["application_id"], unique=False
        )

    with op.batch_alter_table("oauth_access_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_oauth_access_token_created_by_id_account"),
            "account",
            ["created_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    """Drop what upgrade created."""
    with op.batch_alter_table("oauth_access_token", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_oauth_access_token_created_by_id_account"), type_="foreignkey"
        )
        batch_op.drop_column("created_by_id")
        batch_op.drop_column("name")

    with op.batch_alter_table("oauth_authorization_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_authorization_code_application_id"))
        batch_op.drop_index(batch_op.f("ix_oauth_authorization_code_account_id"))

    op.drop_table("oauth_authorization_code")
    with op.batch_alter_table("oauth_assigned_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_assigned_token_assigned_user_id"))
        batch_op.drop_index(batch_op.f("ix_oauth_assigned_token_application_id"))

    op.drop_table("oauth_assigned_token")
    with op.batch_alter_table("robot_federation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_robot_federation_robot_id"))

    op.drop_table("robot_federation")
    with op.batch_alter_table("app_specific_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_specific_token_account_id"))

    op.drop_table("app_specific_token")
