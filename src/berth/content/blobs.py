"""Blobs and uploads: content-addressed storage, repository links, resumable uploads.

Upload bytes grow in a staging object (``uploads/<uuid>``) while the upload's size lives in the DB, so
any server process can continue or finish an upload. A monolithic upload (``POST ?digest=``) has no
row: its staging object's name carries its start time (``uploads/direct-<unix seconds>-<uuid>``), so
the collector can sweep what a crash left behind without a database lookup. The digest is verified
before the bytes are moved under their content address and before the blob row makes them visible.

Safety against the garbage collector: :func:`store_blob` places the bytes and records the row in one
write transaction holding the digest's lock (a PostgreSQL advisory lock; SQLite's write lock
serialises every writer). The collector deletes bytes only under that same lock and only while no
blob row has the digest, so bytes an upload adopted are never deleted behind its back.
"""

from __future__ import annotations

import threading
import uuid as uuidlib
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from berth.content.models import Blob, RepositoryBlob, Upload
from berth.errors import (
    BlobUnknown,
    BlobUploadInvalid,
    BlobUploadUnknown,
    RangeNotSatisfiable,
    ServiceUnavailable,
)
from berth.lib.digests import Digest, Hasher, new_hasher
from berth.storage.base import BlobStorage, PathNotFound

_RECORD_ATTEMPTS = 10


def blob_key(digest: Digest) -> str:
    """Where a blob's bytes live: ``blobs/<algorithm>/<first two hex>/<hex>``."""
    return f"blobs/{digest.algorithm}/{digest.hex[:2]}/{digest.hex}"


def _insert_ignore(session: Session, table: type[Blob | RepositoryBlob], values: dict[str, Any]) -> None:
    """INSERT that quietly keeps an existing row (concurrent pushes of the same content)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(pg_insert(table).values(**values).on_conflict_do_nothing())
    else:
        session.execute(sqlite_insert(table).values(**values).on_conflict_do_nothing())


def find_blob(session: Session, digest: Digest) -> Blob | None:
    """The blob with ``digest`` in any repository."""
    return session.scalar(select(Blob).where(Blob.digest == str(digest)))


def repository_blob(session: Session, repository_id: int, digest: Digest) -> Blob | None:
    """The blob with ``digest`` if it is linked into the repository."""
    return session.scalar(
        select(Blob)
        .join(RepositoryBlob, RepositoryBlob.blob_id == Blob.id)
        .where(RepositoryBlob.repository_id == repository_id, Blob.digest == str(digest))
    )


def link_blob(session: Session, repository_id: int, blob_id: int, now: datetime) -> None:
    """Make a blob visible in a repository (idempotent, safe under concurrent links).

    Re-linking refreshes the link's time, so the collector's grace period starts again.
    """
    if not _share_lock(session, blob_id):
        raise BlobUnknown("blob unknown to registry", detail={})
    values = {"repository_id": repository_id, "blob_id": blob_id, "created": now}
    keys = ["repository_id", "blob_id"]
    if session.get_bind().dialect.name == "postgresql":
        pg = pg_insert(RepositoryBlob).values(**values)
        session.execute(pg.on_conflict_do_update(index_elements=keys, set_={"created": now}))
    else:
        lite = sqlite_insert(RepositoryBlob).values(**values)
        session.execute(lite.on_conflict_do_update(index_elements=keys, set_={"created": now}))


def _share_lock(session: Session, blob_id: int) -> bool:
    """Hold the blob row against deletion until commit (PostgreSQL); False when it is gone."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    found = session.scalar(select(Blob.id).where(Blob.id == blob_id).with_for_update(read=True))
    return found is not None


def lock_digest(session: Session, digest: str) -> None:
    """Serialise work on one digest's bytes until the transaction ends (uploads versus the collector).

    PostgreSQL takes a transaction-scoped advisory lock; SQLite's write transaction already excludes
    every other writer.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    hexpart = digest.partition(":")[2][:15] or "0"
    try:
        key = int(hexpart, 16)
    except ValueError:
        key = 0
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


DIRECT_STAGING_PREFIX = "uploads/direct-"


def direct_staging_key(now: datetime) -> str:
    """A fresh staging key for a monolithic upload, stamped with its start time."""
    return f"{DIRECT_STAGING_PREFIX}{int(now.timestamp())}-{uuidlib.uuid4()}"


def stale_direct_staging(keys: Iterable[str], cutoff: datetime) -> list[str]:
    """The monolithic-upload staging keys among ``keys`` started before ``cutoff``."""
    stale: list[str] = []
    limit = cutoff.timestamp()
    for key in keys:
        if not key.startswith(DIRECT_STAGING_PREFIX):
            continue
        stamp, _, _ = key[len(DIRECT_STAGING_PREFIX) :].partition("-")
        if stamp.isdigit() and int(stamp) < limit:
            stale.append(key)
    return stale


def record_blob(session: Session, digest: Digest, size: int, now: datetime) -> Blob:
    """The blob row for bytes already stored under :func:`blob_key` (created if missing), held until
    commit (``FOR SHARE`` on PostgreSQL) so the collector cannot delete it meanwhile.

    The collector may delete an unlinked row between our insert (which then did nothing) and our
    read: the insert is simply tried again.
    """
    values = {"digest": str(digest), "size": size, "storage_key": blob_key(digest), "created": now}
    for _ in range(_RECORD_ATTEMPTS):
        _insert_ignore(session, Blob, values)
        blob = session.scalar(select(Blob).where(Blob.digest == str(digest)).with_for_update(read=True))
        if blob is not None:
            return blob
    raise ServiceUnavailable("blob row kept vanishing; try again")


# --- uploads -------------------------------------------------------------------------------------


def start_upload(session: Session, repository_id: int, now: datetime) -> Upload:
    """Open an upload session with an empty staging object."""
    upload_uuid = str(uuidlib.uuid4())
    upload = Upload(
        uuid=upload_uuid,
        repository_id=repository_id,
        size=0,
        staging_key=f"uploads/{upload_uuid}",
        created=now,
        updated=now,
    )
    session.add(upload)
    session.flush()
    return upload


def get_upload(session: Session, repository_id: int, upload_uuid: str) -> Upload:
    """The repository's upload ``upload_uuid``, or BLOB_UPLOAD_UNKNOWN."""
    upload = session.scalar(
        select(Upload).where(Upload.uuid == upload_uuid, Upload.repository_id == repository_id)
    )
    if upload is None:
        raise BlobUploadUnknown("blob upload unknown to registry")
    return upload


