"""Storing, finding, deleting manifests and answering the referrers API."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from berth.auditlog.service import Actor, entry_row, log_action
from berth.content.labels import MAX_CONFIG_BYTES, expires_after_of, image_labels, import_labels
from berth.content.models import Blob, Manifest, ManifestBlob, ManifestChild, RepositoryBlob, Tag
from berth.content.parsing import ParsedManifest
from berth.content.tags import delete_tag, end_tags_of_manifest, set_tag
from berth.db.locks import lock_names
from berth.errors import ManifestInvalid, ManifestUnknown, TagInvalid
from berth.lib import mediatypes as mt
from berth.lib.digests import Digest, is_digest, parse_digest
from berth.lib.names import is_valid_tag
from berth.repos.service import RepoHandle, lock_repository
from berth.storage.base import BlobStorage, StorageError


def _unknown(kind: str, digest: str) -> ManifestInvalid:
    return ManifestInvalid("manifest invalid", detail={"message": f"Unknown {kind} `{digest}`"})


PUSH_LOCKS = 1  # the key space of the named locks pushes take
_LIVE_MANIFESTS = select(Manifest.digest, Manifest.id).where(
    Manifest.repository_id == bindparam("repository_id"),
    Manifest.digest.in_(bindparam("digests", expanding=True)),
    Manifest.deleted_at.is_(None),
)
_REFERENCED_BLOBS = (
    select(Blob.digest, Blob.id, Blob.storage_key, Blob.size)
    .join(RepositoryBlob, RepositoryBlob.blob_id == Blob.id)
    .where(
        RepositoryBlob.repository_id == bindparam("repository_id"),
        Blob.digest.in_(bindparam("digests", expanding=True)),
    )
)
_STORED_ID = select(Manifest.id).where(
    Manifest.repository_id == bindparam("repository_id"), Manifest.digest == bindparam("manifest_digest")
)
_INSERT_MANIFEST = insert(Manifest)
_INSERT_MANIFEST_BLOBS = insert(ManifestBlob)
_INSERT_MANIFEST_CHILDREN = insert(ManifestChild)
_REVIVE_MANIFEST = (
    update(Manifest)
    .where(Manifest.id == bindparam("manifest_id"))
    .values(deleted_at=None, created=bindparam("pushed"))
)


def _live_manifests(session: Session, repository_id: int, digests: list[str]) -> dict[str, int]:
    if not digests:
        return {}
    rows = session.connection().execute(_LIVE_MANIFESTS, {"repository_id": repository_id, "digests": digests})
    return {row[0]: row[1] for row in rows}


@dataclass(frozen=True)
class _LinkedBlob:
    id: int
    storage_key: str
    size: int


def _referenced_blobs(session: Session, repository_id: int, parsed: ParsedManifest) -> dict[str, _LinkedBlob]:
    wanted = [str(d) for d in parsed.blobs]
    if not wanted:
        return {}
    rows = session.connection().execute(
        _REFERENCED_BLOBS, {"repository_id": repository_id, "digests": wanted}
    )
    found = {row[0]: _LinkedBlob(row[1], row[2], row[3]) for row in rows}
    for digest in wanted:
        if digest not in found:
            raise _unknown("blob", digest)
    return found


def layers_size(body: dict[str, Any]) -> int | None:
    """Sum of the layer sizes of an image manifest (Quay's ``layers_compressed_size``)."""
    layers = body.get("layers")
    if not isinstance(layers, list):
        return None
    return sum(int(layer.get("size") or 0) for layer in layers if isinstance(layer, dict))


class ConfigCache:
    """Parsed image configs by digest: blobs never change, so a config is read from storage once.

    Only configs of at most ``max_bytes`` are kept (real ones are a few KiB), so the cache stays
    within ``size`` x ``max_bytes`` of JSON however large the configs pushed to it.
    """

    def __init__(self, size: int = 64, max_bytes: int = 64 * 1024) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._entries: OrderedDict[str, dict[str, Any] | None] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, storage: BlobStorage, digest: str, blob: _LinkedBlob) -> dict[str, Any] | None:
        """The config JSON object of ``blob`` (None when too big, unreadable or not an object)."""
        with self._lock:
            if digest in self._entries:
                self._entries.move_to_end(digest)
                return self._entries[digest]
        config = _read_config(storage, blob)
        if blob.size > self._max_bytes:
            return config
        with self._lock:
            self._entries[digest] = config
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return config


