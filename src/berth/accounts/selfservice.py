"""A user managing their own account: sign-up, changing details, deletion, conversion to an org.

Each function validates everything before it changes anything, so a refused request leaves the
account as it was, and writes Quay's usage-log kind for what it changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from berth.accounts.clientkeys import revoke_client_keys
from berth.accounts.models import Account, AccountKind
from berth.accounts.service import PasswordPolicy, create_user, set_password, validate_password
from berth.accounts.sessions import end_account_sessions
from berth.auditlog.service import Actor, log_action
from berth.errors import DataModelError, InvalidRequest
from berth.lib.names import is_valid_email
from berth.lib.secrets import random_code
from berth.orgs.models import Team, TeamMember, TeamRole
from berth.orgs.service import create_owners_team, organizations_of
from berth.robots.service import delete_namespace_robots

_UNSET = object()


def register_user(
    session: Session,
    *,
    username: str,
    password: str,
    email: str | None,
    now: datetime,
    policy: PasswordPolicy,
    actor: Actor,
    tag_expiration_s: int,
) -> Account:
    """Quay's ``createNewUser``: every rule broken is a plain 400 ``invalid_request``."""
    validate_password(password)
    try:
        account = create_user(
            session,
            username=username,
            email=email,
            password=password,
            now=now,
            policy=policy,
            tag_expiration_s=tag_expiration_s,
        )
    except DataModelError as exc:  # Quay wraps model errors into request_error here
        raise InvalidRequest(exc.message) from None
    log_action(
        session,
        "user_create",
        actor=Actor(actor.account_id or account.id, ip=actor.ip, oauth_token_id=actor.oauth_token_id),
        now=now,
        namespace_id=account.id,
        metadata={"username": username, "email": email},
    )
    return account


@dataclass(frozen=True)
class UserChanges:
    """Fields of ``PUT /api/v1/user/``; ``None`` means "not sent" except for the nullable texts."""

    password: str | None = None
    email: str | None = None
    tag_expiration_s: int | None = None
    invoice_email: bool | None = None
    invoice_email_address: str | object | None = _UNSET
    metadata: tuple[tuple[str, str | None], ...] = ()
    username: str | None = None


METADATA_FIELDS = ("given_name", "family_name", "company", "location")


def _validate(
    session: Session, account: Account, changes: UserChanges, allowed_expirations: set[int]
) -> None:
    if changes.password is not None:
        validate_password(changes.password)
    if changes.email is not None and changes.email != account.email:
        if not is_valid_email(changes.email):
            raise InvalidRequest(f"Invalid email address: {changes.email}")
        taken = session.scalar(select(Account.id).where(Account.email == changes.email))
        if taken is not None:
            raise InvalidRequest("E-mail address already used")
    if changes.tag_expiration_s is not None and changes.tag_expiration_s not in allowed_expirations:
        raise InvalidRequest("Invalid tag expiration option")
    if changes.username is not None and changes.username != account.username:
        raise InvalidRequest("Changing the username is not supported")
    address = changes.invoice_email_address
    if isinstance(address, str) and address and not is_valid_email(address):
        raise InvalidRequest(f"Invalid email address: {address}")


