"""Repository lifecycle as the API drives it: create (with Quay's errors), describe, change
visibility or state, and delete (mark deleted and free the name; the GC worker reclaims contents)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from berth.accounts.models import Account
from berth.accounts.service import get_account
from berth.auditlog.service import Actor, log_action
from berth.db.instance import get_or_create_secret
from berth.errors import InvalidRequest, NotFound
from berth.lib.names import is_valid_repository_name
from berth.repos.models import Repository, RepositoryStar, RepoState, Visibility
from berth.repos.service import create_repository, get_repository


def require_repository(session: Session, namespace: str, name: str) -> Repository:
    """The live repository or Quay's 404."""
    repo = get_repository(session, namespace, name)
    if repo is None:
        raise NotFound("Not Found")
    return repo


def status_token(session: Session, repo: Repository) -> str:
    """The repository's badge token (Quay's ``status_token``): a stable UUID derived from the
    repository id under an instance secret, so it needs no column and cannot be guessed."""
    key = get_or_create_secret(session, "repo_badge_key", lambda: secrets.token_hex(32))
    digest = hmac.new(key.encode(), f"badge:{repo.id}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def create_repository_checked(
    session: Session,
    *,
    namespace: Account,
    name: str,
    visibility: Visibility,
    description: str | None,
    actor: Actor,
    now: datetime,
) -> Repository:
    """``createRepo``: Quay's messages for a bad or taken name, then :func:`create_repository`."""
    if not is_valid_repository_name(name):
        raise InvalidRequest("Invalid repository name")
    if get_repository(session, namespace.username, name) is not None:
        raise InvalidRequest("Repository already exists")
    return create_repository(
        session,
        namespace=namespace,
        name=name,
        visibility=visibility,
        description=description,
        actor=actor,
        now=now,
        creator_id=actor.account_id,
    )


def namespace_account(session: Session, name: str) -> Account | None:
    """The user or organization called ``name`` (robots own no repositories)."""
    account = get_account(session, name)
    if account is None or account.username != name or "+" in account.username:
        return None
    return account


def _log(
    session: Session,
    kind: str,
    repo: Repository,
    namespace: str,
    *,
    actor: Actor,
    now: datetime,
    **meta: object,
) -> None:
    log_action(
        session,
        kind,
        actor=actor,
        now=now,
        namespace_id=repo.namespace_id,
        repository_id=repo.id,
        metadata={"repo": repo.name, "namespace": namespace, **meta},
    )


def set_description(
    session: Session, repo: Repository, namespace: str, description: str, *, actor: Actor, now: datetime
) -> None:
    """``updateRepo``: replace the description (``set_repo_description``)."""
    repo.description = description
    session.flush()
    _log(session, "set_repo_description", repo, namespace, actor=actor, now=now, description=description)


def set_visibility(
    session: Session, repo: Repository, namespace: str, visibility: Visibility, *, actor: Actor, now: datetime
) -> None:
    """``changeRepoVisibility`` (``change_repo_visibility``)."""
    repo.visibility = visibility
    session.flush()
    _log(
        session, "change_repo_visibility", repo, namespace, actor=actor, now=now, visibility=visibility.value
    )


def set_state(
    session: Session, repo: Repository, namespace: str, state: RepoState, *, actor: Actor, now: datetime
) -> None:
    """``changeRepoState`` (``change_repo_state``)."""
    old = repo.state
    repo.state = state
    session.flush()
    _log(
        session,
        "change_repo_state",
        repo,
        namespace,
        actor=actor,
        now=now,
        state_changed=state.name,
        old_state=old.name,
    )


def mark_deleted(session: Session, repo: Repository, namespace: str, *, actor: Actor, now: datetime) -> None:
    """``deleteRepository``: the repository vanishes at once (API, ``/v2``, catalog) and its name is
    free again; the row keeps its contents until the GC worker reclaims them."""
    _log(session, "delete_repo", repo, namespace, actor=actor, now=now)
    repo.deleted = True
    repo.state = RepoState.MARKED_FOR_DELETION
    repo.name = f"deleted-{uuid.uuid4().hex}"
    session.flush()
    stars = session.scalars(select(RepositoryStar).where(RepositoryStar.repository_id == repo.id)).all()
    for star in stars:
        session.delete(star)
    session.flush()
