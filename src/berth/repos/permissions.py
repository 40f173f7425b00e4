"""Explicit repository permissions of users, robots and teams, as the API manages them.

Quay's quirks kept: reading a missing user permission is a bare ``{"message"}`` 400 while deleting
one is an ``invalid_request`` 400; team permissions exist only on organization repositories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, AccountKind
from berth.accounts.service import get_account
from berth.auditlog.service import Actor, log_action
from berth.errors import DataModelError, InvalidRequest, NotFound
from berth.orgs.models import Team, TeamMember
from berth.repos.models import Repository, RepositoryPermission, RoleName, TeamRepositoryPermission
from berth.repos.service import set_permission

_NO_USER_PERMISSION = "User does not have permission for repo."
_NO_TEAM_PERMISSION = "Team does not have permission for repo."


@dataclass(frozen=True)
class RepoTarget:
    """A repository and its namespace account, as the permission calls need them."""

    repo: Repository
    namespace: Account


def _log(session: Session, kind: str, target: RepoTarget, actor: Actor, now: datetime, **meta: str) -> None:
    log_action(
        session,
        kind,
        actor=actor,
        now=now,
        namespace_id=target.namespace.id,
        repository_id=target.repo.id,
        metadata={"repo": target.repo.name, "namespace": target.namespace.username, **meta},
    )


def org_member_ids(session: Session, namespace: Account, account_ids: list[int]) -> set[int]:
    """Which of ``account_ids`` are in a team of ``namespace`` (none for a user namespace)."""
    if namespace.kind != AccountKind.ORGANIZATION or not account_ids:
        return set()
    rows = session.scalars(
        select(TeamMember.account_id)
        .join(Team, Team.id == TeamMember.team_id)
        .where(Team.organization_id == namespace.id, TeamMember.account_id.in_(account_ids))
    ).all()
    return set(rows)


def user_permissions(session: Session, repo: Repository) -> list[tuple[Account, RoleName]]:
    """Explicit user and robot permissions on ``repo``, by name."""
    rows = session.execute(
        select(Account, RepositoryPermission.role)
        .join(Account, Account.id == RepositoryPermission.account_id)
        .where(RepositoryPermission.repository_id == repo.id)
        .order_by(Account.username)
    ).all()
    return [(row[0], row[1]) for row in rows]


def _permission_holder(session: Session, username: str) -> Account | None:
    account = get_account(session, username)
    if account is None or account.username != username or account.kind == AccountKind.ORGANIZATION:
        return None
    return account


def user_permission(session: Session, repo: Repository, username: str) -> tuple[Account, RoleName]:
    """The explicit role of ``username`` on ``repo`` or Quay's bare 400."""
    account = _permission_holder(session, username)
    role = None
    if account is not None:
        role = session.scalar(
            select(RepositoryPermission.role).where(
                RepositoryPermission.repository_id == repo.id, RepositoryPermission.account_id == account.id
            )
        )
    if account is None or role is None:
        raise DataModelError(_NO_USER_PERMISSION)
    return account, role


def transitive_roles(session: Session, repo: Repository, username: str) -> list[RoleName]:
    """Every role ``username`` holds on ``repo``: its own row, then its teams' rows (404: no user)."""
    account = _permission_holder(session, username)
    if account is None:
        raise NotFound("Not Found")
    roles: list[RoleName] = []
    own = session.scalar(
        select(RepositoryPermission.role).where(
            RepositoryPermission.repository_id == repo.id, RepositoryPermission.account_id == account.id
        )
    )
    if own is not None:
        roles.append(own)
    roles.extend(
        session.scalars(
            select(TeamRepositoryPermission.role)
            .join(TeamMember, TeamMember.team_id == TeamRepositoryPermission.team_id)
            .where(TeamRepositoryPermission.repository_id == repo.id, TeamMember.account_id == account.id)
            .order_by(TeamRepositoryPermission.id)
        ).all()
    )
    return roles


