"""Garbage collection of tags, manifests, blob links, blobs, abandoned uploads and deleted repositories.

Every step is a function ``(session, now, options, report) -> items`` that handles at most one batch
in the caller's transaction; the worker commits between batches (bounded memory, short locks) and a
dry run runs them all in one transaction it rolls back. Steps, in order:

1. tags past their ``expiration`` end (at their expiration);
2. ended tags older than their namespace's time-machine window (``tag_expiration_s``) go;
3. repositories marked deleted lose their tags, manifests, links and uploads, then their row;
4. manifests no tag row, parent index or subject references (and older than the grace period) go;
5. blob links no manifest of the repository uses (older than the grace period) go;
6. blobs with no link and no manifest go: their bytes are queued in ``pending_deletion``;
7. uploads idle for longer than ``upload_max_age_s`` go (their staging bytes are queued too);
8. queued bytes are deleted (only after the commit that queued them; idempotent, crash-safe);
9. staging objects of monolithic uploads older than ``upload_max_age_s`` go (a crash left them).

Races with pushes: manifests and links are removed per repository under the repository lock that
manifest pushes and tag changes take, re-checked inside it. Blob rows are locked (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL) and re-checked before they go; bytes are deleted under the digest lock that
:func:`berth.content.blobs.store_blob` takes, and only while no blob row has the digest again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVarTuple

from sqlalchemy import Row, Select, and_, delete, exists, select, update
from sqlalchemy.orm import Session, aliased

from berth.accounts.models import Account
from berth.content.blobs import lock_digest, stale_direct_staging
from berth.content.models import (
    Blob,
    Manifest,
    ManifestBlob,
    ManifestChild,
    PendingDeletion,
    RepositoryBlob,
    Tag,
    Upload,
)
from berth.repos.models import Repository
from berth.repos.service import lock_repository
from berth.storage.base import BlobStorage, StorageError

Report = Callable[[str, str, int], None]
"""Called once per item removed: ``(kind, name, bytes)``."""

_Columns = TypeVarTuple("_Columns")


@dataclass(frozen=True)
class GcOptions:
    """How the collector behaves."""

    grace_s: int = 3600
    upload_max_age_s: int = 2 * 86400
    batch: int = 500


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _repo_names(session: Session, repo_ids: set[int]) -> dict[int, str]:
    if not repo_ids:
        return {}
    rows = session.execute(
        select(Repository.id, Account.username, Repository.name)
        .join(Account, Account.id == Repository.namespace_id)
        .where(Repository.id.in_(repo_ids))
    ).all()
    return {row[0]: f"{row[1]}/{row[2]}" for row in rows}


# --- 1, 2: tags ----------------------------------------------------------------------------------


def expire_tags(session: Session, now: datetime, options: GcOptions, report: Report) -> int:
    """End live tags whose expiration has passed."""
    rows = session.execute(
        select(Tag.id, Tag.repository_id, Tag.name)
        .where(Tag.end_time.is_(None), Tag.expiration.is_not(None), Tag.expiration <= now)
        .limit(options.batch)
    ).all()
    if not rows:
        return 0
    session.execute(
        update(Tag)
        .where(Tag.id.in_([row[0] for row in rows]), Tag.end_time.is_(None))
        .values(end_time=Tag.expiration)
        .execution_options(synchronize_session=False)
    )
    names = _repo_names(session, {row[1] for row in rows})
    for row in rows:
        report("tag-expired", f"{names.get(row[1], row[1])}:{row[2]}", 0)
    return len(rows)


def remove_old_tags(session: Session, now: datetime, options: GcOptions, report: Report) -> int:
    """Delete ended tag rows older than their namespace's time-machine window."""
    windows = session.scalars(select(Account.tag_expiration_s).distinct()).all()
    handled = 0
    for window in windows:
        in_window = select(Repository.id).join(Account, Account.id == Repository.namespace_id)
        in_window = in_window.where(Account.tag_expiration_s == window)
        rows = session.execute(
            select(Tag.id, Tag.repository_id, Tag.name)
            .where(
                Tag.end_time.is_not(None),
                Tag.end_time <= now - timedelta(seconds=max(window, 0)),
                Tag.repository_id.in_(in_window),
            )
            .limit(options.batch - handled)
        ).all()
        if not rows:
            continue
        session.execute(delete(Tag).where(Tag.id.in_([row[0] for row in rows])))
        names = _repo_names(session, {row[1] for row in rows})
        for row in rows:
            report("tag", f"{names.get(row[1], row[1])}:{row[2]}", 0)
        handled += len(rows)
        if handled >= options.batch:
            break
    return handled


# --- 3: deleted repositories ---------------------------------------------------------------------


