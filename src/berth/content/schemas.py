"""Quay's JSON shapes for tags, manifests and labels."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from berth.content.labels import MAX_CONFIG_BYTES
from berth.content.models import Blob, Manifest, ManifestLabel, Tag
from berth.lib import mediatypes as mt
from berth.lib.dates import epoch_seconds, format_quay_date
from berth.storage.base import BlobStorage, StorageError


def _json_of(raw: bytes) -> dict[str, Any]:
    try:
        loaded = json.loads(raw)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def manifest_size(manifest: Manifest) -> int | None:
    """Quay's tag ``size``: the compressed layer sizes of an image, None for an index."""
    if manifest.media_type in mt.INDEXES:
        return None
    if manifest.layers_size is not None:
        return manifest.layers_size
    layers = _json_of(manifest.content).get("layers")
    if not isinstance(layers, list):
        return None
    return sum(int(layer.get("size") or 0) for layer in layers if isinstance(layer, dict))


def tag_view(tag: Tag, manifest: Manifest, *, immutable_flag: bool) -> dict[str, Any]:
    """One row of ``listRepoTags`` (keys appear only when Quay would write them)."""
    view: dict[str, Any] = {"name": tag.name, "reversion": bool(tag.reversion)}
    if immutable_flag:
        view["immutable"] = False
    start = epoch_seconds(tag.start_time)
    if start and start > 0:
        view["start_ts"] = start
    end_time = tag.end_time or tag.expiration
    end = epoch_seconds(end_time)
    if end and end > 0:
        view["end_ts"] = end
    view["manifest_digest"] = manifest.digest
    view["is_manifest_list"] = manifest.media_type in mt.INDEXES
    view["size"] = manifest_size(manifest)
    if start and start > 0:
        view["last_modified"] = format_quay_date(tag.start_time)
    if end_time is not None:
        view["expiration"] = format_quay_date(end_time)
    return view


def label_view(label: ManifestLabel) -> dict[str, Any]:
    """A label as Quay shows it."""
    return {
        "id": label.uuid,
        "key": label.key,
        "value": label.value,
        "source_type": label.source_type,
        "media_type": label.media_type,
    }


def _config(session: Session, storage: BlobStorage, digest: str) -> dict[str, Any]:
    row = session.execute(select(Blob.storage_key, Blob.size).where(Blob.digest == digest)).first()
    if row is None or row[1] > MAX_CONFIG_BYTES:
        return {}
    try:
        return _json_of(storage.read_bytes(row[0]))
    except StorageError:
        return {}


def _created(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return format_quay_date(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def _command(value: Any) -> list[Any] | None:
    if not value:
        return None
    if isinstance(value, list):
        return value
    try:
        loaded = json.loads(str(value))
    except ValueError:
        return [value]
    return loaded if isinstance(loaded, list) else [value]


def _layers(body: dict[str, Any], config: dict[str, Any]) -> list[dict[str, Any]]:
    history = [h for h in config.get("history") or [] if isinstance(h, dict) and not h.get("empty_layer")]
    layers = [layer for layer in body.get("layers") or [] if isinstance(layer, dict)]
    out: list[dict[str, Any]] = []
    for index, layer in enumerate(layers):
        step = history[index] if index < len(history) else {}
        urls = layer.get("urls") or None
        out.append(
            {
                "index": index,
                "compressed_size": layer.get("size"),
                "is_remote": bool(urls),
                "urls": urls,
                "command": _command(step.get("created_by")),
                "comment": step.get("comment"),
                "author": step.get("author"),
                "blob_digest": layer.get("digest"),
                "created_datetime": _created(step.get("created") or config.get("created")),
            }
        )
    return out


def manifest_view(session: Session, storage: BlobStorage, manifest: Manifest) -> dict[str, Any]:
    """``getRepoManifest``: the manifest's bytes, kind and layers (with the config's history)."""
    is_list = manifest.media_type in mt.INDEXES
    body = _json_of(manifest.content)
    view: dict[str, Any] = {
        "digest": manifest.digest,
        "is_manifest_list": is_list,
        "manifest_data": manifest.content.decode("utf-8", errors="replace"),
        "config_media_type": manifest.config_media_type,
        "layers_compressed_size": manifest_size(manifest),
    }
    if is_list:
        view["layers"] = None
        return view
    config_ref = body.get("config")
    config_digest = config_ref.get("digest") if isinstance(config_ref, dict) else None
    config = _config(session, storage, str(config_digest)) if config_digest else {}
    view["layers"] = _layers(body, config) or None
    return view
