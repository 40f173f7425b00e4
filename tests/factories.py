"""Factories that build test data through the real services (no fixtures of named users)."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy.orm import Session

from berth.accounts.models import Account
from berth.accounts.service import PasswordPolicy, create_user
from berth.lib.scopes import ALL_SCOPES
from berth.oauth.service import create_access_token
from berth.runtime import Runtime

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery"


def unique_name(prefix: str = "user") -> str:
    """A fresh valid username."""
    return f"{prefix}{next(_counter)}"


def make_user(
    session: Session,
    now: datetime,
    *,
    username: str | None = None,
    password: str = PASSWORD,
    superuser: bool = False,
) -> Account:
    """A user with a known password."""
    name = username or unique_name()
    account = create_user(
        session,
        username=name,
        email=f"{name}@example.com",
        password=password,
        now=now,
        policy=PasswordPolicy("low"),
    )
    account.superuser = superuser
    session.flush()
    return account


def make_token(
    runtime: Runtime,
    username: str,
    scopes: frozenset[str] = ALL_SCOPES,
    *,
    lifetime_s: int | None = None,
) -> str:
    """An OAuth access token for an existing user (committed)."""
    with runtime.db.transaction() as session:
        from berth.accounts.service import get_user

        account = get_user(session, username)
        assert account is not None
        token, _ = create_access_token(session, account, scopes, now=runtime.clock(), lifetime_s=lifetime_s)
    return token


def user_with_token(
    runtime: Runtime, *, superuser: bool = False, scopes: frozenset[str] = ALL_SCOPES
) -> tuple[str, str]:
    """Create a user (committed) and return ``(username, bearer token)``."""
    with runtime.db.transaction() as session:
        account = make_user(session, runtime.clock(), superuser=superuser)
        name = account.username
    return name, make_token(runtime, name, scopes)
