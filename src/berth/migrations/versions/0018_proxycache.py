"""proxy-cache configuration

Revision ID: 0018
Revises: 0016
Create Date: 2026-11-27 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proxy_cache_config",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("upstream_registry", sa.String(length=2048), nullable=False),
        sa.Column("upstream_username_enc", sa.Text(), nullable=True),
        sa.Column("upstream_password_enc", sa.Text(), nullable=True),
        sa.Column("expiration_s", sa.Integer(), nullable=False),
        sa.Column("insecure", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["account.id"],
            name=op.f("fk_proxy_cache_config_organization_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proxy_cache_config")),
        sa.UniqueConstraint("organization_id", name=op.f("uq_proxy_cache_config_organization_id")),
    )


def downgrade() -> None:
    op.drop_table("proxy_cache_config")
