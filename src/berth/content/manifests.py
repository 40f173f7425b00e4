"""Storing, finding, deleting manifests and answering the referrers API."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from berth.auditlog.service import Actor, log_action
from berth.content.labels import MAX_CONFIG_BYTES, expires_after_of, image_labels, import_labels
from berth.content.models import Blob, Manifest, ManifestBlob, ManifestChild, RepositoryBlob, Tag
from berth.content.parsing import ParsedManifest
from berth.content.tags import delete_tag, end_tags_of_manifest, set_tag
from berth.errors import ManifestInvalid, ManifestUnknown, TagInvalid
from berth.lib import mediatypes as mt
from berth.lib.digests import Digest, is_digest, parse_digest
from berth.lib.names import is_valid_tag
from berth.repos.service import RepoHandle, lock_repository
from berth.storage.base import BlobStorage, StorageError


def _unknown(kind: str, digest: str) -> ManifestInvalid:
    return ManifestInvalid("manifest invalid", detail={"message": f"Unknown {kind} `{digest}`"})


def _live_manifests(session: Session, repository_id: int, digests: list[str]) -> dict[str, int]:
    if not digests:
        return {}
    rows = session.execute(
        select(Manifest.digest, Manifest.id).where(
            Manifest.repository_id == repository_id,
            Manifest.digest.in_(digests),
            Manifest.deleted_at.is_(None),
        )
    ).all()
    return {row[0]: row[1] for row in rows}


def _referenced_blobs(session: Session, repository_id: int, parsed: ParsedManifest) -> dict[str, int]:
    wanted = [str(d) for d in parsed.blobs]
    rows = session.execute(
        select(Blob.digest, Blob.id)
        .join(RepositoryBlob, RepositoryBlob.blob_id == Blob.id)
        .where(RepositoryBlob.repository_id == repository_id, Blob.digest.in_(wanted))
    ).all()
    found = {row[0]: row[1] for row in rows}
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


def _config_json(session: Session, storage: BlobStorage, blob_id: int) -> dict[str, Any] | None:
    row = session.execute(select(Blob.storage_key, Blob.size).where(Blob.id == blob_id)).first()
    if row is None or row[1] > MAX_CONFIG_BYTES:
        return None
    try:
        loaded = json.loads(storage.read_bytes(row[0]))
    except (StorageError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _labels_of_push(
    session: Session, storage: BlobStorage | None, parsed: ParsedManifest, raw: bytes, blobs: dict[str, int]
) -> dict[str, str]:
    body = json.loads(raw)
    config = None
    if storage is not None and parsed.media_type in mt.IMAGE_MANIFESTS and parsed.blobs:
        blob_id = blobs.get(str(parsed.blobs[0]))
        if blob_id is not None:
            config = _config_json(session, storage, blob_id)
    if parsed.is_index:
        return {}
    return image_labels(body, config)


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
) -> Manifest:
    """Store a manifest whose references all exist in the repository; tag it; log ``push_repo``.

    A new manifest gets the image's labels (read from its config blob when ``storage`` is given);
    ``quay.expires-after`` among them sets the pushed tag's expiration.
    """
    if tag is not None and not is_valid_tag(tag):
        raise TagInvalid("manifest tag did not match URI", detail={"tag": tag})
    lock_repository(session, repo.id)
    blobs = _referenced_blobs(session, repo.id, parsed)
    children = _live_manifests(session, repo.id, [str(d) for d in parsed.children])
    for child in parsed.children:
        if str(child) not in children:
            raise _unknown("manifest", str(child))
    manifest = session.scalar(
        select(Manifest).where(Manifest.repository_id == repo.id, Manifest.digest == str(digest))
    )
    if manifest is None:
        manifest = Manifest(
            repository_id=repo.id,
            digest=str(digest),
            media_type=parsed.media_type,
            content=raw,
            size=len(raw),
            config_media_type=parsed.config_media_type,
            artifact_type=parsed.artifact_type,
            subject_digest=str(parsed.subject) if parsed.subject else None,
            created=now,
            deleted_at=None,
            layers_size=None if parsed.is_index else layers_size(json.loads(raw)),
        )
        session.add(manifest)
        session.flush()
        session.add_all(ManifestBlob(manifest_id=manifest.id, blob_id=blob_id) for blob_id in blobs.values())
        session.add_all(ManifestChild(manifest_id=manifest.id, child_id=cid) for cid in children.values())
        session.flush()
        expires_after = import_labels(
            session, manifest, _labels_of_push(session, storage, parsed, raw, blobs)
        )
    else:
        manifest.deleted_at = None
        manifest.created = now  # pushed again: the collector's grace period starts anew
        session.flush()
        expires_after = expires_after_of(session, manifest) if tag is not None else None
    if tag is not None:
        expiration = now + expires_after if expires_after is not None else None
        set_tag(session, repo, tag, manifest, actor=actor, now=now, expiration=expiration)
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
    return manifest


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


def record_pull(
    session: Session, repo: RepoHandle, reference: str, *, actor: Actor | None, now: datetime
) -> None:
    """Write the ``pull_repo`` log entry of a manifest fetch."""
    key = "manifest_digest" if is_digest(reference) else "tag"
    log_action(
        session,
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