def purge_deleted_repositories(session: Session, now: datetime, options: GcOptions, report: Report) -> int:
    """Empty one repository marked deleted and remove its row (blobs follow in later steps)."""
    del options
    repo = session.execute(
        select(Repository.id, Account.username, Repository.name)
        .join(Account, Account.id == Repository.namespace_id)
        .where(Repository.deleted.is_(True))
        .order_by(Repository.id)
        .limit(1)
    ).first()
    if repo is None:
        return 0
    repo_id = repo[0]
    lock_repository(session, repo_id)
    session.execute(delete(Tag).where(Tag.repository_id == repo_id))
    manifests = session.execute(
        select(Manifest.id, Manifest.digest).where(Manifest.repository_id == repo_id)
    ).all()
    for _id, digest in manifests:
        report("manifest", f"{repo[1]}/{repo[2]}@{digest}", 0)
    session.execute(delete(ManifestChild).where(ManifestChild.manifest_id.in_([m[0] for m in manifests])))
    session.execute(delete(Manifest).where(Manifest.repository_id == repo_id))
    session.execute(delete(RepositoryBlob).where(RepositoryBlob.repository_id == repo_id))
    for upload in session.scalars(select(Upload).where(Upload.repository_id == repo_id)).all():
        _queue(session, upload.staging_key, None, upload.size, now)
        report("upload", upload.uuid, upload.size)
        session.delete(upload)
    session.execute(delete(Repository).where(Repository.id == repo_id))
    report("repository", f"{repo[1]}/{repo[2]}", 0)
    return 1


# --- 4, 5: manifests and links, per repository under its lock ------------------------------------


def _locked_batch(
    session: Session,
    query_for: Callable[[int | None], Select[*_Columns]],
    repo_of: Callable[[Row[*_Columns]], int],
    batch: int,
) -> tuple[int, Sequence[Row[*_Columns]]] | None:
    """Pick one repository with candidates, take its lock, and re-read up to ``batch`` of them under it.

    ``query_for(None)`` finds candidates anywhere, ``query_for(repo_id)`` within one repository;
    ``repo_of`` reads the repository id from one of its rows.
    """
    candidate = session.execute(query_for(None).limit(1)).first()
    if candidate is None:
        return None
    repo_id = repo_of(candidate)
    lock_repository(session, repo_id)
    rows = session.execute(query_for(repo_id).limit(batch)).all()
    if not rows:
        return None
    return repo_id, rows


def _unreferenced_manifests(repo_id: int | None, cutoff: datetime) -> Select[int, int, str]:
    subject = aliased(Manifest)
    query = select(Manifest.id, Manifest.repository_id, Manifest.digest).where(
        Manifest.created <= cutoff,
        ~exists().where(Tag.manifest_id == Manifest.id),
        ~exists().where(ManifestChild.child_id == Manifest.id),
        ~exists().where(
            and_(
                Manifest.subject_digest.is_not(None),
                subject.repository_id == Manifest.repository_id,
                subject.digest == Manifest.subject_digest,
                subject.id != Manifest.id,
            )
        ),
    )
    if repo_id is not None:
        query = query.where(Manifest.repository_id == repo_id)
    return query


def remove_manifests(session: Session, now: datetime, options: GcOptions, report: Report) -> int:
    """Delete manifests nothing references, one repository at a time under its lock."""
    cutoff = now - timedelta(seconds=options.grace_s)
    found = _locked_batch(
        session, lambda repo: _unreferenced_manifests(repo, cutoff), lambda row: row[1], options.batch
    )
    if found is None:
        return 0
    repo_id, rows = found
    ids = [row[0] for row in rows]
    session.execute(delete(ManifestChild).where(ManifestChild.manifest_id.in_(ids)))
    session.execute(delete(Manifest).where(Manifest.id.in_(ids)))
    name = _repo_names(session, {repo_id}).get(repo_id, str(repo_id))
    for row in rows:
        report("manifest", f"{name}@{row[2]}", 0)
    return len(rows)


def _unused_links(repo_id: int | None, cutoff: datetime) -> Select[int, int]:
    used = (
        exists()
        .where(ManifestBlob.blob_id == RepositoryBlob.blob_id)
        .where(Manifest.id == ManifestBlob.manifest_id)
        .where(Manifest.repository_id == RepositoryBlob.repository_id)
    )
    query = select(RepositoryBlob.repository_id, RepositoryBlob.blob_id).where(
        RepositoryBlob.created <= cutoff, ~used
    )
    if repo_id is not None:
        query = query.where(RepositoryBlob.repository_id == repo_id)
    return query


