"""tags with expiration and reversion, history indexes, manifest labels, pending byte deletions

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-26 23:01:03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import berth.db.base

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_deletion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("digest", sa.String(length=140), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created", berth.db.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_deletion")),
    )
    op.create_table(
        "manifest_label",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("manifest_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["manifest_id"],
            ["manifest.id"],
            name=op.f("fk_manifest_label_manifest_id_manifest"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manifest_label")),
        sa.UniqueConstraint("uuid", name=op.f("uq_manifest_label_uuid")),
    )
    with op.batch_alter_table("manifest_label", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_manifest_label_manifest_id"), ["manifest_id"], unique=False)

    with op.batch_alter_table("manifest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("layers_size", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("tag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expiration", berth.db.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reversion", sa.Boolean(), nullable=False, server_default=sa.false()))
        # The name index also orders by time, so one tag's history is read from it alone.
        batch_op.drop_index("ix_tag_repository_name")
        batch_op.create_index(
            "ix_tag_repository_name", ["repository_id", "name", "start_time", "id"], unique=False
        )
        batch_op.create_index("ix_tag_end_time", ["end_time"], unique=False)
        batch_op.create_index("ix_tag_expiration", ["expiration"], unique=False)
        batch_op.create_index(
            "ix_tag_live_repository_start",
            ["repository_id", "start_time", "name", "id"],
            unique=False,
            sqlite_where=sa.text("end_time IS NULL"),
            postgresql_where=sa.text("end_time IS NULL"),
        )
        batch_op.create_index(
            "ix_tag_repository_start", ["repository_id", "start_time", "name", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tag", schema=None) as batch_op:
        batch_op.drop_index("ix_tag_repository_start")
        batch_op.drop_index("ix_tag_live_repository_start")
        batch_op.drop_index("ix_tag_expiration")
        batch_op.drop_index("ix_tag_end_time")
        batch_op.drop_index("ix_tag_repository_name")
        batch_op.create_index("ix_tag_repository_name", ["repository_id", "name"], unique=False)
        batch_op.drop_column("reversion")
        batch_op.drop_column("expiration")
    with op.batch_alter_table("manifest", schema=None) as batch_op:
        batch_op.drop_column("layers_size")
    with op.batch_alter_table("manifest_label", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_manifest_label_manifest_id"))
    op.drop_table("manifest_label")
    op.drop_table("pending_deletion")
