"""Tags with history: a tag move ends the old row and starts a new one; deletes end the row.

A tag may also carry a future ``expiration``: once it passes, the tag counts as ended (reads given
``now`` skip it at once; the garbage collector writes ``end_time`` later). Ended rows stay for the
namespace's time-machine window (``tag_expiration_s``), during which the tag can be restored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, defer

from berth.auditlog.service import Actor, log_action
from berth.content.models import Manifest, ManifestRef, Tag
from berth.errors import InvalidRequest, NotFound
from berth.lib.dates import as_utc
from berth.repos.service import RepoHandle, lock_repository

MAX_PAGE_SIZE = 100


def alive(now: datetime) -> ColumnElement[bool]:
    """Rows that are the live tag at ``now``: not ended, not past their expiration."""
    return and_(Tag.end_time.is_(None), or_(Tag.expiration.is_(None), Tag.expiration > now))


def live_tag(session: Session, repository_id: int, name: str, now: datetime | None = None) -> Tag | None:
    """The tag ``name`` as it is now (no ``end_time``; not expired when ``now`` is given)."""
    query = select(Tag).where(Tag.repository_id == repository_id, Tag.name == name, Tag.end_time.is_(None))
    if now is not None:
        query = query.where(or_(Tag.expiration.is_(None), Tag.expiration > now))
    return session.scalar(query)


def _log(
    session: Session, kind: str, repo: RepoHandle, actor: Actor | None, now: datetime, **meta: Any
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


def _end_expired(tag: Tag, now: datetime) -> bool:
    """End a row whose expiration has passed (at its expiration); True when it did."""
    if tag.expiration is not None and as_utc(tag.expiration) <= now:
        tag.end_time = tag.expiration
        return True
    return False


_LIVE_TAG_ROW = (
    select(Tag.id, Tag.manifest_id, Tag.expiration, Manifest.digest)
    .join(Manifest, Manifest.id == Tag.manifest_id)
    .where(
        Tag.repository_id == bindparam("repository_id"),
        Tag.name == bindparam("name"),
        Tag.end_time.is_(None),
    )
)


_END_TAG = update(Tag).where(Tag.id == bindparam("tag_id")).values(end_time=bindparam("ended"))
_SET_TAG_EXPIRATION = update(Tag).where(Tag.id == bindparam("tag_id")).values(expiration=bindparam("expires"))
_INSERT_TAG = insert(Tag)


def set_tag(
    session: Session,
    repo: RepoHandle,
    name: str,
    manifest: ManifestRef,
    *,
    actor: Actor | None,
    now: datetime,
    reversion: bool = False,
    log: bool = True,
    expiration: datetime | None = None,
) -> str | None:
    """Point ``name`` at ``manifest``: ``"create_tag"``, ``"move_tag"`` or None when unchanged.

    ``log=False`` leaves the usage-log entry to the caller (a restore logs ``revert_tag``). Core
    statements only (every tagged push runs this): ORM ``Tag`` objects loaded earlier in the session
    keep their old values.
    """
    conn = session.connection()
    current = conn.execute(_LIVE_TAG_ROW, {"repository_id": repo.id, "name": name}).first()
    if current is not None and current.expiration is not None and as_utc(current.expiration) <= now:
        conn.execute(_END_TAG, {"tag_id": current.id, "ended": current.expiration})
        current = None
    if current is not None and current.manifest_id == manifest.id and not reversion:
        if expiration is not None:
            conn.execute(_SET_TAG_EXPIRATION, {"tag_id": current.id, "expires": expiration})
        return None
    if current is not None:
        conn.execute(_END_TAG, {"tag_id": current.id, "ended": now})
    kind = "move_tag" if current is not None else "create_tag"
    if log:
        meta: dict[str, Any] = {"tag": name, "manifest_digest": manifest.digest}
        if current is not None:
            meta["original_manifest_digest"] = current.digest or ""
        _log(session, kind, repo, actor, now, **meta)
    conn.execute(
        _INSERT_TAG,
        {
            "repository_id": repo.id,
            "name": name,
            "manifest_id": manifest.id,
            "start_time": now,
            "end_time": None,
            "expiration": expiration,
            "reversion": reversion,
        },
    )
    return kind


def delete_tag(
    session: Session,
    repo: RepoHandle,
    name: str,
    *,
    actor: Actor | None,
    now: datetime,
    log_kind: str = "delete_tag",
) -> bool:
    """End the live tag ``name``; False when there is none. ``log_kind``: the usage-log kind
    (the auto-prune pass writes ``autoprune_tag_delete``)."""
    current = live_tag(session, repo.id, name)
    if current is None or _end_expired(current, now):
        session.flush()
        return False
    digest = session.scalar(select(Manifest.digest).where(Manifest.id == current.manifest_id))
    current.end_time = now
    session.flush()
    _log(session, log_kind, repo, actor, now, tag=name, manifest_digest=digest or "")
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


def list_tags(
    session: Session,
    repository_id: int,
    *,
    last: str | None,
    limit: int | None,
    now: datetime | None = None,
) -> list[str]:
    """Live tag names in lexical order, after ``last``, at most ``limit`` (expired skipped given ``now``)."""
    query = select(Tag.name).where(Tag.repository_id == repository_id, Tag.end_time.is_(None))
    if now is not None:
        query = query.where(or_(Tag.expiration.is_(None), Tag.expiration > now))
    if last:
        query = query.where(Tag.name > last)
    query = query.order_by(Tag.name)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query).all())


# --- the API's operations ------------------------------------------------------------------------


def manifest_by_digest(
    session: Session, repository_id: int, digest: str, *, include_deleted: bool = False
) -> Manifest | None:
    """The repository's manifest ``digest`` (served ones only unless ``include_deleted``)."""
    query = select(Manifest).where(Manifest.repository_id == repository_id, Manifest.digest == digest)
    if not include_deleted:
        query = query.where(Manifest.deleted_at.is_(None))
    return session.scalar(query)


