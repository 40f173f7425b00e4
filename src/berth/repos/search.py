"""Searching repositories, namespaces and teams, limited to what the caller may see.

Matching is case-insensitive on names (``%`` and ``_`` in the query are literal). Every list is one
bounded query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, AccountKind
from berth.orgs.models import Team, TeamMember
from berth.repos.listing import RepoRow, select_repo_rows
from berth.repos.models import Repository, RepositoryStar
from berth.repos.service import readable_clause

SEARCH_PAGE_SIZE = 10
ENTITY_LIMIT = 10


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    return func.lower(column).like(f"%{_escape(text.lower())}%", escape="\\")


def _starts(column: Any, text: str) -> ColumnElement[bool]:
    return func.lower(column).like(f"{_escape(text.lower())}%", escape="\\")


def _repo_match(query: str) -> ColumnElement[bool]:
    if "/" in query:
        namespace, _, name = query.partition("/")
        return and_(func.lower(Account.username) == namespace.lower(), _contains(Repository.name, name))
    return _contains(Repository.name, query)


@dataclass(frozen=True)
class RepoSearchPage:
    """One page of repository search results."""

    rows: list[RepoRow]
    has_additional: bool


def search_repositories(
    session: Session, account_id: int | None, query: str, *, offset: int, limit: int = SEARCH_PAGE_SIZE
) -> RepoSearchPage:
    """Readable live repositories whose name contains ``query`` (``ns/name`` narrows the namespace)."""
    result = session.execute(
        select_repo_rows()
        .where(Repository.deleted.is_(False), readable_clause(account_id), _repo_match(query))
        .order_by(Repository.id)
        .offset(offset)
        .limit(limit + 1)
    ).all()
    return RepoSearchPage([RepoRow(*row) for row in result[:limit]], len(result) > limit)


def star_counts(session: Session, repo_ids: list[int]) -> dict[int, int]:
    """Stars per repository."""
    if not repo_ids:
        return {}
    rows = session.execute(
        select(RepositoryStar.repository_id, func.count())
        .where(RepositoryStar.repository_id.in_(repo_ids))
        .group_by(RepositoryStar.repository_id)
    ).all()
    return {int(row[0]): int(row[1]) for row in rows}


def matching_namespaces(session: Session, account_id: int | None, query: str) -> list[Account]:
    """Users and organizations whose name starts with ``query`` and that own a repository the
    account may read (as Quay: a namespace shows up through what it holds)."""
    owners = select(Repository.namespace_id).where(Repository.deleted.is_(False), readable_clause(account_id))
    return list(
        session.scalars(
            select(Account)
            .where(
                Account.id.in_(owners),
                Account.kind.in_((AccountKind.USER, AccountKind.ORGANIZATION)),
                Account.enabled.is_(True),
                _starts(Account.username, query),
            )
            .order_by(Account.username)
            .limit(ENTITY_LIMIT)
        ).all()
    )


def matching_teams(session: Session, account_id: int | None, query: str) -> list[tuple[Team, Account]]:
    """Teams whose name contains ``query`` in organizations the account belongs to."""
    if account_id is None:
        return []
    member_of = (
        select(Team.organization_id)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.account_id == account_id)
    )
    rows = session.execute(
        select(Team, Account)
        .join(Account, Account.id == Team.organization_id)
        .where(Team.organization_id.in_(member_of), _contains(Team.name, query))
        .order_by(Account.username, Team.name)
        .limit(ENTITY_LIMIT)
    ).all()
    return [(row[0], row[1]) for row in rows]


def teams_with_prefix(session: Session, org: Account, prefix: str) -> list[Team]:
    """The organization's teams whose name starts with ``prefix``."""
    return list(
        session.scalars(
            select(Team)
            .where(Team.organization_id == org.id, _starts(Team.name, prefix))
            .order_by(Team.name)
            .limit(ENTITY_LIMIT)
        ).all()
    )


def users_with_prefix(session: Session, prefix: str, robot_namespace: str | None) -> list[Account]:
    """Enabled users whose name starts with ``prefix``, plus robots of ``robot_namespace``."""
    kinds = Account.kind == AccountKind.USER
    if robot_namespace is not None:
        robots = and_(
            Account.kind == AccountKind.ROBOT,
            Account.username.startswith(f"{robot_namespace}+", autoescape=True),
        )
        kinds = kinds | robots
    return list(
        session.scalars(
            select(Account)
            .where(kinds, Account.enabled.is_(True), _starts(Account.username, prefix))
            .order_by(Account.username)
            .limit(ENTITY_LIMIT)
        ).all()
    )
