"""repository notifications

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import berth.db.base

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "repo_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("config_json", sa.JSON(), nullable=False),
        sa.Column("event_config_json", sa.JSON(), nullable=False),
        sa.Column("number_of_failures", sa.Integer(), nullable=False),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repository.id"],
            name=op.f("fk_repo_notification_repository_id_repository"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repo_notification")),
        sa.UniqueConstraint("uuid", name=op.f("uq_repo_notification_uuid")),
    )
    with op.batch_alter_table("repo_notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_repo_notification_repository_id"), ["repository_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("repo_notification")