def check_chunk_start(upload: Upload, start: int | None) -> None:
    """A chunk must begin exactly where the upload ends (416 otherwise)."""
    if start is not None and start != upload.size:
        raise RangeNotSatisfiable("requested range not satisfiable", extra={"size": upload.size})


def record_size(session: Session, upload_uuid: str, old_size: int, new_size: int, now: datetime) -> None:
    """Advance the upload's size from ``old_size``; a concurrent writer that got there first wins."""
    result = session.execute(
        update(Upload)
        .where(Upload.uuid == upload_uuid, Upload.size == old_size)
        .values(size=new_size, updated=now)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise RangeNotSatisfiable("requested range not satisfiable")


def end_upload(session: Session, upload_uuid: str) -> None:
    """Forget an upload's row (its staging object is deleted by the caller after commit)."""
    session.execute(delete(Upload).where(Upload.uuid == upload_uuid))


class HashCache:
    """Running hashes of uploads this process has written, so finishing needs no second read.

    When another process wrote the upload (or the entry was evicted), the staging object is hashed
    again from storage: correct, only slower.
    """

    def __init__(self, capacity: int = 256) -> None:
        self._entries: OrderedDict[str, tuple[int, Hasher]] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def take(self, upload_uuid: str, size: int) -> Hasher | None:
        """The sha256 state of the upload when it covers exactly ``size`` bytes (removed from cache)."""
        with self._lock:
            entry = self._entries.pop(upload_uuid, None)
        if entry is None or entry[0] != size:
            return None
        return entry[1]

    def put(self, upload_uuid: str, size: int, hasher: Hasher) -> None:
        """Remember the sha256 state after ``size`` bytes."""
        with self._lock:
            self._entries[upload_uuid] = (size, hasher)
            self._entries.move_to_end(upload_uuid)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def drop(self, upload_uuid: str) -> None:
        """Forget an upload."""
        with self._lock:
            self._entries.pop(upload_uuid, None)


def append_chunks(storage: BlobStorage, key: str, chunks: Iterable[bytes], hasher: Hasher | None) -> int:
    """Append ``chunks`` to the staging object, feeding ``hasher``; returns the object's new size."""

    def feed() -> Iterable[bytes]:
        for chunk in chunks:
            if hasher is not None:
                hasher.update(chunk)
            yield chunk

    return storage.append(key, feed())


def repair_staging(storage: BlobStorage, key: str, size: int) -> None:
    """Cut bytes an interrupted chunk left past the recorded ``size`` (the DB is the truth)."""
    try:
        actual = storage.stat(key)
    except PathNotFound:
        return
    if actual > size:
        storage.write(key, storage.read(key, 0, size))


def staged_digest(storage: BlobStorage, key: str, algorithm: str, cached: Hasher | None) -> Digest:
    """The digest of the staging object, from the running hash when one is available."""
    if cached is not None and algorithm == "sha256":
        return Digest("sha256", cached.hexdigest())
    hasher = new_hasher(algorithm)
    try:
        for chunk in storage.read(key):
            hasher.update(chunk)
    except PathNotFound:
        pass  # nothing was ever written: the digest of zero bytes
    return Digest(algorithm, hasher.hexdigest())


def check_staged(storage: BlobStorage, key: str, digest: Digest, expected: Digest) -> None:
    """Raise (and discard the staging bytes) when the uploaded bytes are not ``expected``."""
    if digest != expected:
        storage.delete(key)
        raise BlobUploadInvalid("blob upload invalid", detail={})


def store_blob(
    session: Session,
    storage: BlobStorage,
    *,
    repository_id: int,
    staging_key: str,
    digest: Digest,
    now: datetime,
    upload_uuid: str | None = None,
) -> Blob:
    """Publish verified staging bytes and link the blob, in the caller's write transaction.

    Under the digest's lock: bytes already under the content address are adopted (the staging copy
    is dropped), otherwise the staging object moves there; then the row is recorded and linked.
    """
    lock_digest(session, str(digest))
    target = blob_key(digest)
    if storage.exists(target):
        storage.delete(staging_key)
    elif storage.exists(staging_key):
        storage.move(staging_key, target)
    else:
        storage.write(target, [])  # nothing was ever written: the empty blob
    blob = record_blob(session, digest, storage.stat(target), now)
    link_blob(session, repository_id, blob.id, now)
    if upload_uuid is not None:
        end_upload(session, upload_uuid)
    return blob


def publish_staged(storage: BlobStorage, key: str, digest: Digest, expected: Digest) -> None:
    """Move verified staging bytes under their content address; raise (and discard) on mismatch."""
    if digest != expected:
        storage.delete(key)
        raise BlobUploadInvalid("blob upload invalid", detail={})
    target = blob_key(digest)
    if storage.exists(target):
        storage.delete(key)
        return
    if not storage.exists(key):
        storage.write(target, [])
        return
    storage.move(key, target)
