"""Tags with history: a tag move ends the old row and starts a new one; deletes end the row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from berth.auditlog.service import Actor, log_action
from berth.content.models import Manifest, Tag
from berth.repos.service import RepoHandle


def live_tag(session: Session, repository_id: int, name: str) -> Tag | None:
    """The tag ``name`` as it is now (no ``end_time``)."""
    return session.scalar(
        select(Tag).where(Tag.repository_id == repository_id, Tag.name == name, Tag.end_time.is_(None))
    )


def _log(
    session: Session, kind: str, repo: RepoHandle, actor: Actor | None, now: datetime, **meta: str
) -> None:
    log_action(
        session,
        kind,
        actor=actor,
        now=now,
        namespace_id=repo.namespace_id,
        repository_id=repo.id,
        metadata={"namespace": repo.namespace, "repo": repo.name, **meta},
    )


def set_tag(
    session: Session, repo: RepoHandle, name: str, manifest: Manifest, *, actor: Actor | None, now: datetime
) -> None:
    """Point ``name`` at ``manifest`` (``create_tag`` or ``move_tag``; nothing when unchanged)."""
    current = live_tag(session, repo.id, name)
    if current is not None and current.manifest_id == manifest.id:
        return
    if current is not None:
        old_digest = session.scalar(select(Manifest.digest).where(Manifest.id == current.manifest_id))
        current.end_time = now
        session.flush()
        _log(
            session,
            "move_tag",
            repo,
            actor,
            now,
            tag=name,
            manifest_digest=manifest.digest,
            original_manifest_digest=old_digest or "",
        )
    else:
        _log(session, "create_tag", repo, actor, now, tag=name, manifest_digest=manifest.digest)
    session.add(Tag(repository_id=repo.id, name=name, manifest_id=manifest.id, start_time=now, end_time=None))
    session.flush()


def delete_tag(session: Session, repo: RepoHandle, name: str, *, actor: Actor | None, now: datetime) -> bool:
    """End the live tag ``name``; False when there is none."""
    current = live_tag(session, repo.id, name)
    if current is None:
        return False
    digest = session.scalar(select(Manifest.digest).where(Manifest.id == current.manifest_id))
    current.end_time = now
    session.flush()
    _log(session, "delete_tag", repo, actor, now, tag=name, manifest_digest=digest or "")
    return True


def end_tags_of_manifest(
    session: Session, repo: RepoHandle, manifest: Manifest, *, actor: Actor | None, now: datetime
) -> list[str]:
    """End every live tag pointing at ``manifest``; returns their names."""
    tags = session.scalars(
        select(Tag).where(
            Tag.repository_id == repo.id, Tag.manifest_id == manifest.id, Tag.end_time.is_(None)
        )
    ).all()
    for tag in tags:
        tag.end_time = now
    session.flush()
    for tag in tags:
        _log(session, "delete_tag", repo, actor, now, tag=tag.name, manifest_digest=manifest.digest)
    return [tag.name for tag in tags]


def list_tags(session: Session, repository_id: int, *, last: str | None, limit: int | None) -> list[str]:
    """Live tag names in lexical order, after ``last``, at most ``limit``."""
    query = select(Tag.name).where(Tag.repository_id == repository_id, Tag.end_time.is_(None))
    if last:
        query = query.where(Tag.name > last)
    query = query.order_by(Tag.name)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query).all())
