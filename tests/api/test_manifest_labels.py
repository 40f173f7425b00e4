"""Manifests, labels and security through ``/api/v1`` (guide sections 6.7 and 6.16)."""

from __future__ import annotations

import json
from dataclasses import replace

from starlette.testclient import TestClient

from berth.app import create_app
from berth.config import FEATURE_DEFAULTS
from berth.runtime import Runtime
from tests.conftest import Clock
from tests.factories import make_token
from tests.registry.helpers import image_manifest, make_repo, new_user, push_blob, push_image, user_headers


def _push_labelled(
    client: TestClient, repo: str, tag: str, headers: dict[str, str], labels: dict[str, str]
) -> str:
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": "2024-01-01T00:00:00Z",
            "config": {"Labels": labels},
            "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "oracle"}],
        }
    ).encode()
    layer = b"labelled-layer" * 10
    push_blob(client, repo, config, headers)
    push_blob(client, repo, layer, headers)
    response = client.put(
        f"/v2/{repo}/manifests/{tag}",
        content=image_manifest(config, [layer]),
        headers={**headers, "Content-Type": "application/vnd.oci.image.manifest.v1+json"},
    )
    assert response.status_code == 201, response.text
    return response.headers["Docker-Content-Digest"]


def _world(client: TestClient, runtime: Runtime) -> tuple[str, dict[str, str], dict[str, str]]:
    user = new_user(runtime)
    make_repo(runtime, user, "app")
    repo = f"{user}/app"
    return repo, user_headers(client, user, [repo]), {"Authorization": f"Bearer {make_token(runtime, user)}"}


def test_manifest_details(client: TestClient, runtime: Runtime) -> None:
    repo, v2, api = _world(client, runtime)
    digest = _push_labelled(client, repo, "latest", v2, {"org.example.oracle": "yes"})
    response = client.get(f"/api/v1/repository/{repo}/manifest/{digest}", headers=api)
    assert response.status_code == 200
    body = response.json()
    assert body["digest"] == digest
    assert body["is_manifest_list"] is False
    assert json.loads(body["manifest_data"])["schemaVersion"] == 2
    assert body["config_media_type"] == "application/vnd.oci.image.config.v1+json"
    assert body["layers_compressed_size"] == len(b"labelled-layer" * 10)
    assert body["layers"] == [
        {
            "index": 0,
            "compressed_size": len(b"labelled-layer" * 10),
            "is_remote": False,
            "urls": None,
            "command": ["oracle"],
            "comment": None,
            "author": None,
            "blob_digest": json.loads(body["manifest_data"])["layers"][0]["digest"],
            "created_datetime": "Mon, 01 Jan 2024 00:00:00 -0000",
        }
    ]
    missing = client.get(f"/api/v1/repository/{repo}/manifest/sha256:{'1' * 64}", headers=api)
    assert missing.status_code == 404
    assert missing.json()["error_type"] == "not_found"
    assert client.get(f"/api/v1/repository/{repo}/manifest/latest", headers=api).status_code == 404


def test_labels_from_image_and_api(client: TestClient, runtime: Runtime) -> None:
    repo, v2, api = _world(client, runtime)
    digest = _push_labelled(client, repo, "latest", v2, {"org.example.oracle": "yes"})
    base = f"/api/v1/repository/{repo}/manifest/{digest}/labels"
    listed = client.get(base, headers=api).json()["labels"]
    assert [(x["key"], x["value"], x["source_type"], x["media_type"]) for x in listed] == [
        ("org.example.oracle", "yes", "manifest", "text/plain")
    ]
    added = client.post(
        base, json={"key": "com.example.env", "value": "prod", "media_type": "text/plain"}, headers=api
    )
    assert added.status_code == 201
    label = added.json()["label"]
    assert label["source_type"] == "api"
    assert label["key"] == "com.example.env"
    assert added.headers["Location"].endswith(f"/labels/{label['id']}")
    bad = client.post(base, json={"key": "k", "value": "v", "media_type": "text/html"}, headers=api)
    assert bad.status_code == 400
    assert bad.json()["detail"].startswith(
        "'text/html' is not one of ['text/plain', 'application/json', None]"
    )
    assert (
        client.post(base, json={"key": "Bad Key!", "value": "v", "media_type": None}, headers=api).status_code
        == 400
    )
    reserved = client.post(base, json={"key": "com.docker.x", "value": "v", "media_type": None}, headers=api)
    assert reserved.status_code == 400
    assert reserved.json() == {"message": "Label has a reserved prefix"}
    assert client.post(base, json={"key": "k", "value": "v"}, headers=api).status_code == 400
    assert len(client.get(base, headers=api).json()["labels"]) == 2
    assert len(client.get(base + "?filter=com.", headers=api).json()["labels"]) == 1
    one = client.get(f"{base}/{label['id']}", headers=api)
    assert one.status_code == 200
    assert one.json() == label
    assert client.delete(f"{base}/{label['id']}", headers=api).status_code == 204
    assert client.get(f"{base}/{label['id']}", headers=api).status_code == 404
    assert client.delete(f"{base}/{label['id']}", headers=api).status_code == 404


def test_expires_after_label_sets_tag_expiration(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    repo, v2, api = _world(client, runtime)
    _push_labelled(client, repo, "temp", v2, {"quay.expires-after": "2h"})
    tag = client.get(f"/api/v1/repository/{repo}/tag/", headers=api).json()["tags"][0]
    assert tag["end_ts"] == int(clock.now.timestamp()) + 7200
    clock.advance(7201)
    assert client.get(f"/api/v1/repository/{repo}/tag/?onlyActiveTags=true", headers=api).json()["tags"] == []


def test_security_unsupported_not_queued(client: TestClient, runtime: Runtime) -> None:
    repo, v2, api = _world(client, runtime)
    digest, _ = push_image(client, repo, "latest", v2)
    url = f"/api/v1/repository/{repo}/manifest/{digest}/security?vulnerabilities=true"
    assert client.get(url, headers=api).status_code == 404  # FEATURE_SECURITY_SCANNER is off by default
    settings = replace(runtime.settings, features={**FEATURE_DEFAULTS, "SECURITY_SCANNER": True})
    with TestClient(create_app(settings, replace(runtime, settings=settings))) as scanning:
        response = scanning.get(url, headers=api)
        assert response.status_code == 200
        assert response.json() == {"status": "unsupported", "data": None}
        missing = scanning.get(f"/api/v1/repository/{repo}/manifest/sha256:{'2' * 64}/security", headers=api)
        assert missing.status_code == 404
        assert scanning.get(url).status_code == 401
