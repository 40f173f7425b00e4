"""Matrix rows for manifests, labels and security (the manifest is seeded as in ``rows_tag``)."""

from __future__ import annotations

from tests.permissions.dsl import Row, route
from tests.permissions.rows_tag import DIGEST, seed_manifest

_MANIFEST = "/api/v1/repository/{repository}/manifest/{manifestref}"
_LABEL = _MANIFEST + "/labels/{labelid}"
_ARGS = {"manifestref": DIGEST}
_READERS = {"reader": 200, "writer": 200, "repo_admin": 200, "org_admin": 200}

ROWS: list[Row] = [
    *route("GET", _MANIFEST, args=_ARGS, setup=seed_manifest, anonymous=401, expect=_READERS, default=403),
    *route(
        "GET",
        _MANIFEST + "/labels",
        args=_ARGS,
        setup=seed_manifest,
        anonymous=401,
        expect=_READERS,
        default=403,
    ),
    *route(
        "POST",
        _MANIFEST + "/labels",
        args=_ARGS,
        body={"key": "com.example.k", "value": "v", "media_type": "text/plain"},
        setup=seed_manifest,
        writer=201,
        repo_admin=201,
        org_admin=201,
        default=403,
    ),
    *route(
        "GET",
        _LABEL,
        args={**_ARGS, "labelid": "{label}"},
        setup=seed_manifest,
        anonymous=401,
        expect=_READERS,
        default=403,
    ),
    *route(
        "DELETE",
        _LABEL,
        args={**_ARGS, "labelid": "{label}"},
        setup=seed_manifest,
        writer=204,
        repo_admin=204,
        org_admin=204,
        default=403,
    ),
    *route(
        "GET",
        _MANIFEST + "/security",
        args=_ARGS,
        note="(SECURITY_SCANNER off)",
        default=404,
    ),
]
