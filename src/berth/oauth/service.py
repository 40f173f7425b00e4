"""Issuing, validating, listing and revoking OAuth access tokens.

Tokens keep Quay's shape (40 chars ``[A-Z0-9]``: a 20-char lookup and a 20-char secret) and begin with
:data:`TOKEN_PREFIX`, so secret scanners can recognise a Berth token while Quay clients, which never
parse tokens, see nothing unusual. The secret is stored as SHA-256 and compared in constant time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from berth.accounts.models import Account
from berth.lib.scopes import parse_scope_string, scope_string
from berth.lib.secrets import random_code, secret_matches, sha256_hex, split_token
from berth.oauth.models import OAuthAccessToken, OAuthApplication

TOKEN_PREFIX = "BRTO"  # noqa: S105 - a public marker for secret scanners, not a secret
TOKEN_LOOKUP_LENGTH = 20
TOKEN_SECRET_LENGTH = 20
LAST_ACCESSED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class ValidToken:
    """A presented token that checked out: its row, its account and its scopes."""

    token: OAuthAccessToken
    account: Account
    scopes: frozenset[str]


def create_access_token(
    session: Session,
    account: Account,
    scopes: frozenset[str],
    *,
    now: datetime,
    lifetime_s: int | None,
    application_id: int | None = None,
    name: str | None = None,
    created_by_id: int | None = None,
) -> tuple[str, OAuthAccessToken]:
    """Issue a token; the returned string is the only time the secret exists in clear."""
    lookup = TOKEN_PREFIX + random_code(TOKEN_LOOKUP_LENGTH - len(TOKEN_PREFIX))
    secret = random_code(TOKEN_SECRET_LENGTH)
    row = OAuthAccessToken(
        uuid=str(uuid.uuid4()),
        lookup=lookup,
        secret_hash=sha256_hex(secret),
        account_id=account.id,
        application_id=application_id,
        scope=scope_string(scopes),
        created=now,
        expires_at=now + timedelta(seconds=lifetime_s) if lifetime_s else None,
        last_accessed=None,
        name=name,
        created_by_id=created_by_id,
    )
    session.add(row)
    session.flush()
    return lookup + secret, row


def validate_access_token(session: Session, presented: str, *, now: datetime) -> ValidToken | None:
    """Look the token up by prefix, compare the SHA-256 of its secret in constant time."""
    if len(presented) != TOKEN_LOOKUP_LENGTH + TOKEN_SECRET_LENGTH:
        return None
    parts = split_token(presented, TOKEN_LOOKUP_LENGTH)
    if parts is None:
        return None
    lookup, secret = parts
    row = session.execute(
        select(OAuthAccessToken, Account)
        .join(Account, Account.id == OAuthAccessToken.account_id)
        .where(OAuthAccessToken.lookup == lookup)
    ).first()
    if row is None:
        return None
    token, account = row[0], row[1]
    if not secret_matches(secret, token.secret_hash):
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not account.enabled:
        return None
    scopes = parse_scope_string(token.scope) or frozenset()
    return ValidToken(token, account, scopes)


def needs_last_accessed_update(token: OAuthAccessToken, now: datetime) -> bool:
    """Whether ``last_accessed`` is stale enough to be worth a write (at most once a minute)."""
    return token.last_accessed is None or now - token.last_accessed >= LAST_ACCESSED_RESOLUTION


def touch_access_token(session: Session, token_id: int, now: datetime) -> None:
    """Record that a token was used."""
    session.execute(update(OAuthAccessToken).where(OAuthAccessToken.id == token_id).values(last_accessed=now))


def bounded_lifetime(requested_s: int | None, *, default_s: int, max_s: int) -> int:
    """The lifetime a new token gets: the request (or the default), never above the maximum."""
    wanted = default_s if requested_s is None else requested_s
    return max(1, min(wanted, max_s))


def list_account_tokens(session: Session, account_id: int) -> list[OAuthAccessToken]:
    """Every token issued to an account, newest first (metadata only; secrets are never stored)."""
    return list(
        session.scalars(
            select(OAuthAccessToken)
            .where(OAuthAccessToken.account_id == account_id)
            .order_by(OAuthAccessToken.created.desc(), OAuthAccessToken.id.desc())
        )
    )


def list_application_tokens(session: Session, application: OAuthApplication) -> list[OAuthAccessToken]:
    """Every token issued through an application, newest first."""
    return list(
        session.scalars(
            select(OAuthAccessToken)
            .where(OAuthAccessToken.application_id == application.id)
            .order_by(OAuthAccessToken.created.desc(), OAuthAccessToken.id.desc())
        )
    )


def find_token(session: Session, token_uuid: str) -> OAuthAccessToken | None:
    """A token by its public uuid."""
    return session.scalar(select(OAuthAccessToken).where(OAuthAccessToken.uuid == token_uuid))


def delete_token(session: Session, token: OAuthAccessToken) -> None:
    """Revoke one token: it stops working at once; its siblings keep working."""
    session.execute(delete(OAuthAccessToken).where(OAuthAccessToken.id == token.id))
    session.flush()
