"""merge the repositories, robots, tags, OAuth and team-invitation branches

Revision ID: 0011
Revises: 0006, 0007, 0008, 0009, 0010
Create Date: 2026-11-27 00:20:00
"""

from __future__ import annotations

revision = "0011"
down_revision = ("0006", "0007", "0008", "0009", "0010")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this revision only joins five heads into one."""


def downgrade() -> None:
    """Nothing to undo."""
