"""Superusers managing the installation's users: list, create with a generated password, change
e-mail/password/enabled, delete. Superusers themselves cannot be changed or deleted this way.

Where Quay hands out the user's encrypted password, Berth issues a CLI client key (see
``clientkeys``): it works for ``docker login`` and never contains the password.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, not_, select
from sqlalchemy.orm import Session

from berth.accounts.bootstrap import is_superuser
from berth.accounts.clientkeys import create_client_key
from berth.accounts.models import Account, AccountKind
from berth.accounts.selfservice import UserChanges, change_details, delete_user
from berth.accounts.service import PasswordPolicy, create_user, get_user
from berth.accounts.sessions import end_account_sessions
from berth.auditlog.service import Actor, log_action
from berth.errors import DataModelError, InvalidRequest, NotFound
from berth.lib.avatar import avatar
from berth.lib.names import is_valid_email
from berth.lib.secrets import random_code

GENERATED_PASSWORD_LENGTH = 32
MAX_PAGE = 100


@dataclass(frozen=True)
class CreatedInstallUser:
    """A user created by a superuser, its generated password and a CLI client key (shown once)."""

    account: Account
    password: str
    client_key: str


def encode_page_token(last_id: int) -> str:
    """An opaque ``next_page`` token continuing after ``last_id``."""
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode()


def decode_page_token(token: str | None) -> int:
    """The id a ``next_page`` token continues after; an unreadable token starts over, as in Quay."""
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return 0
    prefix, _, number = text.partition(":")
    return int(number) if prefix == "after" and number.isdigit() else 0


def parse_limit(raw: str | None) -> int | None:
    """``?limit=``: 1 to 100 (absent: no limit)."""
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise InvalidRequest(f"limit must be an integer between 1 and {MAX_PAGE}")
    return int(raw)


def _marked_deleted() -> Any:
    # ``delete_user`` renames the account ``deleted-...`` and disables it until it is collected.
    return and_(
        Account.username.like("deleted-%"), Account.enabled.is_(False), Account.password_hash.is_(None)
    )


def list_users(
    session: Session, *, include_disabled: bool, after_id: int, limit: int | None
) -> list[Account]:
    """Users (not robots or organizations, not those being deleted), by id."""
    query = (
        select(Account)
        .where(Account.kind == AccountKind.USER, Account.id > after_id, not_(_marked_deleted()))
        .order_by(Account.id)
    )
    if not include_disabled:
        query = query.where(Account.enabled.is_(True))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def require_install_user(session: Session, username: str) -> Account:
    """The user ``username`` (not an organization or robot), or :class:`NotFound`."""
    account = get_user(session, username)
    if account is None:
        raise NotFound("Not Found")
    return account


def create_install_user(
    session: Session, *, username: str, email: str | None, now: datetime, policy: PasswordPolicy, actor: Actor
) -> CreatedInstallUser:
    """Quay's ``createInstallUser``: every rule broken is a 400 ``{"message"}``."""
    if email is None or not is_valid_email(email):
        raise DataModelError(f"Invalid email address: {email}")
    password = random_code(GENERATED_PASSWORD_LENGTH)
    try:
        account = create_user(
            session, username=username, email=email, password=password, now=now, policy=policy
        )
    except InvalidRequest as exc:
        raise DataModelError(exc.message) from None
    log_action(
        session,
        "user_create",
        actor=actor,
        now=now,
        namespace_id=account.id,
        metadata={"username": username, "email": email, "superuser_created": True},
    )
    key = create_client_key(session, account, now=now, actor=actor)
    return CreatedInstallUser(account, password, key)


def change_install_user(
    session: Session,
    account: Account,
    *,
    password: str | None,
    email: str | None,
    enabled: bool | None,
    super_users: frozenset[str],
    now: datetime,
    policy: PasswordPolicy,
    actor: Actor,
) -> str | None:
    """Change a user's password, e-mail and enabled flag; returns a new client key after a password
    change (the old keys and sessions die with the old password)."""
    if is_superuser(account, super_users):
        raise InvalidRequest("Cannot update a superuser")
    changes = UserChanges(password=password, email=email)
    change_details(
        session,
        account,
        changes,
        now=now,
        policy=policy,
        actor=actor,
        allowed_expirations=set(),
        keep_session_id=None,
    )
    if enabled is not None and enabled != account.enabled:
        account.enabled = enabled
        if not enabled:
            end_account_sessions(session, account.id)
        kind = "user_enable" if enabled else "user_disable"
        log_action(
            session,
            kind,
            actor=actor,
            now=now,
            namespace_id=account.id,
            metadata={"username": account.username},
        )
        session.flush()
    return create_client_key(session, account, now=now, actor=actor) if password is not None else None


def delete_install_user(
    session: Session, account: Account, *, super_users: frozenset[str], now: datetime, actor: Actor
) -> None:
    """Mark the user for deletion (its robots go at once); superusers cannot be deleted."""
    if is_superuser(account, super_users):
        raise InvalidRequest("Cannot delete a superuser")
    delete_user(session, account, now=now, actor=actor)


def install_user_view(
    account: Account, *, super_users: frozenset[str], client_key: str | None = None
) -> dict[str, Any]:
    """A user as the superuser panel shows it."""
    view: dict[str, Any] = {
        "kind": "user",
        "name": account.username,
        "username": account.username,
        "email": account.email,
        "verified": account.verified,
        "avatar": avatar(account.username, account.email, "user"),
        "super_user": is_superuser(account, super_users),
        "global_readonly_super_user": False,
        "enabled": account.enabled,
        "quotas": [],
        "quota_report": {
            "quota_bytes": 0,
            "configured_quota": None,
            "running_backfill": "waiting",
            "backfill_status": "waiting",
        },
    }
    if client_key is not None:
        view["encrypted_password"] = client_key
    return view
