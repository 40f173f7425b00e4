"""Default permissions (Quay's permission prototypes): roles an organization grants on every
repository created in it, to a user, robot or team, optionally only when a given user creates it.

:func:`apply_default_permissions` runs inside repository creation; a prototype naming the creating
user beats a general one for the same delegate, as in Quay.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, AccountKind
from berth.accounts.service import get_account
from berth.auditlog.service import Actor, log_action
from berth.errors import InvalidRequest, NotFound
from berth.lib.avatar import avatar
from berth.orgs.models import PermissionPrototype, Team, TeamMember
from berth.orgs.service import get_team
from berth.repos.models import Repository, RepositoryPermission, RoleName, TeamRepositoryPermission

_RANK = {RoleName.READ: 1, RoleName.WRITE: 2, RoleName.ADMIN: 3}


@dataclass(frozen=True)
class Prototype:
    """A prototype with the accounts and team it names, loaded."""

    row: PermissionPrototype
    activating_user: Account | None
    delegate_user: Account | None
    delegate_team: Team | None


def _load(session: Session, row: PermissionPrototype) -> Prototype:
    def account(account_id: int | None) -> Account | None:
        return session.get(Account, account_id) if account_id is not None else None

    team = session.get(Team, row.delegate_team_id) if row.delegate_team_id is not None else None
    return Prototype(row, account(row.activating_user_id), account(row.delegate_user_id), team)


def list_prototypes(session: Session, org: Account) -> list[Prototype]:
    """The organization's prototypes, oldest first."""
    rows = session.scalars(
        select(PermissionPrototype)
        .where(PermissionPrototype.organization_id == org.id)
        .order_by(PermissionPrototype.id)
    )
    return [_load(session, row) for row in rows]


def require_prototype(session: Session, org: Account, prototype_id: str) -> Prototype:
    """The prototype with this id in this organization, or :class:`NotFound`."""
    row = session.scalar(
        select(PermissionPrototype).where(
            PermissionPrototype.organization_id == org.id, PermissionPrototype.uuid == prototype_id
        )
    )
    if row is None:
        raise NotFound("Not Found")
    return _load(session, row)


def _user(session: Session, org: Account, name: str) -> Account | None:
    """A user, or a robot of this organization, named ``name``."""
    account = get_account(session, name)
    if account is None or account.kind == AccountKind.ORGANIZATION:
        return None
    if account.kind == AccountKind.ROBOT and not account.username.startswith(f"{org.username}+"):
        return None
    return account


def _log(
    session: Session, kind: str, org: Account, proto: Prototype, *, actor: Actor, now: datetime, **extra: Any
) -> None:
    performer = session.get(Account, actor.account_id) if actor.account_id is not None else None
    metadata = {
        "prototypeid": proto.row.uuid,
        "username": performer.username if performer else None,
        "activating_username": proto.activating_user.username if proto.activating_user else None,
        "delegate_user": proto.delegate_user.username if proto.delegate_user else None,
        "delegate_team": proto.delegate_team.name if proto.delegate_team else None,
        "role": proto.row.role.value,
        **extra,
    }
    log_action(session, kind, actor=actor, now=now, namespace_id=org.id, metadata=metadata)


def create_prototype(
    session: Session,
    org: Account,
    *,
    role: RoleName,
    activating_username: str | None,
    delegate_kind: str | None,
    delegate_name: str | None,
    actor: Actor,
    now: datetime,
) -> Prototype:
    """Quay's ``createOrganizationPrototypePermission``."""
    activating = _user(session, org, activating_username) if activating_username else None
    if activating_username and activating is None:
        raise InvalidRequest("Unknown activating user")
    delegate_user = _user(session, org, delegate_name) if delegate_kind == "user" and delegate_name else None
    delegate_team = (
        get_team(session, org, delegate_name) if delegate_kind == "team" and delegate_name else None
    )
    if delegate_user is None and delegate_team is None:
        raise InvalidRequest("Missing delegate user or team")
    row = PermissionPrototype(
        uuid=str(uuid.uuid4()),
        organization_id=org.id,
        activating_user_id=activating.id if activating else None,
        delegate_user_id=delegate_user.id if delegate_user else None,
        delegate_team_id=delegate_team.id if delegate_team else None,
        role=role,
    )
    session.add(row)
    session.flush()
    proto = Prototype(row, activating, delegate_user, delegate_team)
    _log(session, "create_prototype_permission", org, proto, actor=actor, now=now)
    return proto


