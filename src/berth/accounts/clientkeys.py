"""CLI client keys: Berth's answer to Quay's "encrypted password".

Quay encrypts the user's real password and hands the ciphertext out for ``docker login``. Berth
issues a random 64-character key instead (24-character lookup + 40-character secret, only the
secret's SHA-256 stored): it never contains the password, can be revoked one by one, and dies when
the password changes, the account is converted or deleted. ``/v2/auth`` accepts it in place of the
password through :func:`verify_client_key`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, AccountKind, ClientKey
from berth.auditlog.service import Actor, log_action
from berth.lib.secrets import random_code, secret_matches, sha256_hex

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
LOOKUP_LENGTH = 24
SECRET_LENGTH = 40
KEY_LENGTH = LOOKUP_LENGTH + SECRET_LENGTH


def create_client_key(session: Session, account: Account, *, now: datetime, actor: Actor | None) -> str:
    """A new key for ``account``; the returned value is shown once and never stored."""
    lookup = random_code(LOOKUP_LENGTH, _ALPHABET)
    secret = random_code(SECRET_LENGTH, _ALPHABET)
    session.add(ClientKey(account_id=account.id, lookup=lookup, secret_hash=sha256_hex(secret), created=now))
    log_action(
        session, "user_generate_client_key", actor=actor, now=now, namespace_id=account.id, metadata={}
    )
    return lookup + secret


def looks_like_client_key(value: str) -> bool:
    """Whether ``value`` has a client key's shape (so a password check can be skipped)."""
    return len(value) == KEY_LENGTH and value.isascii() and value.isalnum()


def verify_client_key(session: Session, username: str, key: str, *, now: datetime) -> Account | None:
    """The enabled user ``username`` when ``key`` is one of its live keys; records the use."""
    if not looks_like_client_key(key):
        return None
    row = session.scalar(select(ClientKey).where(ClientKey.lookup == key[:LOOKUP_LENGTH]))
    if row is None or not secret_matches(key[LOOKUP_LENGTH:], row.secret_hash):
        return None
    account = session.get(Account, row.account_id)
    if account is None or account.username != username or account.kind != AccountKind.USER:
        return None
    if not account.enabled:
        return None
    if account.password_changed is not None and account.password_changed > row.created:
        return None
    row.last_used = now
    session.flush()
    return account


def revoke_client_keys(session: Session, account_id: int) -> None:
    """Revoke every key of the account."""
    session.execute(delete(ClientKey).where(ClientKey.account_id == account_id))
