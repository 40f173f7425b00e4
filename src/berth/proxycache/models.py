"""The proxy-cache configuration table: at most one row per organization.

The upstream credentials are stored encrypted (Fernet under an instance secret), never in plain
text; see :mod:`berth.proxycache.service`.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from berth.db.base import Base


class ProxyCacheConfig(Base):
    """An organization's upstream registry, cache expiry and (encrypted) upstream credentials."""

    __tablename__ = "proxy_cache_config"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), unique=True)
    upstream_registry: Mapped[str] = mapped_column(String(2048))
    upstream_username_enc: Mapped[str | None] = mapped_column(Text)
    upstream_password_enc: Mapped[str | None] = mapped_column(Text)
    expiration_s: Mapped[int] = mapped_column(Integer)
    insecure: Mapped[bool] = mapped_column(Boolean, default=False)
