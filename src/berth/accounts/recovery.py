"""Password recovery by e-mail (Quay's ``requestRecoveryEmail``).

The answer never says whether the address belongs to anyone. For a user, a one-time code (hashed
in ``recovery_code``, valid for a day) is mailed as a link; :func:`redeem_recovery_code` turns the
code back into the account exactly once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, AccountKind, RecoveryCode
from berth.lib.secrets import random_code, secret_matches, sha256_hex
from berth.mail import Mailer

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
CODE_LIFETIME = timedelta(days=1)


def request_recovery(
    session: Session, email: str, *, now: datetime, mailer: Mailer, base_url: str, title: str
) -> dict[str, Any]:
    """Mail a recovery link to the user owning ``email``; always answers ``{"status": "sent"}``
    for users and unknown addresses alike (an organization gets Quay's ``org`` answer)."""
    account = session.scalar(select(Account).where(Account.email == email))
    if account is None or not account.enabled or account.kind == AccountKind.ROBOT:
        return {"status": "sent"}
    if account.kind == AccountKind.ORGANIZATION:
        return {"status": "org", "orgemail": email, "orgname": account.username}
    session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    lookup = random_code(24, _ALPHABET)
    secret = random_code(40, _ALPHABET)
    session.add(
        RecoveryCode(
            account_id=account.id,
            lookup=lookup,
            secret_hash=sha256_hex(secret),
            created=now,
            expires_at=now + CODE_LIFETIME,
        )
    )
    session.flush()
    link = f"{base_url}/recovery?code={lookup}{secret}"
    body = (
        f"A password reset was requested for the {title} account {account.username}.\n\n"
        f"Follow this link within 24 hours to sign in and choose a new password:\n{link}\n\n"
        "If you did not ask for this, ignore this message.\n"
    )
    mailer.send(email, f"{title} password recovery", body)
    return {"status": "sent"}


def redeem_recovery_code(session: Session, code: str, *, now: datetime) -> Account | None:
    """The account a live recovery code belongs to; the code is consumed."""
    lookup, secret = code[:24], code[24:]
    row = session.scalar(select(RecoveryCode).where(RecoveryCode.lookup == lookup))
    if row is None or not secret or not secret_matches(secret, row.secret_hash):
        return None
    session.execute(delete(RecoveryCode).where(RecoveryCode.id == row.id))
    if row.expires_at <= now:
        return None
    account = session.get(Account, row.account_id)
    return account if account is not None and account.enabled else None