def retarget_tag(
    session: Session, repo: RepoHandle, name: str, digest: str, *, actor: Actor | None, now: datetime
) -> None:
    """``PUT .../tag/{tag}`` with ``manifest_digest``: create or move the tag (404 for no manifest)."""
    lock_repository(session, repo.id)
    manifest = manifest_by_digest(session, repo.id, digest)
    if manifest is None:
        raise NotFound("Not Found")
    current = live_tag(session, repo.id, name, now)
    kind = set_tag(session, repo, name, manifest, actor=actor, now=now, log=False)
    old = None
    if current is not None:
        old = session.scalar(select(Manifest.digest).where(Manifest.id == current.manifest_id))
    _log(
        session,
        kind or ("move_tag" if current is not None else "create_tag"),
        repo,
        actor,
        now,
        tag=name,
        manifest_digest=digest,
        original_manifest_digest=old,
    )


def change_expiration(
    session: Session,
    repo: RepoHandle,
    name: str,
    expiration: datetime | None,
    *,
    actor: Actor | None,
    now: datetime,
) -> None:
    """Set (or clear, with None) the expiration of the live tag ``name``."""
    lock_repository(session, repo.id)
    tag = live_tag(session, repo.id, name, now)
    if tag is None:
        raise NotFound("Not Found")
    if expiration is not None and expiration <= now:
        raise InvalidRequest("Expiration must be in the future")
    old = tag.expiration
    tag.expiration = expiration
    session.flush()
    if old is None and expiration is None:
        return
    _log(
        session,
        "change_tag_expiration",
        repo,
        actor,
        now,
        tag=name,
        expiration_date=expiration.isoformat() if expiration else None,
        old_expiration_date=as_utc(old).isoformat() if old else None,
    )


def restore_tag(
    session: Session, repo: RepoHandle, name: str, digest: str, *, actor: Actor | None, now: datetime
) -> None:
    """Point ``name`` back at ``digest``, a manifest still kept (time machine); logs ``revert_tag``."""
    lock_repository(session, repo.id)
    manifest = manifest_by_digest(session, repo.id, digest, include_deleted=True)
    if manifest is None:
        raise NotFound("Not Found")
    if manifest.deleted_at is not None:
        manifest.deleted_at = None
    set_tag(session, repo, name, manifest, actor=actor, now=now, reversion=True, log=False)
    _log(session, "revert_tag", repo, actor, now, tag=name, manifest_digest=digest)


