"""Tables for namespaces (users, organizations, robots), browser sessions and account self-service:
login throttling, CLI client keys, password-recovery codes and in-app notifications."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from berth.db.base import Base


class AccountKind(enum.StrEnum):
    """What a row of ``account`` is: Quay keeps users, organizations and robots in one table."""

    USER = "user"
    ORGANIZATION = "organization"
    ROBOT = "robot"


class Account(Base):
    """A user, organization or robot; its ``username`` is also its namespace."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[AccountKind] = mapped_column(Enum(AccountKind, native_enum=False, length=16), index=True)
    email: Mapped[str | None] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    verified: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[datetime]
    password_changed: Mapped[datetime | None]
    tag_expiration_s: Mapped[int] = mapped_column(Integer, default=1209600)
    given_name: Mapped[str | None] = mapped_column(String(255))
    family_name: Mapped[str | None] = mapped_column(String(255))
    company: Mapped[str | None] = mapped_column(String(255))
    location: Mapped[str | None] = mapped_column(String(255))
    invoice_email: Mapped[bool] = mapped_column(Boolean, default=False)
    invoice_email_address: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    superuser: Mapped[bool] = mapped_column(Boolean, default=False)


class WebSession(Base):
    """A browser session: the cookie holds ``lookup + secret``; only the secret's SHA-256 is stored."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lookup: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    csrf_token: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    created: Mapped[datetime]
    login_time: Mapped[datetime | None]
    expires_at: Mapped[datetime]


class LoginFailure(Base):
    """Consecutive failed password checks for one username (known or not), and when it may retry."""

    __tablename__ = "login_failure"

    username: Mapped[str] = mapped_column(String(255), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[datetime]
    retry_at: Mapped[datetime]


class ClientKey(Base):
    """A revocable CLI credential (Quay's "encrypted password"): ``lookup + secret``, secret hashed."""

    __tablename__ = "client_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    lookup: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime]
    last_used: Mapped[datetime | None]


class RecoveryCode(Base):
    """A one-time password-recovery code sent by e-mail; only its SHA-256 is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    lookup: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime]
    expires_at: Mapped[datetime]


class Notification(Base):
    """An in-app notification addressed to a user or an organization (Quay's ``notification``)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    metadata_json: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created: Mapped[datetime]
    dismissed: Mapped[bool] = mapped_column(Boolean, default=False)
    lookup_path: Mapped[str | None] = mapped_column(String(255), index=True)
