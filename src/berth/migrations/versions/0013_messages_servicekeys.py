"""global messages and service keys

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-27 01:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import berth.db.base

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
        sa.UniqueConstraint("uuid", name=op.f("uq_message_uuid")),
    )
    op.create_table(
        "service_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=255), nullable=False),
        sa.Column("service", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("jwk", sa.JSON(), nullable=False),
        sa.Column("metadata_json", sa.JSON(), nullable=False),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expiration", berth.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("rotation_duration", sa.Integer(), nullable=True),
        sa.Column("approval_type", sa.String(length=64), nullable=True),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("approved_date", berth.db.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("approval_notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approver_id"],
            ["account.id"],
            name=op.f("fk_service_key_approver_id_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_key")),
        sa.UniqueConstraint("kid", name=op.f("uq_service_key_kid")),
    )
    with op.batch_alter_table("service_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_key_service"), ["service"], unique=False)


def downgrade() -> None:
    op.drop_table("service_key")
    op.drop_table("message")
