"""What robots may reach: their teams and their explicit repository permissions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from berth.orgs.models import Team, TeamMember
from berth.repos.models import Repository, RepositoryPermission, RoleName, Visibility
from berth.robots.schemas import RobotLinks
from berth.robots.service import RobotRecord


def robot_links(session: Session, records: list[RobotRecord]) -> dict[int, RobotLinks]:
    """Teams and repositories (by name) of each robot, keyed by its account id."""
    ids = [record.account.id for record in records]
    links = {account_id: RobotLinks() for account_id in ids}
    if not ids:
        return links
    teams = session.execute(
        select(TeamMember.account_id, Team.name)
        .join(Team, Team.id == TeamMember.team_id)
        .where(TeamMember.account_id.in_(ids))
        .order_by(Team.name)
    ).all()
    for account_id, team in teams:
        links[account_id].teams.append(team)
    repos = session.execute(
        select(RepositoryPermission.account_id, Repository.name)
        .join(Repository, Repository.id == RepositoryPermission.repository_id)
        .where(RepositoryPermission.account_id.in_(ids), Repository.deleted.is_(False))
        .order_by(Repository.name)
    ).all()
    for account_id, repo in repos:
        links[account_id].repositories.append(repo)
    return links


def robot_permissions(session: Session, record: RobotRecord) -> list[tuple[str, bool, RoleName]]:
    """``(repository name, is public, role)`` for each explicit permission of the robot."""
    rows = session.execute(
        select(Repository.name, Repository.visibility, RepositoryPermission.role)
        .join(Repository, Repository.id == RepositoryPermission.repository_id)
        .where(RepositoryPermission.account_id == record.account.id, Repository.deleted.is_(False))
        .order_by(Repository.name)
    ).all()
    return [(name, visibility == Visibility.PUBLIC, role) for name, visibility, role in rows]