def remove_links(session: Session, now: datetime, options: GcOptions, report: Report) -> int:
    """Unlink blobs no manifest of the repository uses, one repository at a time under its lock."""
    cutoff = now - timedelta(seconds=options.grace_s)
    found = _locked_batch(
        session, lambda repo: _unused_links(repo, cutoff), lambda row: row[0], options.batch
    )
    if found is None:
        return 0
    repo_id, rows = found
    blob_ids = [row[1] for row in rows]
    session.execute(
        delete(RepositoryBlob).where(
            RepositoryBlob.repository_id == repo_id, RepositoryBlob.blob_id.in_(blob_ids)
        )
    )
    name = _repo_names(session, {repo_id}).get(repo_id, str(repo_id))
    digests = session.execute(select(Blob.digest).where(Blob.id.in_(blob_ids))).scalars().all()
    for digest in digests:
        report("link", f"{name}@{digest}", 0)
    return len(rows)


# --- 6, 7: blobs and uploads ---------------------------------------------------------------------


def _orphan_blobs() -> Select[int]:
    return select(Blob.id).where(
        ~exists().where(RepositoryBlob.blob_id == Blob.id),
        ~exists().where(ManifestBlob.blob_id == Blob.id),
    )


def _queue(session: Session, key: str, digest: str | None, size: int, now: datetime) -> None:
    session.add(PendingDeletion(storage_key=key, digest=digest, size=size, created=now))


def remove_blobs(session: Session, now: datetime, options: GcOptions, report: Report) -> int:
    """Delete blob rows nothing links or references; queue their bytes for deletion."""
    query = _orphan_blobs().order_by(Blob.id).limit(options.batch)
    if _is_pg(session):
        query = query.with_for_update(skip_locked=True, of=Blob)
    locked = list(session.scalars(query).all())
    if not locked:
        return 0
    # Re-check in a fresh statement: links committed while we waited for the row locks count.
    rows = session.execute(
        select(Blob.id, Blob.digest, Blob.size, Blob.storage_key).where(
            Blob.id.in_(locked), Blob.id.in_(_orphan_blobs())
        )
    ).all()
    for row in rows:
        _queue(session, row[3], row[1], row[2], now)
        report("blob", row[1], row[2])
    session.execute(delete(Blob).where(Blob.id.in_([row[0] for row in rows])))
    session.flush()
    return len(rows)


def remove_stale_uploads(session: Session, now: datetime, options: GcOptions, report: Report) -> int:
    """Drop uploads idle for longer than ``upload_max_age_s``; queue their staging bytes."""
    cutoff = now - timedelta(seconds=options.upload_max_age_s)
    query = select(Upload).where(Upload.updated <= cutoff).order_by(Upload.id).limit(options.batch)
    if _is_pg(session):  # another collector (another server) may be at it too
        query = query.with_for_update(skip_locked=True)
    uploads = session.scalars(query).all()
    for upload in uploads:
        _queue(session, upload.staging_key, None, upload.size, now)
        report("upload", upload.uuid, upload.size)
        session.delete(upload)
    session.flush()
    return len(uploads)


STEPS: tuple[tuple[str, Callable[[Session, datetime, GcOptions, Report], int]], ...] = (
    ("expire tags", expire_tags),
    ("time machine", remove_old_tags),
    ("deleted repositories", purge_deleted_repositories),
    ("manifests", remove_manifests),
    ("blob links", remove_links),
    ("blobs", remove_blobs),
    ("uploads", remove_stale_uploads),
)


# --- 9: staging objects of monolithic uploads a crash left behind ----------------------------------


def sweep_direct_staging(
    storage: BlobStorage, now: datetime, options: GcOptions, report: Report, *, dry: bool = False
) -> int:
    """Delete monolithic-upload staging objects older than ``upload_max_age_s`` (no row tracks them:
    a finished or failed upload removes its own, so what is left is from a crashed process)."""
    cutoff = now - timedelta(seconds=options.upload_max_age_s)
    swept = 0
    for key in stale_direct_staging(storage.list("uploads"), cutoff):
        try:
            size = storage.stat(key)
            if not dry:
                storage.delete(key)
        except StorageError:
            continue  # gone already (another collector)
        report("upload", key, size)
        swept += 1
    return swept


# --- 8: bytes ------------------------------------------------------------------------------------


def delete_pending_bytes(session: Session, storage: BlobStorage, options: GcOptions) -> tuple[int, int, int]:
    """Delete one batch of queued bytes: ``(entries handled, objects deleted, bytes)``.

    Runs in its own transactions, after the commit that queued the bytes.

    A blob's bytes survive when a blob row has its digest again (an upload adopted them under the
    digest lock); either way the queue entry goes.
    """
    query = select(PendingDeletion).order_by(PendingDeletion.id).limit(options.batch)
    if _is_pg(session):
        query = query.with_for_update(skip_locked=True)
    pending = session.scalars(query).all()
    objects = size = 0
    for item in pending:
        if item.digest is not None:
            lock_digest(session, item.digest)
            if session.scalar(select(Blob.id).where(Blob.digest == item.digest)) is not None:
                session.delete(item)
                continue
        storage.delete(item.storage_key)
        objects += 1
        size += item.size
        session.delete(item)
    session.flush()
    return len(pending), objects, size
