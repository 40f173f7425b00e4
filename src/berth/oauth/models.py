"""Tables for OAuth applications and access tokens (tokens stored as lookup + SHA-256)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from berth.db.base import Base


class OAuthApplication(Base):
    """An OAuth application registered by an organization."""

    __tablename__ = "oauth_application"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(20), unique=True)
    client_secret_hash: Mapped[str] = mapped_column(String(64))
    organization_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    application_uri: Mapped[str] = mapped_column(String(255), default="")
    redirect_uri: Mapped[str] = mapped_column(String(255), default="")
    avatar_email: Mapped[str | None] = mapped_column(String(255))
    created: Mapped[datetime]


class OAuthAccessToken(Base):
    """An OAuth access token: 40 chars in Quay's format, a 20-char lookup and a 20-char secret."""

    __tablename__ = "oauth_access_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    lookup: Mapped[str] = mapped_column(String(20), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_application.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_accessed: Mapped[datetime | None]
