"""End-to-end push and pull through the ASGI app with a token from ``/v2/auth``."""

from __future__ import annotations

from starlette.testclient import TestClient

from berth.runtime import Runtime
from tests.factories import make_user
from tests.registry.helpers import basic, bearer, push_image, push_scope, token_for


def test_push_then_pull(runtime: Runtime, client: TestClient) -> None:
    with runtime.db.transaction() as session:
        user = make_user(session, runtime.clock()).username
    repo = f"{user}/app"
    headers = bearer(token_for(client, [push_scope(repo)], basic(user)))
    digest, manifest = push_image(client, repo, "latest", headers)
    got = client.get(f"/v2/{repo}/manifests/latest", headers=headers)
    assert got.status_code == 200
    assert got.content == manifest
    assert got.headers["Docker-Content-Digest"] == digest
