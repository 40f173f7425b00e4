"""merge the usage-log index, global messages and service keys, quotas and auto-prune branches

Revision ID: 0016
Revises: 0012, 0013, 0014, 0015
Create Date: 2026-11-27 02:00:00
"""

from __future__ import annotations

revision = "0016"
down_revision = ("0012", "0013", "0014", "0015")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this revision only joins four heads into one."""


def downgrade() -> None:
    """Nothing to undo."""
