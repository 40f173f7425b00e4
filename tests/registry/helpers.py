"""Helpers for registry tests: Basic credentials, tokens from ``/v2/auth``, blob and manifest pushes."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from starlette.testclient import TestClient

from berth.accounts.service import get_account
from berth.repos.models import Visibility
from berth.repos.service import create_repository
from berth.runtime import Runtime
from tests.factories import PASSWORD, make_user


def new_user(runtime: Runtime) -> str:
    """Create a user (committed); returns its name."""
    with runtime.db.transaction() as session:
        return make_user(session, runtime.clock()).username


def make_repo(
    runtime: Runtime, namespace: str, name: str, *, visibility: Visibility = Visibility.PRIVATE
) -> int:
    """Create ``namespace/name`` (committed); returns its id."""
    with runtime.db.transaction() as session:
        account = get_account(session, namespace)
        assert account is not None
        repo = create_repository(
            session,
            namespace=account,
            name=name,
            visibility=visibility,
            description=None,
            actor=None,
            now=runtime.clock(),
        )
        return repo.id


def user_headers(client: TestClient, user: str, repos: list[str]) -> dict[str, str]:
    """Bearer headers of a token granting ``user`` push and pull on ``repos``."""
    return bearer(token_for(client, [push_scope(r) for r in repos], basic(user)))


def basic(username: str, password: str = PASSWORD) -> dict[str, str]:
    """A Basic ``Authorization`` header."""
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def token_for(client: TestClient, scopes: list[str], auth: dict[str, str] | None = None) -> str:
    """A registry JWT from ``/v2/auth`` for ``scopes``."""
    params: list[tuple[str, str | int | float | bool | None]] = [("service", "testserver")]
    params += [("scope", s) for s in scopes]
    response = client.get("/v2/auth", params=params, headers=auth or {})
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def bearer(token: str) -> dict[str, str]:
    """A Bearer ``Authorization`` header."""
    return {"Authorization": f"Bearer {token}"}


def push_scope(repo: str) -> str:
    """The scope asking for push and pull on ``repo``."""
    return f"repository:{repo}:push,pull"


def sha256(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def push_blob(client: TestClient, repo: str, data: bytes, headers: dict[str, str]) -> str:
    """Monolithic upload of ``data``; returns its digest."""
    digest = sha256(data)
    response = client.post(
        f"/v2/{repo}/blobs/uploads/", params={"digest": digest}, content=data, headers=headers
    )
    assert response.status_code == 201, response.text
    return digest


def image_manifest(config: bytes, layers: list[bytes], **extra: Any) -> bytes:
    """An OCI image manifest referencing ``config`` and ``layers``."""
    body: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": sha256(config),
            "size": len(config),
        },
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": sha256(layer),
                "size": len(layer),
            }
            for layer in layers
        ],
        **extra,
    }
    return json.dumps(body).encode()


def push_image(
    client: TestClient, repo: str, tag: str, headers: dict[str, str], *, layers: int = 2, seed: bytes = b""
) -> tuple[str, bytes]:
    """Push a small image under ``tag``; returns ``(manifest digest, manifest bytes)``."""
    config = b'{"architecture":"amd64","os":"linux","seed":"' + seed.hex().encode() + b'"}'
    blobs = [seed + f"layer-{i}".encode() * 100 for i in range(layers)]
    for blob in [config, *blobs]:
        push_blob(client, repo, blob, headers)
    manifest = image_manifest(config, blobs)
    response = client.put(
        f"/v2/{repo}/manifests/{tag}",
        content=manifest,
        headers={**headers, "Content-Type": "application/vnd.oci.image.manifest.v1+json"},
    )
    assert response.status_code == 201, response.text
    return response.headers["Docker-Content-Digest"], manifest
