"""Reading a pushed manifest: its kind, the blobs and manifests it references, its subject."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from berth.errors import ManifestInvalid
from berth.lib import mediatypes as mt
from berth.lib.digests import Digest, parse_digest

MAX_MANIFEST_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class ParsedManifest:
    """What Berth needs to know about a manifest besides its bytes."""

    media_type: str
    config_media_type: str | None = None
    artifact_type: str | None = None
    subject: Digest | None = None
    blobs: tuple[Digest, ...] = ()
    children: tuple[Digest, ...] = ()
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def is_index(self) -> bool:
        """Whether this is an index / manifest list."""
        return self.media_type in mt.INDEXES


def _invalid(message: str) -> ManifestInvalid:
    return ManifestInvalid("manifest invalid", detail={"message": message})


def _descriptor_digest(descriptor: Any, where: str) -> Digest:
    if not isinstance(descriptor, dict):
        raise _invalid(f"{where} must be a descriptor object")
    digest = parse_digest(str(descriptor.get("digest", "")))
    if digest is None:
        raise _invalid(f"{where} has an invalid digest")
    size = descriptor.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise _invalid(f"{where} has an invalid size")
    return digest


def _media_type(body: dict[str, Any], content_type: str | None) -> str:
    declared = body.get("mediaType")
    header = (content_type or "").split(";", 1)[0].strip()
    if declared is not None and not isinstance(declared, str):
        raise _invalid("mediaType must be a string")
    if declared and header in mt.MANIFEST_TYPES and declared != header:
        raise _invalid(f"mediaType {declared} does not match Content-Type {header}")
    chosen = declared or (header if header in mt.MANIFEST_TYPES else "")
    if not chosen:
        chosen = mt.OCI_INDEX if "manifests" in body else mt.OCI_MANIFEST
    if chosen not in mt.MANIFEST_TYPES:
        raise _invalid(f"unsupported manifest media type {chosen}")
    return chosen


def parse_manifest(raw: bytes, content_type: str | None) -> ParsedManifest:
    """Validate ``raw`` as a Docker schema 2 / OCI manifest or index."""
    if len(raw) > MAX_MANIFEST_BYTES:
        raise _invalid("manifest is too large")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _invalid("manifest is not valid JSON") from None
    if not isinstance(body, dict):
        raise _invalid("manifest must be a JSON object")
    if body.get("schemaVersion") != 2:
        raise _invalid("only schemaVersion 2 manifests are supported")
    media_type = _media_type(body, content_type)
    artifact_type = body.get("artifactType")
    if artifact_type is not None and not isinstance(artifact_type, str):
        raise _invalid("artifactType must be a string")
    subject = _descriptor_digest(body["subject"], "subject") if body.get("subject") is not None else None
    annotations = body.get("annotations") or {}
    if not isinstance(annotations, dict):
        raise _invalid("annotations must be an object")
    if media_type in mt.INDEXES:
        manifests = body.get("manifests")
        if not isinstance(manifests, list):
            raise _invalid("an index needs a manifests array")
        children = tuple(_descriptor_digest(d, f"manifests[{i}]") for i, d in enumerate(manifests))
        return ParsedManifest(media_type, None, artifact_type, subject, (), children, annotations)
    config = body.get("config")
    layers = body.get("layers")
    if not isinstance(layers, list):
        raise _invalid("a manifest needs a layers array")
    blobs = [_descriptor_digest(config, "config")]
    for i, layer in enumerate(layers):
        digest = _descriptor_digest(layer, f"layers[{i}]")
        if layer.get("mediaType") in mt.FOREIGN_LAYERS and layer.get("urls"):
            continue  # foreign layers live elsewhere
        blobs.append(digest)
    config_type = config.get("mediaType") if isinstance(config, dict) else None
    return ParsedManifest(
        media_type,
        str(config_type) if config_type else None,
        artifact_type,
        subject,
        tuple(dict.fromkeys(blobs)),
        (),
        annotations,
    )