def remove_from_time_machine(
    session: Session,
    repo: RepoHandle,
    name: str,
    *,
    digest: str | None,
    is_alive: bool,
    actor: Actor | None,
    now: datetime,
) -> None:
    """Delete a tag for good: its history rows for that manifest go now and cannot be restored.

    ``is_alive``: the live tag (and its earlier rows on the same manifest); otherwise the ended rows
    of ``name`` on ``digest``. The collector then reclaims what nothing else references.
    """
    lock_repository(session, repo.id)
    if is_alive:
        tag = live_tag(session, repo.id, name, now)
        if tag is None:
            raise NotFound("Not Found")
        manifest_id = tag.manifest_id
        condition: ColumnElement[bool] = Tag.id.is_not(None)
    else:
        manifest = manifest_by_digest(session, repo.id, digest or "", include_deleted=True)
        if manifest is None:
            raise NotFound("Not Found")
        manifest_id = manifest.id
        condition = ~alive(now)
    ids = session.scalars(
        select(Tag.id).where(
            Tag.repository_id == repo.id, Tag.name == name, Tag.manifest_id == manifest_id, condition
        )
    ).all()
    if not ids:
        raise NotFound("Not Found")
    session.execute(delete(Tag).where(Tag.id.in_(ids)))
    manifest_digest = session.scalar(select(Manifest.digest).where(Manifest.id == manifest_id))
    _log(session, "permanently_delete_tag", repo, actor, now, tag=name, manifest_digest=manifest_digest)


def parse_name_filter(text: str | None) -> ColumnElement[bool] | None:
    """Quay's ``filter_tag_name``: ``like:<part>`` or ``eq:<name>``."""
    if not text:
        return None
    operation, sep, value = text.partition(":")
    if not sep or operation not in ("like", "eq"):
        raise InvalidRequest(
            "Unsupported syntax for filter_tag_name. Expected <operation>:<tag_name> where <operation>"
            "can be 'like' or 'eq'."
        )
    if operation == "like":
        return Tag.name.contains(value, autoescape=True)
    return Tag.name == value


def tag_history(
    session: Session,
    repository_id: int,
    *,
    now: datetime,
    page: int,
    limit: int,
    specific_tag: str | None = None,
    name_filter: str | None = None,
    active_only: bool = False,
) -> tuple[list[tuple[Tag, Manifest]], bool]:
    """One page of the tag history, newest first, and whether more pages follow.

    The page's ids come first from an index-only scan (deep pages skip index entries, not rows),
    then their rows; a name lookup uses the ``(repository_id, name)`` index.
    """
    page = max(1, page)
    limit = min(MAX_PAGE_SIZE, max(1, limit))
    ids_query = select(Tag.id).where(Tag.repository_id == repository_id)
    by_name = bool(specific_tag) or (name_filter or "").startswith("eq:")
    condition = parse_name_filter(name_filter)
    if condition is not None:
        ids_query = ids_query.where(condition)
    if specific_tag:
        ids_query = ids_query.where(Tag.name == specific_tag)
    if active_only:
        ids_query = ids_query.where(alive(now))
    # With the name fixed, sorting by an expression keeps planners off the start-time index (a scan
    # of the whole history) and on the (repository_id, name) index: a few rows to sort.
    start = func.coalesce(Tag.start_time, Tag.start_time) if by_name else Tag.start_time
    ids_query = (
        ids_query.order_by(start.desc(), Tag.name.desc(), Tag.id.desc())
        .limit(limit + 1)
        .offset(limit * (page - 1))
    )
    ids = list(session.scalars(ids_query).all())
    more = len(ids) > limit
    ids = ids[:limit]
    if not ids:
        return [], more
    found = session.execute(
        select(Tag, Manifest)
        .join(Manifest, Manifest.id == Tag.manifest_id)
        .where(Tag.id.in_(ids))
        .options(defer(Manifest.content))
    ).all()
    by_id = {row[0].id: (row[0], row[1]) for row in found}
    return [by_id[i] for i in ids if i in by_id], more