def change_details(
    session: Session,
    account: Account,
    changes: UserChanges,
    *,
    now: datetime,
    policy: PasswordPolicy,
    actor: Actor,
    allowed_expirations: set[int],
    keep_session_id: int | None,
) -> bool:
    """Apply ``changes``; returns whether the password changed (the caller re-signs its session).

    A password change signs the account out of every other session and revokes its client keys.
    """
    _validate(session, account, changes, allowed_expirations)
    ns = account.id
    if changes.password is not None:
        set_password(session, account, changes.password, now=now, policy=policy)
        end_account_sessions(session, account.id, keep=keep_session_id)
        revoke_client_keys(session, account.id)
        log_action(session, "user_change_password", actor=actor, now=now, namespace_id=ns, metadata={})
    if changes.invoice_email is not None and changes.invoice_email != account.invoice_email:
        account.invoice_email = changes.invoice_email
        log_action(
            session,
            "user_change_invoicing",
            actor=actor,
            now=now,
            namespace_id=ns,
            metadata={"invoice_email": changes.invoice_email},
        )
    if changes.invoice_email_address is not _UNSET:
        address = changes.invoice_email_address
        account.invoice_email_address = address if isinstance(address, str) and address else None
    if changes.tag_expiration_s is not None and changes.tag_expiration_s != account.tag_expiration_s:
        log_action(
            session,
            "user_change_tag_expiration",
            actor=actor,
            now=now,
            namespace_id=ns,
            metadata={"username": account.username, "tag_expiration": changes.tag_expiration_s},
        )
        account.tag_expiration_s = changes.tag_expiration_s
    if changes.email is not None and changes.email != account.email:
        old_email = account.email
        account.email = changes.email
        account.verified = True  # no confirmation mail yet: the change is applied at once
        log_action(
            session,
            "user_change_email",
            actor=actor,
            now=now,
            namespace_id=ns,
            metadata={"old_email": old_email, "email": changes.email},
        )
    if changes.metadata:
        for name, value in changes.metadata:
            setattr(account, name, value)
        log_action(
            session,
            "user_change_metadata",
            actor=actor,
            now=now,
            namespace_id=ns,
            metadata=dict(changes.metadata),
        )
    session.flush()
    return changes.password is not None


def sole_admin_of(session: Session, account_id: int) -> list[str]:
    """Organizations that no one but ``account_id`` administers."""
    names = []
    for org, role in organizations_of(session, account_id):
        if role is not TeamRole.ADMIN:
            continue
        others = session.scalar(
            select(func.count())
            .select_from(TeamMember)
            .join(Team, Team.id == TeamMember.team_id)
            .where(
                Team.organization_id == org.id,
                Team.role == TeamRole.ADMIN,
                TeamMember.account_id != account_id,
            )
        )
        if not others:
            names.append(org.username)
    return names


def delete_user(session: Session, account: Account, *, now: datetime, actor: Actor) -> None:
    """Quay's "mark for deletion": the account is disabled and renamed at once, freeing its name
    and e-mail; its sessions, client keys and robots die. Its rows stay for the garbage collector.

    Refused while the user is the only administrator of an organization (it would be orphaned).
    """
    orphaned = sole_admin_of(session, account.id)
    if orphaned:
        raise DataModelError(
            f"Cannot delete {account.username} as you are the only admin for organizations: "
            + ", ".join(orphaned)
        )
    log_action(
        session,
        "user_delete",
        actor=actor,
        now=now,
        namespace_id=account.id,
        metadata={"username": account.username},
    )
    end_account_sessions(session, account.id)
    revoke_client_keys(session, account.id)
    delete_namespace_robots(session, account.id)
    account.username = f"deleted-{random_code(24).lower()}"
    account.email = None
    account.password_hash = None
    account.enabled = False
    account.password_changed = now
    session.flush()


def convert_to_organization(
    session: Session,
    account: Account,
    admin: Account,
    *,
    now: datetime,
    actor: Actor,
    keep_session_id: int | None = None,
) -> None:
    """Quay's ``convertUserToOrganization``: the user becomes an organization whose ``owners`` team
    (role admin) holds ``admin`` (whose credentials the caller has checked). It can no longer sign
    in; its sessions end, except ``keep_session_id``, which the caller moves over to ``admin``."""
    if admin.id == account.id:
        raise InvalidRequest("The admin user is not valid", extra={"reason": "invaliduser"})
    if account.kind != AccountKind.USER:
        raise InvalidRequest("Only a user can be converted")
    account.kind = AccountKind.ORGANIZATION
    account.password_hash = None
    account.superuser = False
    end_account_sessions(session, account.id, keep=keep_session_id)
    revoke_client_keys(session, account.id)
    create_owners_team(session, account, admin)
    log_action(
        session,
        "account_convert",
        actor=actor,
        now=now,
        namespace_id=account.id,
        metadata={"username": account.username, "admin": admin.username},
    )
    session.flush()
