"""Server-side browser sessions: create, find, sign in (rotating the session), sign out.

The cookie value is ``lookup.secret``; the table keeps only the secret's SHA-256, so a database
leak does not leak live sessions. A session is void once it expires, once it is signed out, and once
its user's password changes after it was created.

Signing in rotates the session: the row gets a new lookup, secret and CSRF token, so a cookie (or a
CSRF token) planted or read before the login is worthless afterwards (no session fixation).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, WebSession
from berth.lib.secrets import random_code, secret_matches, sha256_hex

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _new_credentials() -> tuple[str, str, str]:
    """A fresh (lookup, secret, csrf token)."""
    return random_code(24, _ALPHABET), random_code(40, _ALPHABET), random_code(64, _ALPHABET)


def create_session(session: Session, *, now: datetime, lifetime_s: int) -> tuple[str, WebSession]:
    """A new anonymous session; returns the cookie value (shown once) and the row."""
    lookup, secret, csrf = _new_credentials()
    row = WebSession(
        lookup=lookup,
        secret_hash=sha256_hex(secret),
        csrf_token=csrf,
        account_id=None,
        created=now,
        login_time=None,
        expires_at=now + timedelta(seconds=lifetime_s),
    )
    session.add(row)
    session.flush()
    return f"{lookup}.{secret}", row


def find_session(session: Session, cookie: str, *, now: datetime) -> tuple[WebSession, Account | None] | None:
    """The live session for a cookie value, with its signed-in account (if any)."""
    lookup, _, secret = cookie.partition(".")
    if not lookup or not secret or len(lookup) > 32:
        return None
    row = session.scalar(select(WebSession).where(WebSession.lookup == lookup))
    if row is None or not secret_matches(secret, row.secret_hash) or row.expires_at <= now:
        return None
    account = None
    if row.account_id is not None:
        account = session.get(Account, row.account_id)
        if account is None or not account.enabled:
            return None
        if (
            account.password_changed is not None
            and row.login_time is not None
            and (account.password_changed > row.login_time)
        ):
            return None
    return row, account


def sign_in(session: Session, row: WebSession, account: Account, *, now: datetime, lifetime_s: int) -> str:
    """Attach ``account`` to the session, record the login time and rotate the session's credentials.

    Returns the new cookie value; the old cookie and the old CSRF token stop working at once.
    """
    lookup, secret, csrf = _new_credentials()
    row.lookup = lookup
    row.secret_hash = sha256_hex(secret)
    row.csrf_token = csrf
    row.account_id = account.id
    row.login_time = now
    row.expires_at = now + timedelta(seconds=lifetime_s)
    session.flush()
    return f"{lookup}.{secret}"


def refresh_login(session: Session, row: WebSession, *, now: datetime) -> None:
    """The user re-entered their password: the session counts as freshly logged in."""
    row.login_time = now
    session.flush()


def end_account_sessions(session: Session, account_id: int, *, keep: int | None = None) -> None:
    """Sign the account out everywhere (except the session ``keep``, when given)."""
    query = delete(WebSession).where(WebSession.account_id == account_id)
    if keep is not None:
        query = query.where(WebSession.id != keep)
    session.execute(query)


def end_session(session: Session, row: WebSession) -> None:
    """Delete the session: its cookie stops working at once."""
    session.execute(delete(WebSession).where(WebSession.id == row.id))
