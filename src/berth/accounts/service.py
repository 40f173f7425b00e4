"""Creating, finding and authenticating accounts; the first-user bootstrap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, AccountKind
from berth.errors import DataModelError, InvalidRequest
from berth.lib.names import is_valid_email, is_valid_username
from berth.lib.passwords import hash_password, verify_password

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class PasswordPolicy:
    """How passwords are hashed here (``low`` cost only in test suites)."""

    cost: str = "default"


def get_account(session: Session, username: str) -> Account | None:
    """The account named ``username`` (user, organization or robot), if any."""
    return session.scalar(select(Account).where(Account.username == username))


def get_user(session: Session, username: str) -> Account | None:
    """The *user* named ``username``; organizations and robots are not users."""
    account = get_account(session, username)
    return account if account is not None and account.kind == AccountKind.USER else None


def find_user_for_login(session: Session, username_or_email: str) -> Account | None:
    """The user a sign-in form names: by username, or by e-mail address when it contains ``@``."""
    if "@" in username_or_email:
        account = session.scalar(select(Account).where(Account.email == username_or_email))
        return account if account is not None and account.kind == AccountKind.USER else None
    return get_user(session, username_or_email)


def count_users(session: Session) -> int:
    """How many user accounts exist."""
    return (
        session.scalar(select(func.count()).select_from(Account).where(Account.kind == AccountKind.USER)) or 0
    )


def validate_new_username(session: Session, username: str) -> None:
    """Raise unless ``username`` is well formed and free."""
    if not is_valid_username(username):
        raise InvalidRequest(
            "Invalid namespace: Namespace must match expression ^([a-z0-9]+(?:[._-][a-z0-9]+)*)$ "
            "and be between 2 and 255 characters in length"
        )
    existing = get_account(session, username)
    if existing is not None:
        raise DataModelError(
            f"Username has already been taken by {existing.kind.value} cannot be reused: {username}"
        )


INVALID_PASSWORD = "Invalid password, password must be at least 8 characters and contain no whitespace."  # noqa: S105


def validate_password(password: str) -> None:
    """Quay's rule: at least eight characters and no whitespace."""
    if len(password) < MIN_PASSWORD_LENGTH or any(ch.isspace() for ch in password):
        raise InvalidRequest(INVALID_PASSWORD)


def create_user(
    session: Session,
    *,
    username: str,
    email: str | None,
    password: str | None,
    now: datetime,
    policy: PasswordPolicy,
    tag_expiration_s: int = 1209600,
) -> Account:
    """Create a user account; the password (when given) is stored as an Argon2id hash."""
    validate_new_username(session, username)
    if email is not None:
        if not is_valid_email(email):
            raise InvalidRequest(f"Invalid email address: {email}")
        if session.scalar(select(Account.id).where(Account.email == email)) is not None:
            raise DataModelError("Email has already been used")
    if password is not None:
        validate_password(password)
    account = Account(
        username=username,
        kind=AccountKind.USER,
        email=email,
        password_hash=hash_password(password, policy.cost) if password is not None else None,
        verified=True,
        enabled=True,
        created=now,
        password_changed=now if password is not None else None,
        tag_expiration_s=tag_expiration_s,
    )
    session.add(account)
    session.flush()
    return account


def set_password(
    session: Session, account: Account, password: str, *, now: datetime, policy: PasswordPolicy
) -> None:
    """Replace a user's password; sessions created before ``now`` stop being valid."""
    validate_password(password)
    account.password_hash = hash_password(password, policy.cost)
    account.password_changed = now
    session.flush()


def authenticate_password(
    session: Session, username: str, password: str, policy: PasswordPolicy
) -> Account | None:
    """The enabled user whose password matches, else None (never says which part was wrong).

    ``username`` may also be the user's e-mail address, as on Quay's sign-in form.
    """
    account = find_user_for_login(session, username)
    if account is None:
        # Spend the same time as a real check so unknown names cannot be told apart by timing.
        verify_password(password, _DUMMY_HASH.get(policy.cost), policy.cost)
        return None
    if not account.enabled or not verify_password(password, account.password_hash, policy.cost):
        return None
    return account


class _DummyHashes:
    """Lazily built hashes used to equalise timing for unknown usernames."""

    def __init__(self) -> None:
        self._by_cost: dict[str, str] = {}

    def get(self, cost: str) -> str:
        if cost not in self._by_cost:
            self._by_cost[cost] = hash_password("berth-timing-equaliser", cost)
        return self._by_cost[cost]


_DUMMY_HASH = _DummyHashes()
