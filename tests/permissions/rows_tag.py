"""Matrix rows for tags (list, create/move, delete, restore, permanent delete).

``matrixorg/private`` holds a manifest tagged ``latest`` (seeded through the services). Reads need
repo read, changes repo write; ``member``/``creator`` hold no role on the repository, superusers get
no bypass (FEATURE_SUPERUSERS_FULL_ACCESS off), anonymous non-GET calls fail CSRF (403).
"""

from __future__ import annotations

import hashlib
import json

from berth.content.blobs import store_blob
from berth.content.labels import add_label
from berth.content.manifests import push_manifest
from berth.content.parsing import parse_manifest
from berth.lib.digests import parse_digest
from berth.repos.service import get_repository, handle_of
from tests.permissions.dsl import Row, route
from tests.permissions.world import ORG, World

CONFIG = b'{"architecture":"amd64","os":"linux","config":{"Labels":{"org.example.seed":"yes"}}}'
LAYER = b"matrix layer" * 10
OCI = "application/vnd.oci.image.manifest.v1+json"


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": OCI,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": _sha(CONFIG),
            "size": len(CONFIG),
        },
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": _sha(LAYER),
                "size": len(LAYER),
            }
        ],
    }
).encode()
DIGEST = _sha(MANIFEST)


def seed_manifest(world: World) -> None:
    """Push a manifest tagged ``latest`` into ``matrixorg/private``, with an API label (``{label}``)."""
    runtime = world.runtime
    now = runtime.clock()
    with runtime.db.transaction() as session:
        repo = get_repository(session, ORG, "private")
        assert repo is not None
        handle = handle_of(repo, ORG)
        for blob in (CONFIG, LAYER):
            digest = parse_digest(_sha(blob))
            assert digest is not None
            key = f"uploads/seed-{digest.hex}"
            runtime.storage.write(key, [blob])
            store_blob(
                session, runtime.storage, repository_id=repo.id, staging_key=key, digest=digest, now=now
            )
        manifest_digest = parse_digest(DIGEST)
        assert manifest_digest is not None
        manifest = push_manifest(
            session,
            handle,
            raw=MANIFEST,
            parsed=parse_manifest(MANIFEST, OCI),
            digest=manifest_digest,
            tag="latest",
            actor=None,
            now=now,
            storage=runtime.storage,
        )
        label = add_label(
            session, handle, manifest, key="seed", value="v", media_type=None, actor=None, now=now
        )
        world.names["label"] = label.uuid


_TAG = "/api/v1/repository/{repository}/tag/{tag}"
_READERS = {"reader": 200, "writer": 200, "repo_admin": 200, "org_admin": 200}

ROWS: list[Row] = [
    *route(
        "GET",
        "/api/v1/repository/{repository}/tag/",
        setup=seed_manifest,
        anonymous=401,
        expect=_READERS,
        default=403,
    ),
    *route(
        "GET",
        "/api/v1/repository/{repository}/tag/",
        args={"repository": "{org}/missing"},
        note="(missing)",
        anonymous=401,
        org_admin=404,
        default=403,
    ),
    *route(
        "PUT",
        _TAG,
        args={"tag": "stable"},
        body={"manifest_digest": DIGEST},
        setup=seed_manifest,
        writer=201,
        repo_admin=201,
        org_admin=201,
        default=403,
    ),
    *route(
        "DELETE",
        _TAG,
        args={"tag": "latest"},
        setup=seed_manifest,
        writer=204,
        repo_admin=204,
        org_admin=204,
        default=403,
    ),
    *route(
        "POST",
        _TAG + "/restore",
        args={"tag": "older"},
        body={"manifest_digest": DIGEST},
        setup=seed_manifest,
        writer=200,
        repo_admin=200,
        org_admin=200,
        default=403,
    ),
    *route(
        "POST",
        _TAG + "/expire",
        args={"tag": "latest"},
        body={"is_alive": True},
        note="(PERMANENTLY_DELETE_TAGS off)",
        default=404,
    ),
]
