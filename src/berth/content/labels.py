"""Manifest labels: imported from the image at push time (``source_type: manifest``) or added through
the API (``api``). Quay's ``quay.expires-after`` label sets the expiration of the tag being pushed."""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from berth.auditlog.service import Actor, log_action
from berth.content.models import Manifest, ManifestLabel, ManifestRef
from berth.errors import DataModelError, NotFound
from berth.lib import mediatypes as mt
from berth.lib.dates import parse_duration
from berth.repos.service import RepoHandle

TEXT = "text/plain"
JSON = "application/json"
MEDIA_TYPES = (TEXT, JSON)
EXPIRES_AFTER = "quay.expires-after"
# Label keys reserved for image tooling: the API refuses them (they may still come from an image).
RESERVED_PREFIXES = ("com.docker.", "io.docker.", "org.dockerproject.")
_KEY_RE = re.compile(r"^[a-z0-9](([a-z0-9]|[-.](?![.-]))*[a-z0-9])?$")
MAX_CONFIG_BYTES = 1024 * 1024


def valid_key(key: str) -> bool:
    """Quay's label-key rule: lower-case alphanumerics split by single ``.`` or ``-``."""
    return len(key) <= 255 and _KEY_RE.match(key) is not None


def list_labels(session: Session, manifest: Manifest, prefix: str | None = None) -> list[ManifestLabel]:
    """The manifest's labels in the order they were added, optionally those whose key starts so."""
    query = select(ManifestLabel).where(ManifestLabel.manifest_id == manifest.id)
    if prefix:
        query = query.where(ManifestLabel.key.startswith(prefix, autoescape=True))
    return list(session.scalars(query.order_by(ManifestLabel.id)).all())


def get_label(session: Session, manifest: Manifest, label_uuid: str) -> ManifestLabel:
    """One label of the manifest, or 404."""
    label = session.scalar(
        select(ManifestLabel).where(
            ManifestLabel.manifest_id == manifest.id, ManifestLabel.uuid == label_uuid
        )
    )
    if label is None:
        raise NotFound("Not Found")
    return label


def _new_label(manifest_id: int, key: str, value: str, source: str, media_type: str) -> ManifestLabel:
    return ManifestLabel(
        uuid=str(uuidlib.uuid4()),
        manifest_id=manifest_id,
        key=key,
        value=value,
        source_type=source,
        media_type=media_type,
    )


def add_label(
    session: Session,
    repo: RepoHandle,
    manifest: ManifestRef,
    *,
    key: str,
    value: str,
    media_type: str | None,
    actor: Actor | None,
    now: datetime,
) -> ManifestLabel:
    """Add an API label (``manifest_label_add``); the key and media type are checked as Quay does."""
    if key.startswith(RESERVED_PREFIXES):
        raise DataModelError("Label has a reserved prefix")
    if not valid_key(key):
        raise DataModelError(
            f"Label is of an invalid format or missing please use {_KEY_RE.pattern} format for labels"
        )
    chosen = media_type or TEXT
    if chosen not in MEDIA_TYPES:
        raise DataModelError(
            "Media type is invalid please use a valid media type: text/plain, application/json"
        )
    label = _new_label(manifest.id, key, value, "api", chosen)
    session.add(label)
    session.flush()
    log_action(
        session,
        "manifest_label_add",
        actor=actor,
        now=now,
        namespace_id=repo.namespace_id,
        repository_id=repo.id,
        metadata={
            "id": label.uuid,
            "key": key,
            "value": value,
            "manifest_digest": manifest.digest,
            "media_type": chosen,
            "namespace": repo.namespace,
            "repo": repo.name,
        },
    )
    return label


def delete_label(
    session: Session,
    repo: RepoHandle,
    manifest: Manifest,
    label_uuid: str,
    *,
    actor: Actor | None,
    now: datetime,
) -> None:
    """Delete one label (``manifest_label_delete``)."""
    label = get_label(session, manifest, label_uuid)
    session.delete(label)
    session.flush()
    log_action(
        session,
        "manifest_label_delete",
        actor=actor,
        now=now,
        namespace_id=repo.namespace_id,
        repository_id=repo.id,
        metadata={
            "id": label_uuid,
            "key": label.key,
            "value": label.value,
            "manifest_digest": manifest.digest,
            "namespace": repo.namespace,
            "repo": repo.name,
        },
    )


def _media_type_of(value: str) -> str:
    stripped = value.strip()
    if stripped[:1] in ("{", "["):
        try:
            json.loads(stripped)
        except ValueError:
            return TEXT
        return JSON
    return TEXT


def image_labels(manifest_json: Mapping[str, Any], config_json: Mapping[str, Any] | None) -> dict[str, str]:
    """The labels an image declares: ``config.Labels`` then the manifest's annotations (OCI)."""
    labels: dict[str, str] = {}
    if config_json is not None:
        config = config_json.get("config")
        found = config.get("Labels") if isinstance(config, dict) else None
        if isinstance(found, dict):
            labels.update({str(k): str(v) for k, v in found.items() if v is not None})
    if manifest_json.get("mediaType", mt.OCI_MANIFEST) != mt.DOCKER_MANIFEST:
        annotations = manifest_json.get("annotations")
        if isinstance(annotations, dict):
            labels.update({str(k): str(v) for k, v in annotations.items()})
    return labels


_INSERT_LABEL = insert(ManifestLabel)


def import_labels(session: Session, manifest_id: int, labels: Mapping[str, str]) -> timedelta | None:
    """Store the image's labels on a newly pushed manifest; returns ``quay.expires-after`` if valid."""
    expires_after: timedelta | None = None
    rows: list[dict[str, Any]] = []
    for key, value in labels.items():
        if len(key) > 255:
            continue
        rows.append(
            {
                "uuid": str(uuidlib.uuid4()),
                "manifest_id": manifest_id,
                "key": key,
                "value": value,
                "source_type": "manifest",
                "media_type": _media_type_of(value),
            }
        )
        if key == EXPIRES_AFTER:
            try:
                seconds = parse_duration(value)
            except ValueError:
                continue
            if seconds > 0:
                expires_after = timedelta(seconds=seconds)
    if rows:
        session.connection().execute(_INSERT_LABEL, rows)
    return expires_after


def expires_after_of(session: Session, manifest_id: int) -> timedelta | None:
    """The ``quay.expires-after`` duration stored on a manifest, if any (a re-push tags again)."""
    value = (
        session.connection()
        .execute(
            select(ManifestLabel.value).where(
                ManifestLabel.manifest_id == manifest_id, ManifestLabel.key == EXPIRES_AFTER
            )
        )
        .scalar()
    )
    if value is None:
        return None
    try:
        seconds = parse_duration(value)
    except ValueError:
        return None
    return timedelta(seconds=seconds) if seconds > 0 else None