def set_user_permission(
    session: Session, target: RepoTarget, username: str, role: RoleName, *, actor: Actor, now: datetime
) -> Account:
    """Give a user (or a robot of the repository's namespace) ``role`` on the repository."""
    account = _permission_holder(session, username)
    if account is None:
        raise InvalidRequest(f"Invalid username: {username}")
    if account.kind == AccountKind.ROBOT and not username.startswith(f"{target.namespace.username}+"):
        raise InvalidRequest("Cannot add robot from another namespace")
    set_permission(session, target.repo, account.id, role)
    _log(session, "change_repo_permission", target, actor, now, username=username, role=role.value)
    return account


def delete_user_permission(
    session: Session, target: RepoTarget, username: str, *, actor: Actor, now: datetime
) -> None:
    """Remove the explicit permission of ``username`` (400 when there is none)."""
    account = _permission_holder(session, username)
    row = None
    if account is not None:
        row = session.scalar(
            select(RepositoryPermission).where(
                RepositoryPermission.repository_id == target.repo.id,
                RepositoryPermission.account_id == account.id,
            )
        )
    if row is None:
        raise InvalidRequest(_NO_USER_PERMISSION)
    session.delete(row)
    session.flush()
    _log(session, "delete_repo_permission", target, actor, now, username=username)


def team_permissions(session: Session, repo: Repository) -> list[tuple[Team, RoleName]]:
    """Team permissions on ``repo``, by team name."""
    rows = session.execute(
        select(Team, TeamRepositoryPermission.role)
        .join(Team, Team.id == TeamRepositoryPermission.team_id)
        .where(TeamRepositoryPermission.repository_id == repo.id)
        .order_by(Team.name)
    ).all()
    return [(row[0], row[1]) for row in rows]


def _team_row(session: Session, repo: Repository, team_name: str) -> TeamRepositoryPermission | None:
    return session.scalar(
        select(TeamRepositoryPermission)
        .join(Team, Team.id == TeamRepositoryPermission.team_id)
        .where(
            TeamRepositoryPermission.repository_id == repo.id,
            Team.name == team_name,
            Team.organization_id == repo.namespace_id,
        )
    )


def team_permission(session: Session, repo: Repository, team_name: str) -> RoleName:
    """The role of team ``team_name`` on ``repo`` or Quay's bare 400."""
    row = _team_row(session, repo, team_name)
    if row is None:
        raise DataModelError(_NO_TEAM_PERMISSION)
    return row.role


def set_team_permission(
    session: Session, target: RepoTarget, team_name: str, role: RoleName, *, actor: Actor, now: datetime
) -> Team:
    """Give a team of the owning organization ``role`` on the repository."""
    team = session.scalar(
        select(Team).where(Team.organization_id == target.namespace.id, Team.name == team_name)
    )
    if team is None:
        raise InvalidRequest(f"No team {team_name} in organization {target.namespace.username}")
    row = _team_row(session, target.repo, team_name)
    if row is None:
        session.add(TeamRepositoryPermission(repository_id=target.repo.id, team_id=team.id, role=role))
    else:
        row.role = role
    session.flush()
    _log(session, "change_repo_permission", target, actor, now, team=team_name, role=role.value)
    return team


def delete_team_permission(
    session: Session, target: RepoTarget, team_name: str, *, actor: Actor, now: datetime
) -> None:
    """Remove a team's permission (400 when there is none)."""
    row = _team_row(session, target.repo, team_name)
    if row is None:
        raise InvalidRequest(_NO_TEAM_PERMISSION)
    session.delete(row)
    session.flush()
    _log(session, "delete_repo_permission", target, actor, now, team=team_name)


def team_repository_roles(session: Session, team: Team) -> list[tuple[Repository, RoleName]]:
    """The live repositories a team holds a role on (``getOrganizationTeamPermissions``)."""
    rows = session.execute(
        select(Repository, TeamRepositoryPermission.role)
        .join(Repository, Repository.id == TeamRepositoryPermission.repository_id)
        .where(TeamRepositoryPermission.team_id == team.id, Repository.deleted.is_(False))
        .order_by(Repository.name)
    ).all()
    return [(row[0], row[1]) for row in rows]
