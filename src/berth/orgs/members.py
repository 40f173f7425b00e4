"""Members of an organization (accounts in its teams) and collaborators (users holding permissions
on its repositories without being in a team): look one up, remove one everywhere, list them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, AccountKind
from berth.accounts.service import get_account
from berth.auditlog.service import Actor, log_action
from berth.errors import DataModelError, NotFound
from berth.orgs.models import Team, TeamMember, TeamRole
from berth.repos.models import Repository, RepositoryPermission


@dataclass(frozen=True)
class Member:
    """A member with its teams and the org repositories it holds a direct permission on."""

    account: Account
    teams: list[Team]
    repositories: list[str]


def _org_repo_permissions(org: Account, account_id: int | None = None) -> Select[int, str, int]:
    query = (
        select(RepositoryPermission.account_id, Repository.name, RepositoryPermission.id)
        .join(Repository, Repository.id == RepositoryPermission.repository_id)
        .where(Repository.namespace_id == org.id, Repository.deleted.is_(False))
        .order_by(Repository.name)
    )
    return query if account_id is None else query.where(RepositoryPermission.account_id == account_id)


def direct_repositories(session: Session, org: Account) -> dict[int, list[str]]:
    """For each account, the org repositories it holds a direct permission on, by name."""
    found: dict[int, list[str]] = {}
    for account_id, repo, _ in session.execute(_org_repo_permissions(org)).all():
        found.setdefault(account_id, []).append(repo)
    return found


def _teams_of(session: Session, org: Account, account_id: int) -> list[Team]:
    return list(
        session.scalars(
            select(Team)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(Team.organization_id == org.id, TeamMember.account_id == account_id)
            .order_by(Team.name)
        )
    )


def get_member(session: Session, org: Account, name: str) -> Member:
    """The member ``name`` (user or robot), or :class:`NotFound` when it is in none of the teams."""
    account = get_account(session, name)
    if account is None or account.kind == AccountKind.ORGANIZATION:
        raise NotFound("Not Found")
    teams = _teams_of(session, org, account.id)
    if not teams:
        raise NotFound("Not Found")
    repos = [row[1] for row in session.execute(_org_repo_permissions(org, account.id)).all()]
    return Member(account, teams, repos)


def _admin_count(session: Session, org: Account) -> int:
    return (
        session.scalar(
            select(func.count(func.distinct(TeamMember.account_id)))
            .join(Team, Team.id == TeamMember.team_id)
            .where(Team.organization_id == org.id, Team.role == TeamRole.ADMIN)
        )
        or 0
    )


def remove_member(session: Session, org: Account, name: str, *, actor: Actor, now: datetime) -> None:
    """Quay's ``removeOrganizationMember``: out of every team and every org repository permission.

    A user who is in no team is left as is; the organization's last admin cannot be removed.
    """
    account = get_account(session, name)
    if account is None or account.kind != AccountKind.USER:
        raise NotFound("Not Found")
    teams = _teams_of(session, org, account.id)
    if any(t.role == TeamRole.ADMIN for t in teams) and _admin_count(session, org) <= 1:
        raise DataModelError("Cannot remove user as they are the only organization admin")
    permissions = session.execute(_org_repo_permissions(org, account.id)).all()
    if permissions:
        ids = [row[2] for row in permissions]
        session.execute(delete(RepositoryPermission).where(RepositoryPermission.id.in_(ids)))
    for repo_name in sorted({row[1] for row in permissions}):
        log_action(
            session,
            "delete_repo_permission",
            actor=actor,
            now=now,
            namespace_id=org.id,
            metadata={"username": account.username, "repo": repo_name, "namespace": org.username},
        )
    for team in teams:
        session.execute(
            delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.account_id == account.id)
        )
        log_action(
            session,
            "org_remove_team_member",
            actor=actor,
            now=now,
            namespace_id=org.id,
            metadata={"team": team.name, "member": account.username},
        )
    session.flush()


def collaborators(session: Session, org: Account) -> list[tuple[Account, list[str]]]:
    """Users with direct permissions on the org's repositories who are in none of its teams."""
    members = (
        select(TeamMember.account_id)
        .join(Team, Team.id == TeamMember.team_id)
        .where(Team.organization_id == org.id)
    )
    rows = session.execute(
        select(Account, Repository.name)
        .join(RepositoryPermission, RepositoryPermission.account_id == Account.id)
        .join(Repository, Repository.id == RepositoryPermission.repository_id)
        .where(
            Repository.namespace_id == org.id,
            Repository.deleted.is_(False),
            Account.kind == AccountKind.USER,
            Account.id.not_in(members),
        )
        .order_by(Account.username, Repository.name)
    ).all()
    found: dict[int, tuple[Account, list[str]]] = {}
    for account, repo in rows:
        found.setdefault(account.id, (account, []))[1].append(repo)
    return list(found.values())
