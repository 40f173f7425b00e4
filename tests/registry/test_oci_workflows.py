"""The OCI distribution-spec workflows (pull, push, content discovery, content management) over real
HTTP against a real ``berth serve``, with bodies large enough to cross the streaming buffers.

The tests are one story told in order (push, then pull, discovery, management) on one server."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator

import httpx
import pytest

from tests.registry.server import Server

OCI = "application/vnd.oci.image.manifest.v1+json"
MIB = 1024 * 1024


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    """A client holding a token with push and pull on ``alice/oci`` and ``alice/other``."""
    params: list[tuple[str, str | int | float | bool | None]] = [("service", server.host)]
    params += [("scope", f"repository:alice/{name}:push,pull") for name in ("oci", "other")]
    token = httpx.get(f"{server.url}/v2/auth", params=params, auth=(server.username, server.password)).json()[
        "token"
    ]
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as client:
        yield client


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _manifest(config: bytes, layers: list[bytes], **extra: object) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": _digest(config),
                "size": len(config),
            },
            "layers": [
                {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": _digest(b), "size": len(b)}
                for b in layers
            ],
            **extra,
        }
    ).encode()


def _put_manifest(http: httpx.Client, repo: str, reference: str, body: bytes) -> httpx.Response:
    return http.put(f"/v2/{repo}/manifests/{reference}", content=body, headers={"Content-Type": OCI})


def test_push_workflow_large_chunked_and_monolithic(http: httpx.Client) -> None:
    big = os.urandom(20 * MIB + 123)
    start = http.post("/v2/alice/oci/blobs/uploads/")
    assert start.status_code == 202
    location = start.headers["Location"]
    for offset in range(0, len(big), 6 * MIB):
        piece = big[offset : offset + 6 * MIB]
        patch = http.patch(
            location, content=piece, headers={"Content-Range": f"{offset}-{offset + len(piece) - 1}"}
        )
        assert patch.status_code == 202, patch.text
        assert patch.headers["Range"] == f"0-{offset + len(piece) - 1}"
        location = patch.headers["Location"]
    assert http.put(location, params={"digest": _digest(big)}).status_code == 201
    single = os.urandom(9 * MIB)

    def stream() -> Iterator[bytes]:
        for offset in range(0, len(single), 64 * 1024):
            yield single[offset : offset + 64 * 1024]

    posted = http.post("/v2/alice/oci/blobs/uploads/", params={"digest": _digest(single)}, content=stream())
    assert posted.status_code == 201
    empty = http.post("/v2/alice/oci/blobs/uploads/")
    assert http.put(empty.headers["Location"], params={"digest": _digest(b"")}).status_code == 201
    config = b'{"os":"linux"}'
    assert (
        http.post(
            "/v2/alice/oci/blobs/uploads/", params={"digest": _digest(config)}, content=config
        ).status_code
        == 201
    )
    manifest = _manifest(config, [big, single, b""])
    assert _put_manifest(http, "alice/oci", "v1", manifest).status_code == 201


def test_pull_workflow(http: httpx.Client) -> None:
    got = http.get("/v2/alice/oci/manifests/v1")
    assert got.status_code == 200
    manifest = got.json()
    digest = got.headers["Docker-Content-Digest"]
    assert digest == _digest(got.content)
    assert http.head(f"/v2/alice/oci/manifests/{digest}").headers["Content-Length"] == str(len(got.content))
    for layer in manifest["layers"]:
        hasher = hashlib.sha256()
        with http.stream("GET", f"/v2/alice/oci/blobs/{layer['digest']}") as response:
            assert response.status_code == 200
            assert response.headers["Content-Length"] == str(layer["size"])
            for piece in response.iter_bytes():
                hasher.update(piece)
        assert "sha256:" + hasher.hexdigest() == layer["digest"]
    big = manifest["layers"][0]
    part = http.get(f"/v2/alice/oci/blobs/{big['digest']}", headers={"Range": "bytes=1048576-1048585"})
    assert part.status_code == 206
    assert len(part.content) == 10
    missing = http.get("/v2/alice/oci/manifests/nope")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"
    assert http.get(f"/v2/alice/oci/blobs/{_digest(b'never pushed')}").status_code == 404


def test_push_error_cases(http: httpx.Client) -> None:
    location = http.post("/v2/alice/oci/blobs/uploads/").headers["Location"]
    http.patch(location, content=b"abc", headers={"Content-Range": "0-2"})
    skipped = http.patch(location, content=b"xyz", headers={"Content-Range": "10-12"})
    assert skipped.status_code == 416
    assert skipped.headers["Range"] == "0-2"
    wrong = http.put(location, params={"digest": _digest(b"something else")})
    assert wrong.status_code == 400
    assert http.get(location).status_code == 404
    unknown = _manifest(b"{}", [b"no such layer"])
    refused = _put_manifest(http, "alice/oci", "broken", unknown)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "MANIFEST_INVALID"
    assert http.get("/v2/alice/oci/manifests/broken").status_code == 404


def test_mount_and_content_discovery(http: httpx.Client) -> None:
    config = b'{"os":"linux"}'
    mounted = http.post(
        "/v2/alice/other/blobs/uploads/", params={"mount": _digest(config), "from": "alice/oci"}
    )
    assert mounted.status_code == 201
    unknown = http.post(
        "/v2/alice/other/blobs/uploads/", params={"mount": _digest(b"zzz"), "from": "alice/oci"}
    )
    assert unknown.status_code == 202
    subject = http.get("/v2/alice/oci/manifests/v1")
    empty = b"{}"
    http.post("/v2/alice/oci/blobs/uploads/", params={"digest": _digest(empty)}, content=empty)
    referrer = _manifest(
        empty,
        [],
        artifactType="application/vnd.example.sig",
        subject={
            "mediaType": OCI,
            "digest": subject.headers["Docker-Content-Digest"],
            "size": len(subject.content),
        },
    )
    put = _put_manifest(http, "alice/oci", _digest(referrer), referrer)
    assert put.headers["OCI-Subject"] == subject.headers["Docker-Content-Digest"]
    listed = http.get(f"/v2/alice/oci/referrers/{subject.headers['Docker-Content-Digest']}")
    assert [m["artifactType"] for m in listed.json()["manifests"]] == ["application/vnd.example.sig"]
    for tag in ("v2", "v3"):
        assert _put_manifest(http, "alice/oci", tag, subject.content).status_code == 201
    page = http.get("/v2/alice/oci/tags/list", params={"n": 2})
    assert page.json()["tags"] == ["v1", "v2"]
    assert 'rel="next"' in page.headers["Link"]
    assert http.get("/v2/alice/oci/tags/list", params={"last": "v2"}).json()["tags"] == ["v3"]


def test_content_management(http: httpx.Client) -> None:
    subject = http.get("/v2/alice/oci/manifests/v1")
    digest = subject.headers["Docker-Content-Digest"]
    assert http.delete("/v2/alice/oci/manifests/v3").status_code == 202
    assert http.get("/v2/alice/oci/tags/list").json()["tags"] == ["v1", "v2"]
    assert http.delete(f"/v2/alice/oci/manifests/{digest}").status_code == 202
    assert http.get(f"/v2/alice/oci/manifests/{digest}").status_code == 404
    assert http.get("/v2/alice/oci/tags/list").json()["tags"] == []
    layer = subject.json()["layers"][1]["digest"]
    assert http.delete(f"/v2/alice/oci/blobs/{layer}").status_code == 405
