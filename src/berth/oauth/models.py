"""Tables for OAuth applications, their tokens, authorization codes and assignments, app-specific
tokens and robot federation. Every secret is stored as a lookup prefix plus the SHA-256 of the rest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
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
    name: Mapped[str | None] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))


class OAuthAuthorizationCode(Base):
    """A single-use authorization code (lookup + SHA-256 of the secret), valid a few minutes."""

    __tablename__ = "oauth_authorization_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lookup: Mapped[str] = mapped_column(String(20), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_application.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(255))
    redirect_uri: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    token_id: Mapped[int | None] = mapped_column(ForeignKey("oauth_access_token.id", ondelete="SET NULL"))


class OAuthAssignedToken(Base):
    """A token request an organization admin assigned to another user, waiting for them to accept."""

    __tablename__ = "oauth_assigned_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_application.id", ondelete="CASCADE"), index=True
    )
    assigned_user_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    redirect_uri: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(255))
    response_type: Mapped[str] = mapped_column(String(16))
    created: Mapped[datetime]


class AppSpecificToken(Base):
    """An app-specific token: 120 chars, a 60-char lookup and a 60-char secret (stored hashed)."""

    __tablename__ = "app_specific_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    lookup: Mapped[str] = mapped_column(String(60), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_accessed: Mapped[datetime | None]


class RobotFederation(Base):
    """One trusted (issuer, subject) pair whose OIDC tokens a robot may exchange for a robot token."""

    __tablename__ = "robot_federation"
    __table_args__ = (UniqueConstraint("robot_id", "issuer", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    robot_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime]
