"""Listing, searching and starring repositories, always limited to what the caller may read.

Lists page by repository id (keyset: ``id > after``) on indexed columns, and fetch the extra
columns of one page (stars, last modification) in one query each: no per-row queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, AccountKind
from berth.content.models import Blob, Manifest, RepositoryBlob, Tag
from berth.content.tags import alive
from berth.repos.models import Repository, RepositoryStar, RepoState, Visibility
from berth.repos.service import access_clause, get_repository, readable_clause

REPOS_PER_PAGE = 100


@dataclass(frozen=True)
class RepoRow:
    """One repository in a list."""

    id: int
    namespace: str
    namespace_kind: AccountKind
    namespace_email: str | None
    name: str
    description: str | None
    visibility: Visibility
    state: RepoState

    @property
    def is_public(self) -> bool:
        """Public visibility."""
        return self.visibility == Visibility.PUBLIC


def select_repo_rows() -> Select[int, str, AccountKind, str | None, str, str | None, Visibility, RepoState]:
    """The columns of a :class:`RepoRow`, in its field order, with the namespace's account joined."""
    return select(
        Repository.id,
        Account.username,
        Account.kind,
        Account.email,
        Repository.name,
        Repository.description,
        Repository.visibility,
        Repository.state,
    ).join(Account, Account.id == Repository.namespace_id)


@dataclass(frozen=True)
class RepoPage:
    """A page of repositories and the id to continue after (None: last page)."""

    rows: list[RepoRow]
    next_after: int | None


def _page(session: Session, where: ColumnElement[bool], *, after: int, limit: int) -> RepoPage:
    result = session.execute(
        select_repo_rows()
        .where(and_(Repository.deleted.is_(False), Repository.id > after, where))
        .order_by(Repository.id)
        .limit(limit + 1)
    ).all()
    rows = [RepoRow(*row) for row in result[:limit]]
    return RepoPage(rows, rows[-1].id if len(result) > limit else None)


def list_repositories(
    session: Session,
    account_id: int | None,
    *,
    namespace: str | None,
    starred: bool,
    public: bool,
    after: int,
    limit: int = REPOS_PER_PAGE,
) -> RepoPage:
    """Quay's ``listRepos``: the caller's starred repositories, or those it may access (plus public
    ones with ``public``) optionally within one namespace."""
    if starred and account_id is not None:
        mine = select(RepositoryStar.repository_id).where(RepositoryStar.account_id == account_id)
        return _page(
            session, and_(Repository.id.in_(mine), readable_clause(account_id)), after=after, limit=limit
        )
    where = readable_clause(account_id) if account_id is None or public else access_clause(account_id)
    if namespace is not None:
        owner = session.scalar(select(Account.id).where(Account.username == namespace))
        if owner is None:
            return RepoPage([], None)
        where = and_(Repository.namespace_id == owner, where)
    return _page(session, where, after=after, limit=limit)


def starred_ids(session: Session, account_id: int | None, repo_ids: list[int]) -> set[int]:
    """Which of ``repo_ids`` the account starred."""
    if account_id is None or not repo_ids:
        return set()
    rows = session.scalars(
        select(RepositoryStar.repository_id).where(
            RepositoryStar.account_id == account_id, RepositoryStar.repository_id.in_(repo_ids)
        )
    ).all()
    return set(rows)


def last_modified(session: Session, repo_ids: list[int]) -> dict[int, datetime]:
    """The latest tag change per repository (Quay's ``last_modified``)."""
    if not repo_ids:
        return {}
    rows = session.execute(
        select(Tag.repository_id, func.max(Tag.start_time))
        .where(Tag.repository_id.in_(repo_ids))
        .group_by(Tag.repository_id)
    ).all()
    return {int(row[0]): row[1] for row in rows if row[1] is not None}


def repository_sizes(session: Session, repo_ids: list[int]) -> dict[int, int]:
    """Bytes of the blobs linked to each repository (Quay's ``quota_report.quota_bytes``)."""
    if not repo_ids:
        return {}
    rows = session.execute(
        select(RepositoryBlob.repository_id, func.sum(Blob.size))
        .join(Blob, Blob.id == RepositoryBlob.blob_id)
        .where(RepositoryBlob.repository_id.in_(repo_ids))
        .group_by(RepositoryBlob.repository_id)
    ).all()
    return {int(row[0]): int(row[1] or 0) for row in rows}


def star_repository(session: Session, account_id: int, repo: Repository, now: datetime) -> None:
    """Star ``repo`` (starring twice is fine)."""
    exists = session.scalar(
        select(RepositoryStar.id).where(
            RepositoryStar.account_id == account_id, RepositoryStar.repository_id == repo.id
        )
    )
    if exists is None:
        session.add(RepositoryStar(account_id=account_id, repository_id=repo.id, created=now))
        session.flush()


def unstar_repository(session: Session, account_id: int, namespace: str, name: str) -> None:
    """Remove the account's star on ``namespace/name`` if there is one."""
    repo = get_repository(session, namespace, name)
    if repo is None:
        return
    star = session.scalar(
        select(RepositoryStar).where(
            RepositoryStar.account_id == account_id, RepositoryStar.repository_id == repo.id
        )
    )
    if star is not None:
        session.delete(star)
        session.flush()


def live_tags(session: Session, repository_id: int, now: datetime) -> list[tuple[Tag, Manifest]]:
    """The repository's live tags with their manifests, by name (``getRepo?includeTags``)."""
    rows = session.execute(
        select(Tag, Manifest)
        .join(Manifest, Manifest.id == Tag.manifest_id)
        .where(Tag.repository_id == repository_id, alive(now))
        .order_by(Tag.name)
    ).all()
    return [(row[0], row[1]) for row in rows]
