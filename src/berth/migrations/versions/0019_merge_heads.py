"""merge the repository notifications and proxy-cache configuration branches

Revision ID: 0019
Revises: 0017, 0018
Create Date: 2026-11-27 02:45:00
"""

from __future__ import annotations

revision = "0019"
down_revision = ("0017", "0018")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this revision only joins two heads into one."""


def downgrade() -> None:
    """Nothing to undo."""