_CONFIGS = ConfigCache()


def _read_config(storage: BlobStorage, blob: _LinkedBlob) -> dict[str, Any] | None:
    if blob.size > MAX_CONFIG_BYTES:
        return None
    try:
        loaded = json.loads(storage.read_bytes(blob.storage_key))
    except (StorageError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _labels_of_push(
    storage: BlobStorage | None, parsed: ParsedManifest, body: dict[str, Any], blobs: dict[str, _LinkedBlob]
) -> dict[str, str]:
    if parsed.is_index:
        return {}
    config = None
    if storage is not None and parsed.media_type in mt.IMAGE_MANIFESTS and parsed.blobs:
        config_digest = str(parsed.blobs[0])
        blob = blobs.get(config_digest)
        if blob is not None:
            config = _CONFIGS.get(storage, config_digest, blob)
    return image_labels(body, config)


@dataclass(frozen=True)
class StoredManifest:
    """The manifest a push stored (or found stored already): its row id and digest."""

    id: int
    digest: str


def push_manifest(
    session: Session,
    repo: RepoHandle,
    *,
    raw: bytes,
    parsed: ParsedManifest,
    digest: Digest,
    tag: str | None,
    actor: Actor | None,
    now: datetime,
    storage: BlobStorage | None = None,
) -> StoredManifest:
    """Store a manifest whose references all exist in the repository; tag it; log ``push_repo``.

    A new manifest gets the image's labels (read from its config blob when ``storage`` is given);
    ``quay.expires-after`` among them sets the pushed tag's expiration. Written with Core statements
    (no ORM objects): this is the registry's hottest write transaction. On PostgreSQL pushes to one
    repository run side by side, except pushes of one tag or one manifest, which queue on a named lock;
    the caller still retries on an integrity error (:meth:`berth.db.engine.Database.retrying`).
    """
    if tag is not None and not is_valid_tag(tag):
        raise TagInvalid("manifest tag did not match URI", detail={"tag": tag})
    conn = session.connection()
    lock_repository(session, repo.id, shared=True)
    # Pushes of one tag, or of one new manifest, wait for each other instead of clashing.
    names = [f"{repo.id}/manifest/{digest}"] + ([f"{repo.id}/tag/{tag}"] if tag is not None else [])
    lock_names(session, PUSH_LOCKS, names)
    blobs = _referenced_blobs(session, repo.id, parsed)
    children = _live_manifests(session, repo.id, [str(d) for d in parsed.children])
    for child in parsed.children:
        if str(child) not in children:
            raise _unknown("manifest", str(child))
    existing = conn.execute(_STORED_ID, {"repository_id": repo.id, "manifest_digest": str(digest)}).scalar()
    if existing is None:
        body = json.loads(raw)
        inserted = conn.execute(
            _INSERT_MANIFEST,
            {
                "repository_id": repo.id,
                "digest": str(digest),
                "media_type": parsed.media_type,
                "content": raw,
                "size": len(raw),
                "config_media_type": parsed.config_media_type,
                "artifact_type": parsed.artifact_type,
                "subject_digest": str(parsed.subject) if parsed.subject else None,
                "created": now,
                "deleted_at": None,
                "layers_size": None if parsed.is_index else layers_size(body),
            },
        ).inserted_primary_key
        assert inserted is not None
        manifest_id: int = inserted[0]
        if blobs:
            conn.execute(
                _INSERT_MANIFEST_BLOBS,
                [{"manifest_id": manifest_id, "blob_id": b.id} for b in blobs.values()],
            )
        if children:
            conn.execute(
                _INSERT_MANIFEST_CHILDREN,
                [{"manifest_id": manifest_id, "child_id": c} for c in children.values()],
            )
        expires_after = import_labels(session, manifest_id, _labels_of_push(storage, parsed, body, blobs))
    else:
        manifest_id = existing
        # Pushed again: served again, and the collector's grace period starts anew.
        conn.execute(_REVIVE_MANIFEST, {"manifest_id": existing, "pushed": now})
        expires_after = expires_after_of(session, existing) if tag is not None else None
    stored = StoredManifest(manifest_id, str(digest))
    if tag is not None:
        expiration = now + expires_after if expires_after is not None else None
        set_tag(session, repo, tag, stored, actor=actor, now=now, expiration=expiration)
    meta: dict[str, Any] = {"namespace": repo.namespace, "repo": repo.name, "manifest_digest": str(digest)}
    if tag is not None:
        meta["tag"] = tag
    log_action(
        session,
        "push_repo",
        actor=actor,
        now=now,
        namespace_id=repo.namespace_id,
        repository_id=repo.id,
        metadata=meta,
    )
    return stored


def find_manifest(
    session: Session, repository_id: int, reference: str, now: datetime | None = None
) -> Manifest:
    """The live manifest a tag or digest names in the repository, or MANIFEST_UNKNOWN.

    Given ``now``, a tag past its expiration is unknown even before the collector ends it.
    """
    manifest: Manifest | None = None
    if is_digest(reference):
        digest = parse_digest(reference)
        if digest is not None:
            manifest = session.scalar(
                select(Manifest).where(
                    Manifest.repository_id == repository_id,
                    Manifest.digest == str(digest),
                    Manifest.deleted_at.is_(None),
                )
            )
    elif is_valid_tag(reference):
        query = (
            select(Manifest)
            .join(Tag, Tag.manifest_id == Manifest.id)
            .where(Tag.repository_id == repository_id, Tag.name == reference, Tag.end_time.is_(None))
        )
        if now is not None:
            query = query.where(or_(Tag.expiration.is_(None), Tag.expiration > now))
        manifest = session.scalar(query)
    if manifest is None:
        raise ManifestUnknown("manifest unknown")
    return manifest


def _served_manifest_query(by_digest: bool, check_expiration: bool) -> Select[str, str, bytes]:
    query = select(Manifest.media_type, Manifest.digest, Manifest.content)
    if by_digest:
        return query.where(
            Manifest.repository_id == bindparam("repository_id"),
            Manifest.digest == bindparam("reference"),
            Manifest.deleted_at.is_(None),
        )
    query = query.join(Tag, Tag.manifest_id == Manifest.id).where(
        Tag.repository_id == bindparam("repository_id"),
        Tag.name == bindparam("reference"),
        Tag.end_time.is_(None),
    )
    if check_expiration:
        query = query.where(or_(Tag.expiration.is_(None), Tag.expiration > bindparam("now")))
    return query


_SERVED_BY_DIGEST = _served_manifest_query(True, False)
_SERVED_BY_TAG = _served_manifest_query(False, True)


def served_manifest(
    session: Session, repository_id: int, reference: str, now: datetime
) -> tuple[str, str, bytes]:
    """``(media type, digest, bytes)`` of what a pull of ``reference`` gets, or MANIFEST_UNKNOWN.

    :func:`find_manifest` without ORM objects (one Core query): the registry's hottest read.
    """
    row = None
    if is_digest(reference):
        digest = parse_digest(reference)
        if digest is not None:
            row = (
                session.connection()
                .execute(_SERVED_BY_DIGEST, {"repository_id": repository_id, "reference": str(digest)})
                .first()
            )
    elif is_valid_tag(reference):
        row = (
            session.connection()
            .execute(_SERVED_BY_TAG, {"repository_id": repository_id, "reference": reference, "now": now})
            .first()
        )
    if row is None:
        raise ManifestUnknown("manifest unknown")
    return row[0], row[1], row[2]


DEFAULT_PLATFORM = ("linux", "amd64")


def platform_child(index_bytes: bytes, accepted: frozenset[str]) -> str | None:
    """The digest of an index's ``linux/amd64`` image whose media type the client accepts, if any.

    What a client that cannot read indexes gets instead of the index (as the reference registry does).
    """
    try:
        body = json.loads(index_bytes)
    except ValueError:
        return None
    entries = body.get("manifests") if isinstance(body, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("mediaType") not in accepted:
            continue
        platform = entry.get("platform")
        if not isinstance(platform, dict):
            continue
        if (platform.get("os"), platform.get("architecture")) == DEFAULT_PLATFORM:
            digest = entry.get("digest")
            return digest if isinstance(digest, str) else None
    return None


def negotiated_manifest(
    session: Session, repository_id: int, reference: str, now: datetime, accepted: frozenset[str] | None
) -> tuple[str, str, bytes]:
    """:func:`served_manifest`, with an index pulled by tag swapped for its ``linux/amd64`` child when
    the ``Accept`` header lists image manifest types but not the index's type (a pull by digest gets
    what it names). Anything else is served as pushed: Berth does not convert to Docker schema 1,
    which no maintained client needs."""
    found = served_manifest(session, repository_id, reference, now)
    if accepted is None or is_digest(reference) or found[0] not in mt.INDEXES or found[0] in accepted:
        return found
    child = platform_child(found[2], accepted)
    if child is None:
        return found
    try:
        return served_manifest(session, repository_id, child, now)
    except ManifestUnknown:
        return found


def pull_entry(repo: RepoHandle, reference: str, *, actor: Actor | None, now: datetime) -> dict[str, Any]:
    """The ``pull_repo`` log entry of a manifest fetch (for the deferred log writer)."""
    key = "manifest_digest" if is_digest(reference) else "tag"
    return entry_row(
        "pull_repo",
        actor=actor,
        now=now,
        namespace_id=repo.namespace_id,
        repository_id=repo.id,
        metadata={"namespace": repo.namespace, "repo": repo.name, key: reference},
    )


def delete_manifest(
    session: Session, repo: RepoHandle, reference: str, *, actor: Actor | None, now: datetime
) -> None:
    """By digest: end every tag on it and stop serving it. By tag: end that tag only."""
    lock_repository(session, repo.id)
    manifest = find_manifest(session, repo.id, reference)
    if not is_digest(reference):
        delete_tag(session, repo, reference, actor=actor, now=now)
        return
    end_tags_of_manifest(session, repo, manifest, actor=actor, now=now)
    parents = session.scalar(
        select(ManifestChild.manifest_id)
        .join(Manifest, Manifest.id == ManifestChild.manifest_id)
        .where(ManifestChild.child_id == manifest.id, Manifest.deleted_at.is_(None))
        .limit(1)
    )
    if parents is None:
        manifest.deleted_at = now
        session.flush()


def referrers(
    session: Session, repository_id: int, subject: Digest, artifact_type: str | None
) -> list[dict[str, Any]]:
    """Descriptors of the live manifests whose ``subject`` is ``subject``."""
    rows = session.scalars(
        select(Manifest)
        .where(
            Manifest.repository_id == repository_id,
            Manifest.subject_digest == str(subject),
            Manifest.deleted_at.is_(None),
        )
        .order_by(Manifest.id)
    ).all()
    out: list[dict[str, Any]] = []
    for manifest in rows:
        kind = manifest.artifact_type
        if kind is None and manifest.media_type in mt.IMAGE_MANIFESTS:
            kind = manifest.config_media_type
        if artifact_type is not None and kind != artifact_type:
            continue
        descriptor: dict[str, Any] = {
            "mediaType": manifest.media_type,
            "digest": manifest.digest,
            "size": manifest.size,
        }
        if kind:
            descriptor["artifactType"] = kind
        annotations = json.loads(manifest.content).get("annotations")
        if annotations:
            descriptor["annotations"] = annotations
        out.append(descriptor)
    return out
