"""Signing in and out with a password, re-verifying it, all behind the login throttle.

Every password check of an interactive login goes through :func:`check_password`, which consults
:mod:`berth.accounts.throttle` first and records the outcome after, so a failure is counted even
though the request answers with an error (the caller must commit the transaction in that case).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from berth.accounts import throttle
from berth.accounts.clientkeys import looks_like_client_key, verify_client_key
from berth.accounts.models import Account, WebSession
from berth.accounts.service import PasswordPolicy, authenticate_password, find_user_for_login
from berth.accounts.sessions import end_session, refresh_login, sign_in
from berth.auditlog.service import Actor, log_action

INVALID_CREDENTIALS = "Invalid Username or Password"


@dataclass(frozen=True)
class SignedIn:
    """A successful sign-in: the account and the rotated session's new cookie and CSRF token."""

    account: Account
    cookie: str
    csrf_token: str


def _throttle_key(session: Session, username: str) -> str:
    """Throttle per account (whether named by username or e-mail), else per presented name."""
    account = find_user_for_login(session, username)
    return account.username if account is not None else username


def check_password(
    session: Session, username: str, password: str, *, now: datetime, policy: PasswordPolicy
) -> Account | None:
    """The user whose password matches, else None; raises ``LoginThrottled`` while throttled."""
    key = _throttle_key(session, username)
    throttle.check_allowed(session, key, now=now)
    account = authenticate_password(session, username, password, policy)
    if account is None:
        throttle.record_failure(session, key, now=now)
        return None
    throttle.record_success(session, key)
    return account


def check_cli_credentials(
    session: Session, username: str, secret: str, *, now: datetime, policy: PasswordPolicy
) -> Account | None:
    """Basic credentials from a CLI (``/v2/auth``): a client key or the password, both throttled.

    Like :func:`check_password`, a failure is recorded here, so the caller must commit even when
    it answers 401.
    """
    key = _throttle_key(session, username)
    throttle.check_allowed(session, key, now=now)
    account = verify_client_key(session, username, secret, now=now) if looks_like_client_key(secret) else None
    if account is None:
        account = authenticate_password(session, username, secret, policy)
    if account is None:
        throttle.record_failure(session, key, now=now)
        return None
    throttle.record_success(session, key)
    return account


def _login_metadata(username: str, useragent: str | None) -> dict[str, Any]:
    return {"type": "quayauth", "kind": "user", "username": username, "useragent": useragent or ""}


def sign_in_with_password(
    session: Session,
    web_session: WebSession,
    *,
    username: str,
    password: str,
    now: datetime,
    policy: PasswordPolicy,
    actor: Actor,
    lifetime_s: int,
    useragent: str | None = None,
) -> SignedIn | None:
    """Attach the user to ``web_session`` (rotated) when the password matches; log either way."""
    account = check_password(session, username, password, now=now, policy=policy)
    if account is None:
        known = find_user_for_login(session, username)
        log_action(
            session,
            "login_failure",
            actor=Actor(None, ip=actor.ip),
            now=now,
            namespace_id=known.id if known is not None else None,
            metadata={**_login_metadata(username, useragent), "message": INVALID_CREDENTIALS},
        )
        return None
    cookie = sign_in(session, web_session, account, now=now, lifetime_s=lifetime_s)
    log_action(
        session,
        "login_success",
        actor=Actor(account.id, ip=actor.ip),
        now=now,
        namespace_id=account.id,
        metadata=_login_metadata(account.username, useragent),
    )
    return SignedIn(account, cookie, web_session.csrf_token)


def switch_session_user(
    session: Session, web_session: WebSession, account: Account, *, now: datetime, lifetime_s: int
) -> SignedIn:
    """Sign ``account`` into the caller's session after a password it just proved (sign-up, convert)."""
    cookie = sign_in(session, web_session, account, now=now, lifetime_s=lifetime_s)
    return SignedIn(account, cookie, web_session.csrf_token)


def sign_out(session: Session, web_session: WebSession | None, *, now: datetime, actor: Actor) -> None:
    """End the caller's session; a signed-in user's logout is logged."""
    if web_session is None:
        return
    account_id = web_session.account_id
    end_session(session, web_session)
    if account_id is not None:
        log_action(
            session,
            "logout_success",
            actor=Actor(account_id, ip=actor.ip),
            now=now,
            namespace_id=account_id,
            metadata={"type": "quayauth"},
        )


def verify_again(
    session: Session,
    account: Account,
    password: str,
    *,
    web_session: WebSession | None,
    now: datetime,
    policy: PasswordPolicy,
) -> bool:
    """Re-enter the password: on success the session counts as freshly logged in."""
    verified = check_password(session, account.username, password, now=now, policy=policy)
    if verified is None or verified.id != account.id:
        return False
    if web_session is not None and web_session.account_id == account.id:
        refresh_login(session, web_session, now=now)
    return True
