"""auto-prune policies

Revision ID: 0015
Revises: 0011
Create Date: 2026-11-27 01:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import berth.db.base

revision = "0015"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "autoprune_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("tag_pattern", sa.Text(), nullable=True),
        sa.Column("tag_pattern_matches", sa.Boolean(), nullable=False),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["namespace_id"],
            ["account.id"],
            name=op.f("fk_autoprune_policy_namespace_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repository.id"],
            name=op.f("fk_autoprune_policy_repository_id_repository"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_autoprune_policy")),
        sa.UniqueConstraint("uuid", name=op.f("uq_autoprune_policy_uuid")),
    )
    with op.batch_alter_table("autoprune_policy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_autoprune_policy_namespace_id"), ["namespace_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_autoprune_policy_repository_id"), ["repository_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("autoprune_policy")
