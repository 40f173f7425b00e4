"""App-specific tokens: a password replacement for docker/podman (username ``$app``).

Quay's format (120 chars ``[A-Z0-9]``: a 60-char lookup and a 60-char secret), beginning with
:data:`APP_TOKEN_PREFIX` for secret scanners. Only the secret's SHA-256 is stored, so the token is
shown once, on creation. An optional expiry comes from ``APP_SPECIFIC_TOKEN_EXPIRATION``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from berth.accounts.models import Account
from berth.auditlog.service import Actor, log_action
from berth.errors import InvalidRequest
from berth.lib.secrets import random_code, secret_matches, sha256_hex
from berth.oauth.models import AppSpecificToken

APP_TOKEN_PREFIX = "BRTA"  # noqa: S105 - a public marker for secret scanners, not a secret
LOOKUP_LENGTH = 60
SECRET_LENGTH = 60
TITLE_MAX = 255
LAST_ACCESSED_RESOLUTION = timedelta(minutes=1)


def create_app_token(
    session: Session,
    account: Account,
    title: str,
    *,
    lifetime_s: int | None,
    actor: Actor | None,
    now: datetime,
) -> tuple[AppSpecificToken, str]:
    """A new token for ``account``; returns the row and the token code (its only clear-text copy)."""
    if not title.strip() or len(title) > TITLE_MAX:
        raise InvalidRequest(f"'title' must be 1 to {TITLE_MAX} characters")
    lookup = APP_TOKEN_PREFIX + random_code(LOOKUP_LENGTH - len(APP_TOKEN_PREFIX))
    secret = random_code(SECRET_LENGTH)
    row = AppSpecificToken(
        uuid=str(uuid.uuid4()),
        account_id=account.id,
        title=title,
        lookup=lookup,
        secret_hash=sha256_hex(secret),
        created=now,
        expires_at=now + timedelta(seconds=lifetime_s) if lifetime_s else None,
        last_accessed=None,
    )
    session.add(row)
    session.flush()
    log_action(
        session,
        "create_app_specific_token",
        actor=actor,
        now=now,
        namespace_id=account.id,
        metadata={"app_specific_token_title": title, "app_specific_token": row.uuid},
    )
    return row, lookup + secret


def list_app_tokens(
    session: Session, account: Account | None, *, expiring_before: datetime | None = None
) -> list[AppSpecificToken]:
    """An account's tokens (every account's when ``account`` is None), oldest first; with
    ``expiring_before``, only those that expire before then."""
    query = select(AppSpecificToken).order_by(AppSpecificToken.id)
    if account is not None:
        query = query.where(AppSpecificToken.account_id == account.id)
    if expiring_before is not None:
        query = query.where(
            AppSpecificToken.expires_at.is_not(None), AppSpecificToken.expires_at <= expiring_before
        )
    return list(session.scalars(query))


def find_app_token(session: Session, account: Account, token_uuid: str) -> AppSpecificToken | None:
    """One of ``account``'s tokens by uuid."""
    return session.scalar(
        select(AppSpecificToken).where(
            AppSpecificToken.uuid == token_uuid, AppSpecificToken.account_id == account.id
        )
    )


def revoke_app_token(
    session: Session, token: AppSpecificToken, *, actor: Actor | None, now: datetime
) -> None:
    """Delete the token: it stops working at once."""
    session.execute(delete(AppSpecificToken).where(AppSpecificToken.id == token.id))
    log_action(
        session,
        "revoke_app_specific_token",
        actor=actor,
        now=now,
        namespace_id=token.account_id,
        metadata={"app_specific_token_title": token.title, "app_specific_token": token.uuid},
    )
    session.flush()


def validate_app_token(
    session: Session, presented: str, *, now: datetime
) -> tuple[AppSpecificToken, Account] | None:
    """The live token and its enabled account for a presented code, else None; records the use."""
    if len(presented) != LOOKUP_LENGTH + SECRET_LENGTH:
        return None
    lookup, secret = presented[:LOOKUP_LENGTH], presented[LOOKUP_LENGTH:]
    row = session.execute(
        select(AppSpecificToken, Account)
        .join(Account, Account.id == AppSpecificToken.account_id)
        .where(AppSpecificToken.lookup == lookup)
    ).first()
    if row is None:
        return None
    token, account = row[0], row[1]
    if not secret_matches(secret, token.secret_hash) or not account.enabled:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_accessed is None or now - token.last_accessed >= LAST_ACCESSED_RESOLUTION:
        session.execute(
            update(AppSpecificToken).where(AppSpecificToken.id == token.id).values(last_accessed=now)
        )
    return token, account
