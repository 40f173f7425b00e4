"""Media types of the manifests and artifacts the registry stores."""

from __future__ import annotations

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"

IMAGE_MANIFESTS = frozenset({DOCKER_MANIFEST, OCI_MANIFEST})
INDEXES = frozenset({DOCKER_MANIFEST_LIST, OCI_INDEX})
MANIFEST_TYPES = IMAGE_MANIFESTS | INDEXES

FOREIGN_LAYERS = frozenset(
    {
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    }
)


def accepted_types(header: str | None) -> frozenset[str] | None:
    """The media types an ``Accept`` header lists (parameters dropped); None when it accepts anything.

    No header, an empty one or a ``*/*`` entry accepts anything; ``q=0`` entries are refused types.
    """
    if not header or not header.strip():
        return None
    types: set[str] = set()
    for entry in header.split(","):
        media_type, *params = (part.strip() for part in entry.split(";"))
        if any(param.replace(" ", "").lower() in ("q=0", "q=0.0", "q=0.00", "q=0.000") for param in params):
            continue
        if media_type in ("*/*", "application/*"):
            return None
        if media_type:
            types.add(media_type.lower())
    return frozenset(types)
