"""Creating and finding repositories, and the role an account holds on one.

Roles come from ownership (a user's own namespace), explicit permission rows, public visibility and
organization teams (a team with role ``admin`` makes its members admins of every repository of the
organization; ``creator`` lets them create repositories there). Further sources (team repository
permissions, robots) plug into ``_EXTRA_ROLE_SOURCES`` and ``_EXTRA_CREATE_RULES``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, AccountKind
from berth.auditlog.service import Actor, log_action
from berth.errors import NameInvalid
from berth.lib.names import is_valid_repository_name
from berth.orgs.models import Team, TeamMember, TeamRole
from berth.orgs.prototypes import apply_default_permissions
from berth.orgs.service import org_team_role
from berth.repos.models import (
    Repository,
    RepositoryPermission,
    RepoState,
    RoleName,
    TeamRepositoryPermission,
    Visibility,
)


class RepoRole(enum.IntEnum):
    """Ordered repository roles, comparable with ``>=``."""

    NONE = 0
    READ = 1
    WRITE = 2
    ADMIN = 3


_ROLE_OF_NAME = {RoleName.READ: RepoRole.READ, RoleName.WRITE: RepoRole.WRITE, RoleName.ADMIN: RepoRole.ADMIN}


def _org_admin_role(session: Session, account_id: int, repo: Repository) -> RepoRole:
    """Admins of the owning organization (through an ``admin`` team) administer its repositories."""
    role = org_team_role(session, account_id, repo.namespace_id)
    return RepoRole.ADMIN if role is TeamRole.ADMIN else RepoRole.NONE


def _team_repo_role(session: Session, account_id: int, repo: Repository) -> RepoRole:
    """The highest role a team the account belongs to holds on the repository."""
    roles = session.scalars(
        select(TeamRepositoryPermission.role)
        .join(TeamMember, TeamMember.team_id == TeamRepositoryPermission.team_id)
        .where(TeamRepositoryPermission.repository_id == repo.id, TeamMember.account_id == account_id)
    ).all()
    return max((_ROLE_OF_NAME[r] for r in roles), default=RepoRole.NONE)


def _org_creator(session: Session, account_id: int, namespace: Account) -> bool:
    """Members of an ``admin`` or ``creator`` team may create repositories in the organization."""
    if namespace.kind != AccountKind.ORGANIZATION:
        return False
    return org_team_role(session, account_id, namespace.id) in (TeamRole.ADMIN, TeamRole.CREATOR)


# Sources of repository roles beyond ownership and explicit rows: each returns the role an account
# gets from it; the effective role is the highest of all. Team repository permissions join here.
RoleSource = Callable[[Session, int, Repository], RepoRole]
_EXTRA_ROLE_SOURCES: list[RoleSource] = [_org_admin_role, _team_repo_role]
# Rules that let an account create repositories in a namespace other than its own.
CreateRule = Callable[[Session, int, Account], bool]
_EXTRA_CREATE_RULES: list[CreateRule] = [_org_creator]


@dataclass(frozen=True)
class RepoRef:
    """A repository named by its full path ``namespace/name``."""

    namespace: str
    name: str

    @property
    def full_name(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class RepoHandle:
    """A detached view of a repository row, safe to carry between transactions and threads."""

    id: int
    namespace_id: int
    namespace: str
    name: str
    visibility: Visibility
    state: RepoState

    @property
    def full_name(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"


def handle_of(repo: Repository, namespace: str) -> RepoHandle:
    """Detach ``repo`` (in ``namespace``) from its session."""
    return RepoHandle(repo.id, repo.namespace_id, namespace, repo.name, repo.visibility, repo.state)


def split_repository_path(path: str) -> RepoRef | None:
    """Split ``ns/name[/more]`` into namespace and name; None when there is no name part."""
    namespace, _, name = path.partition("/")
    if not namespace or not name:
        return None
    return RepoRef(namespace, name)


def get_repository(session: Session, namespace: str, name: str) -> Repository | None:
    """The live (not deleted) repository ``namespace/name``."""
    return session.scalar(
        select(Repository)
        .join(Account, Account.id == Repository.namespace_id)
        .where(Account.username == namespace, Repository.name == name, Repository.deleted.is_(False))
    )


_HANDLE_QUERY = (
    select(
        Repository.id,
        Repository.namespace_id,
        Account.username,
        Repository.name,
        Repository.visibility,
        Repository.state,
    )
    .join(Account, Account.id == Repository.namespace_id)
    .where(
        Account.username == bindparam("namespace"),
        Repository.name == bindparam("name"),
        Repository.deleted.is_(False),
    )
)


def find_repository_handle(session: Session, namespace: str, name: str) -> RepoHandle | None:
    """:func:`get_repository` as a detached handle, read with one Core query (the registry's hot path)."""
    row = session.connection().execute(_HANDLE_QUERY, {"namespace": namespace, "name": name}).first()
    return RepoHandle(*row) if row is not None else None


_LOCK_REPOSITORY = select(Repository.id).where(Repository.id == bindparam("repository_id"))
_EXCLUSIVE = _LOCK_REPOSITORY.with_for_update()
_SHARED = _LOCK_REPOSITORY.with_for_update(read=True)


def lock_repository(session: Session, repository_id: int, *, shared: bool = False) -> None:
    """Lock one repository against other writers of its tags and manifests until the transaction ends.

    A row lock on PostgreSQL (SQLite's write lock already serialises every writer). ``shared``: manifest
    pushes, which may run side by side (two pushes that clash on a tag or a digest fail on a unique
    index instead, and are retried); tag changes through the API and the collector take it exclusively,
    so they never interleave with a push.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(_SHARED if shared else _EXCLUSIVE, {"repository_id": repository_id})


def create_repository(
    session: Session,
    *,
    namespace: Account,
    name: str,
    visibility: Visibility,
    description: str | None,
    actor: Actor | None,
    now: datetime,
    creator_id: int | None = None,
) -> Repository:
    """Create ``namespace/name`` and write the ``create_repo`` log entry.

    As in Quay, a creator other than the namespace itself (a member creating in an organization)
    is given ``admin`` on the new repository.
    """
    if not is_valid_repository_name(name):
        raise NameInvalid("repository name not known to registry", detail={"name": name})
    repo = Repository(
        namespace_id=namespace.id,
        name=name,
        visibility=visibility,
        description=description,
        created=now,
        deleted=False,
    )
    session.add(repo)
    session.flush()
    if creator_id is not None and creator_id != namespace.id:
        set_permission(session, repo, creator_id, RoleName.ADMIN)
    apply_default_permissions(session, repo, namespace, creator_id)
    log_action(
        session,
        "create_repo",
        actor=actor,
        now=now,
        namespace_id=namespace.id,
        repository_id=repo.id,
        metadata={"repo": name, "namespace": namespace.username},
    )
    return repo


def set_permission(session: Session, repo: Repository, account_id: int, role: RoleName) -> None:
    """Give ``account_id`` exactly ``role`` on ``repo`` (the API edge logs the change)."""
    row = session.scalar(
        select(RepositoryPermission).where(
            RepositoryPermission.repository_id == repo.id, RepositoryPermission.account_id == account_id
        )
    )
    if row is None:
        session.add(RepositoryPermission(repository_id=repo.id, account_id=account_id, role=role))
    else:
        row.role = role
    session.flush()


def effective_repo_role(session: Session, account_id: int | None, repo: Repository) -> RepoRole:
    """The role ``account_id`` (None: anonymous) holds on ``repo``, before any credential clamp."""
    role = RepoRole.READ if repo.visibility == Visibility.PUBLIC else RepoRole.NONE
    if account_id is None:
        return role
    if repo.namespace_id == account_id:
        return RepoRole.ADMIN
    stored = session.scalar(
        select(RepositoryPermission.role).where(
            RepositoryPermission.repository_id == repo.id, RepositoryPermission.account_id == account_id
        )
    )
    if stored is not None:
        role = max(role, _ROLE_OF_NAME[stored])
    for source in _EXTRA_ROLE_SOURCES:
        role = max(role, source(session, account_id, repo))
    return role


def can_create_in_namespace(session: Session, account_id: int, namespace: Account) -> bool:
    """Whether ``account_id`` may create repositories in ``namespace`` (today: its own only)."""
    if namespace.kind == AccountKind.USER and namespace.id == account_id:
        return True
    return any(rule(session, account_id, namespace) for rule in _EXTRA_CREATE_RULES)


def access_clause(account_id: int) -> ColumnElement[bool]:
    """SQL condition: ``Repository`` rows the account reaches through its own namespace, explicit
    permissions, team permissions or an organization ``admin`` team (visibility aside)."""
    explicit = select(RepositoryPermission.repository_id).where(RepositoryPermission.account_id == account_id)
    by_team = (
        select(TeamRepositoryPermission.repository_id)
        .join(TeamMember, TeamMember.team_id == TeamRepositoryPermission.team_id)
        .where(TeamMember.account_id == account_id)
    )
    administered = (
        select(Team.organization_id)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.account_id == account_id, Team.role == TeamRole.ADMIN)
    )
    return or_(
        Repository.namespace_id == account_id,
        Repository.id.in_(explicit),
        Repository.id.in_(by_team),
        Repository.namespace_id.in_(administered),
    )


def readable_clause(account_id: int | None) -> ColumnElement[bool]:
    """SQL condition: ``Repository`` rows the account may read (public ones for anonymous callers)."""
    public: ColumnElement[bool] = Repository.visibility == Visibility.PUBLIC
    return public if account_id is None else or_(public, access_clause(account_id))


def visible_repositories(
    session: Session, account_id: int | None, *, after_id: int, limit: int
) -> list[tuple[int, str]]:
    """``(id, "ns/name")`` of repositories the account may read, ordered by id, after ``after_id``."""
    rows = session.execute(
        select(Repository.id, Account.username, Repository.name)
        .join(Account, Account.id == Repository.namespace_id)
        .where(and_(Repository.deleted.is_(False), readable_clause(account_id), Repository.id > after_id))
        .order_by(Repository.id)
        .limit(limit)
    ).all()
    return [(row[0], f"{row[1]}/{row[2]}") for row in rows]
