"""merge the registry, accounts/sessions and organizations branches

Revision ID: 0005
Revises: 0002, 0003, 0004
Create Date: 2026-11-27 00:55:00
"""

from __future__ import annotations

revision = "0005"
down_revision = ("0002", "0003", "0004")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this revision only joins three heads into one."""


def downgrade() -> None:
    """Nothing to undo."""
