"""namespace storage quotas and their limits

Revision ID: 0014
Revises: 0011
Create Date: 2026-11-27 01:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "namespace_quota",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("namespace_id", sa.Integer(), nullable=False),
        sa.Column("limit_bytes", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["namespace_id"],
            ["account.id"],
            name=op.f("fk_namespace_quota_namespace_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_namespace_quota")),
        sa.UniqueConstraint("namespace_id", name=op.f("uq_namespace_quota_namespace_id")),
    )
    op.create_table(
        "namespace_quota_limit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quota_id", sa.Integer(), nullable=False),
        sa.Column(
            "quota_type",
            sa.Enum("WARNING", "REJECT", name="quotatype", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("percent_of_limit", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["quota_id"],
            ["namespace_quota.id"],
            name=op.f("fk_namespace_quota_limit_quota_id_namespace_quota"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_namespace_quota_limit")),
    )
    with op.batch_alter_table("namespace_quota_limit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_namespace_quota_limit_quota_id"), ["quota_id"], unique=False)


def downgrade() -> None:
    op.drop_table("namespace_quota_limit")
    op.drop_table("namespace_quota")