def update_prototype(
    session: Session, org: Account, prototype_id: str, *, role: RoleName, actor: Actor, now: datetime
) -> Prototype:
    """Change the role a prototype grants."""
    proto = require_prototype(session, org, prototype_id)
    original = proto.row.role
    proto.row.role = role
    session.flush()
    _log(
        session, "modify_prototype_permission", org, proto, actor=actor, now=now, original_role=original.value
    )
    return proto


def delete_prototype(
    session: Session, org: Account, prototype_id: str, *, actor: Actor, now: datetime
) -> None:
    """Delete a prototype (repositories already created keep their permissions)."""
    proto = require_prototype(session, org, prototype_id)
    _log(session, "delete_prototype_permission", org, proto, actor=actor, now=now)
    session.delete(proto.row)
    session.flush()


def apply_default_permissions(
    session: Session, repo: Repository, namespace: Account, creator_id: int | None
) -> None:
    """Give the new repository the roles the organization's prototypes name for this creator.

    A prototype for this very creator beats a general one for the same delegate. A user or robot
    delegate never loses a higher role it already has (the creator's ``admin``).
    """
    if namespace.kind != AccountKind.ORGANIZATION or creator_id is None:
        return
    rows = session.scalars(
        select(PermissionPrototype)
        .where(
            PermissionPrototype.organization_id == namespace.id,
            (PermissionPrototype.activating_user_id.is_(None))
            | (PermissionPrototype.activating_user_id == creator_id),
        )
        .order_by(PermissionPrototype.id)
    ).all()
    chosen: dict[tuple[str, int], tuple[PermissionPrototype, RoleName]] = {}
    for row in rows:
        key = (
            ("user", row.delegate_user_id)
            if row.delegate_user_id is not None
            else ("team", row.delegate_team_id or 0)
        )
        if key in chosen and row.activating_user_id is None:
            continue
        chosen[key] = (row, row.role)
    for (kind, target_id), (_row, role) in chosen.items():
        if kind == "user":
            _grant_user(session, repo, target_id, role)
        else:
            _grant_team(session, repo, target_id, role)


def _grant_user(session: Session, repo: Repository, account_id: int, role: RoleName) -> None:
    existing = session.scalar(
        select(RepositoryPermission).where(
            RepositoryPermission.repository_id == repo.id, RepositoryPermission.account_id == account_id
        )
    )
    if existing is None:
        session.add(RepositoryPermission(repository_id=repo.id, account_id=account_id, role=role))
    elif _RANK[role] > _RANK[existing.role]:
        existing.role = role
    session.flush()


def _grant_team(session: Session, repo: Repository, team_id: int, role: RoleName) -> None:
    existing = session.scalar(
        select(TeamRepositoryPermission).where(
            TeamRepositoryPermission.repository_id == repo.id, TeamRepositoryPermission.team_id == team_id
        )
    )
    if existing is None:
        session.add(TeamRepositoryPermission(repository_id=repo.id, team_id=team_id, role=role))
    elif _RANK[role] > _RANK[existing.role]:
        existing.role = role
    session.flush()


def org_member_ids(session: Session, org: Account) -> set[int]:
    """Ids of every account in a team of the organization."""
    return set(
        session.scalars(
            select(TeamMember.account_id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(Team.organization_id == org.id)
        )
    )


def _user_view(account: Account, members: set[int]) -> dict[str, Any]:
    is_robot = account.kind == AccountKind.ROBOT
    return {
        "name": account.username,
        "is_robot": is_robot,
        "kind": "user",
        "is_org_member": is_robot or account.id in members,
        "avatar": avatar(account.username, account.email, "robot" if is_robot else "user"),
    }


def prototype_view(proto: Prototype, members: set[int]) -> dict[str, Any]:
    """A prototype as Quay shows it."""
    if proto.delegate_user is not None:
        delegate = _user_view(proto.delegate_user, members)
    else:
        team = proto.delegate_team
        name = team.name if team is not None else ""
        delegate = {"name": name, "kind": "team", "avatar": avatar(name, None, "team")}
    return {
        "activating_user": _user_view(proto.activating_user, members) if proto.activating_user else None,
        "delegate": delegate,
        "role": proto.row.role.value,
        "id": proto.row.uuid,
    }
