"""Malformed requests get a 4xx OCI answer, never a 500, and store nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from berth.content.models import Blob, Manifest
from berth.runtime import Runtime
from tests.registry.helpers import basic, bearer, make_repo, new_user, user_headers

OCI = "application/vnd.oci.image.manifest.v1+json"

BAD_MANIFESTS = [
    b"",
    b"{",
    b"null",
    b'{"schemaVersion": "2"}',
    b'{"schemaVersion": 2, "config": null, "layers": []}',
    b'{"schemaVersion": 2, "config": {"digest": "sha256:00", "size": 1}, "layers": []}',
    b'{"schemaVersion": 2, "config": {"digest": "sha256:' + b"0" * 64 + b'", "size": -1}, "layers": []}',
    b'{"schemaVersion": 2, "config": {"digest": "sha256:' + b"0" * 64 + b'", "size": 1}, "layers": [7]}',
    b'{"schemaVersion": 2, "config": {"digest": "sha256:' + b"0" * 64 + b'", "size": 1}, "layers": {}}',
    b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [null]}',
    b'{"schemaVersion": 2, "manifests": [], "annotations": []}',
    b'{"schemaVersion": 2, "manifests": [], "artifactType": 5}',
    b'{"schemaVersion": 2, "manifests": [], "subject": {"digest": "x"}}',
    b"\xff\xfe",
]


@pytest.mark.parametrize("body", BAD_MANIFESTS)
def test_bad_manifests(runtime: Runtime, client: TestClient, body: bytes) -> None:
    user = new_user(runtime)
    make_repo(runtime, user, "app")
    headers = user_headers(client, user, [f"{user}/app"])
    response = client.put(
        f"/v2/{user}/app/manifests/tag", content=body, headers={**headers, "Content-Type": OCI}
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["code"] == "MANIFEST_INVALID"
    with runtime.db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Manifest)) == 0


def test_odd_requests_never_fail_with_500(runtime: Runtime, client: TestClient) -> None:
    user = new_user(runtime)
    make_repo(runtime, user, "app")
    headers = user_headers(client, user, [f"{user}/app"])
    repo = f"{user}/app"
    attempts: list[tuple[str, str, dict[str, str]]] = [
        ("GET", f"/v2/{repo}/blobs/uploads/not-an-upload", {}),
        ("PATCH", f"/v2/{repo}/blobs/uploads/not-an-upload", {}),
        ("PUT", f"/v2/{repo}/blobs/uploads/not-an-upload?digest=sha256:00", {}),
        ("DELETE", f"/v2/{repo}/blobs/uploads/not-an-upload", {}),
        ("GET", f"/v2/{repo}/blobs/not-a-digest", {}),
        ("GET", f"/v2/{repo}/manifests/sha256:short", {}),
        ("PUT", f"/v2/{repo}/manifests/sha256:short", {}),
        ("DELETE", f"/v2/{repo}/manifests/sha256:short", {}),
        ("GET", f"/v2/{repo}/referrers/not-a-digest", {}),
        ("GET", f"/v2/{repo}/tags/list?n=-1", {}),
        ("GET", "/v2/_catalog?n=abc", {}),
        ("GET", "/v2/_catalog?last=no/such/repo", {}),
        ("GET", "/v2/justonesegment/tags/list", {}),
        ("GET", f"/v2/{user}/../etc/tags/list", {}),
        ("GET", "/v2/auth?scope=repository:a:pull", {}),
        ("GET", "/v2/auth?scope=repository:a/b:pull&scope=", {}),
    ]
    for method, path, extra in attempts:
        response = client.request(method, path, headers={**headers, **extra})
        assert response.status_code < 500, (method, path, response.status_code, response.text)
        if response.status_code >= 400:
            assert "errors" in response.json() or "error" in response.json()
    for auth in (
        {"Authorization": "Basic !!!"},
        {"Authorization": "Bearer "},
        basic("", ""),
        bearer("a.b.c"),
    ):
        for path in ("/v2/", "/v2/auth", f"/v2/{repo}/tags/list"):
            status = client.get(path, headers=auth).status_code
            assert status in (200, 400, 401), (auth, path, status)
    location = client.post(f"/v2/{repo}/blobs/uploads/", headers=headers).headers["Location"]
    bad_range = client.patch(
        location,
        content=b"x",
        headers={**headers, "Content-Range": "garbage"},
    )
    assert bad_range.status_code == 416
    with runtime.db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Blob)) == 0
