"""First-user bootstrap (Quay's ``/api/v1/user/initialize``) and the superuser rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from berth.accounts.clientkeys import create_client_key
from berth.accounts.models import Account
from berth.accounts.service import PasswordPolicy, count_users, create_user
from berth.auditlog.service import Actor, log_action
from berth.db.instance import get_or_create_secret
from berth.errors import DataModelError


@dataclass(frozen=True)
class InitializedUser:
    """The account created by the bootstrap, with a CLI client key (Quay's encrypted password)."""

    account: Account
    client_key: str


def is_superuser(account: Account, super_users: frozenset[str]) -> bool:
    """Named in ``SUPER_USERS`` or marked superuser (bootstrap user, ``berth user create --superuser``)."""
    return account.username in super_users or account.superuser


def initialize_first_user(
    session: Session, *, username: str, email: str, password: str, now: datetime, policy: PasswordPolicy
) -> InitializedUser:
    """Create the first user of an empty install, marked superuser; refused once any user exists."""
    if count_users(session) > 0:
        raise DataModelError("Cannot initialize user in a non-empty database")
    # A marker row makes concurrent bootstraps race on one primary key instead of both succeeding.
    marker = get_or_create_secret(session, "bootstrap.initialized_by", lambda: username)
    if marker != username:
        raise DataModelError("Cannot initialize user in a non-empty database")
    account = create_user(session, username=username, email=email, password=password, now=now, policy=policy)
    account.superuser = True
    actor = Actor(account.id)
    log_action(
        session,
        "user_create",
        actor=actor,
        now=now,
        namespace_id=account.id,
        metadata={"username": username, "initialize": True},
    )
    return InitializedUser(account, create_client_key(session, account, now=now, actor=actor))
