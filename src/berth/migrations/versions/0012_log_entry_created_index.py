"""an index on log_entry.created for the installation-wide usage-log list

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 01:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``ix_log_entry_created``."""
    with op.batch_alter_table("log_entry", schema=None) as batch_op:
        batch_op.create_index("ix_log_entry_created", ["created"], unique=False)


def downgrade() -> None:
    """Drop ``ix_log_entry_created``."""
    with op.batch_alter_table("log_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_log_entry_created")
