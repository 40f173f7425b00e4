"""Proxy-cache configuration through ``/api/v1`` (FEATURE_PROXY_CACHE), as Quay answers.

``validateproxycache`` is tested against a fake upstream registry: a tiny ``http.server`` on a free
loopback port that answers ``/v2/`` with a ``401`` Bearer challenge and hands out a token for one
user and password. It stands in for a real upstream registry, which is not reachable from the test
machine.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from berth.auditlog.models import LogEntry
from berth.config import Settings, settings_from_mapping
from berth.proxycache.models import ProxyCacheConfig
from berth.runtime import Runtime
from tests.factories import user_with_token

URL = "/api/v1/organization/acme/proxycache"
VALIDATE = "/api/v1/organization/acme/validateproxycache"
UPSTREAM_USER = "puller"
UPSTREAM_PASSWORD = "s3cret-upstream-pw"
NONE_VIEW = {"upstream_registry": "", "expiration_s": "", "insecure": ""}


@pytest.fixture
def settings() -> Settings:
    """Defaults with FEATURE_PROXY_CACHE on (Quay's default is off)."""
    return settings_from_mapping(
        {"PASSWORD_HASH_COST": "low", "SERVER_HOSTNAME": "testserver", "FEATURE_PROXY_CACHE": True}
    )


class _FakeRegistry(BaseHTTPRequestHandler):
    """``/v2/`` behind a Bearer challenge; ``/token`` accepts only UPSTREAM_USER/UPSTREAM_PASSWORD."""

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _answer(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        """Serve ``/v2/`` and ``/token``."""
        host = self.headers.get("Host", "")
        auth = self.headers.get("Authorization", "")
        if self.path.startswith("/token"):
            expected = base64.b64encode(f"{UPSTREAM_USER}:{UPSTREAM_PASSWORD}".encode()).decode()
            if auth == f"Basic {expected}" and "service=fake-upstream" in self.path:
                self._answer(200, {"token": "good-token"})
            else:
                self._answer(401, {"errors": [{"code": "UNAUTHORIZED"}]})
        elif self.path == "/v2/":
            if auth == "Bearer good-token":
                self._answer(200, {})
            else:
                challenge = f'Bearer realm="http://{host}/token",service="fake-upstream"'
                self._answer(401, {"errors": [{"code": "UNAUTHORIZED"}]}, {"WWW-Authenticate": challenge})
        else:
            self._answer(404, {})


@pytest.fixture
def upstream() -> Iterator[str]:
    """``127.0.0.1:<port>`` of a running fake upstream registry."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeRegistry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _org(client: TestClient, runtime: Runtime) -> str:
    _, token = user_with_token(runtime)
    created = client.post(
        "/api/v1/organization/", json={"name": "acme", "email": "a@x.com"}, headers=_h(token)
    )
    assert created.status_code == 201
    return token


def _error(body: dict[str, Any], message: str) -> None:
    assert body == {
        "detail": message,
        "error_message": message,
        "error_type": "invalid_request",
        "title": "invalid_request",
        "type": "http://testserver/api/v1/error/invalid_request",
        "status": 400,
    }


def test_lifecycle_matches_quay(client: TestClient, runtime: Runtime) -> None:
    token = _org(client, runtime)
    none = client.get(URL, headers=_h(token))
    assert none.status_code == 200
    assert none.json() == NONE_VIEW
    created = client.post(URL, json={"upstream_registry": "docker.io"}, headers=_h(token))
    assert created.status_code == 201
    assert created.json() == "Created"
    shown = client.get(URL, headers=_h(token))
    assert shown.json() == {"upstream_registry": "docker.io", "expiration_s": 86400, "insecure": False}
    again = client.post(URL, json={"upstream_registry": "quay.io"}, headers=_h(token))
    assert again.status_code == 400
    _error(again.json(), "Proxy Cache Configuration already exists")
    deleted = client.delete(URL, headers=_h(token))
    assert deleted.status_code == 201
    assert deleted.json() == "Deleted"
    assert client.get(URL, headers=_h(token)).json() == NONE_VIEW
    assert client.delete(URL, headers=_h(token)).status_code == 404
    with runtime.db.transaction(write=False) as session:
        logs = session.execute(
            select(LogEntry.kind, LogEntry.metadata_json).where(LogEntry.kind.like("%proxy_cache%"))
        ).all()
    assert [(kind, meta.get("upstream_registry")) for kind, meta in logs] == [
        ("create_proxy_cache_config", "docker.io"),
        ("delete_proxy_cache_config", "docker.io"),
    ]


def test_credentials_are_stored_encrypted_and_never_shown(client: TestClient, runtime: Runtime) -> None:
    token = _org(client, runtime)
    body = {
        "org_name": "acme",
        "upstream_registry": "quay.io/someorg",
        "upstream_registry_username": UPSTREAM_USER,
        "upstream_registry_password": UPSTREAM_PASSWORD,
        "expiration_s": 3600,
        "insecure": True,
    }
    assert client.post(URL, json=body, headers=_h(token)).status_code == 201
    shown = client.get(URL, headers=_h(token))
    assert shown.json() == {"upstream_registry": "quay.io/someorg", "expiration_s": 3600, "insecure": True}
    assert UPSTREAM_PASSWORD not in shown.text
    with runtime.db.transaction(write=False) as session:
        row = session.scalars(select(ProxyCacheConfig)).one()
        stored = f"{row.upstream_username_enc} {row.upstream_password_enc}"
        logged = " ".join(json.dumps(m) for m in session.scalars(select(LogEntry.metadata_json)))
    assert UPSTREAM_PASSWORD not in stored
    assert UPSTREAM_USER not in stored
    assert UPSTREAM_PASSWORD not in logged


def test_bad_bodies_are_400(client: TestClient, runtime: Runtime) -> None:
    token = _org(client, runtime)
    for url in (URL, VALIDATE):
        null = client.post(url, json={"org_name": "acme", "upstream_registry": None}, headers=_h(token))
        assert null.status_code == 400
        # Quay's jsonschema message, byte for byte as its golden answer.
        _error(
            null.json(),
            "None is not of type 'string'\n\nFailed validating 'type' in schema['properties']"
            "['upstream_registry']:\n    {'description': 'Name of the upstream registry that is to be "
            "cached',\n     'type': 'string'}\n\nOn instance['upstream_registry']:\n    None",
        )
        missing = client.post(url, json={}, headers=_h(token))
        assert missing.status_code == 400
        assert "upstream_registry" in missing.json()["detail"]
    bad = client.post(URL, json={"upstream_registry": "quay.io", "expiration_s": "1d"}, headers=_h(token))
    assert bad.status_code == 400
    assert "expiration_s" in bad.json()["detail"]


def test_validate_against_a_fake_upstream(client: TestClient, runtime: Runtime, upstream: str) -> None:
    token = _org(client, runtime)
    anonymous = client.post(VALIDATE, json={"upstream_registry": upstream}, headers=_h(token))
    assert anonymous.status_code == 202
    assert anonymous.json() == "Anonymous"
    good = {
        "upstream_registry": upstream,
        "upstream_registry_username": UPSTREAM_USER,
        "upstream_registry_password": UPSTREAM_PASSWORD,
        "insecure": True,
    }
    valid = client.post(VALIDATE, json=good, headers=_h(token))
    assert valid.status_code == 202
    assert valid.json() == "Valid"
    wrong = client.post(VALIDATE, json={**good, "upstream_registry_password": "not-it"}, headers=_h(token))
    assert wrong.status_code == 400
    _error(wrong.json(), "Failed login to remote registry. Please verify entered details and try again.")
    # Nothing listens on port 9 of loopback: a connection failure is the same 400, never a 500.
    unreachable = client.post(VALIDATE, json={**good, "upstream_registry": "127.0.0.1:9"}, headers=_h(token))
    assert unreachable.status_code == 400
    # Validation stores nothing.
    assert client.get(URL, headers=_h(token)).json() == NONE_VIEW


def test_permissions_and_feature_flag(client: TestClient, runtime: Runtime) -> None:
    token = _org(client, runtime)
    _, outsider = user_with_token(runtime)
    assert client.post(URL, json={"upstream_registry": "docker.io"}, headers=_h(token)).status_code == 201
    for method, url in (("GET", URL), ("POST", URL), ("DELETE", URL), ("POST", VALIDATE)):
        body = {"upstream_registry": "docker.io"} if method == "POST" else None
        forbidden = client.request(method, url, json=body, headers=_h(outsider))
        assert forbidden.status_code == 403
        assert forbidden.json()["error_type"] == "insufficient_scope"
    anonymous = client.get(URL)
    assert anonymous.status_code == 401
    assert anonymous.json()["error_type"] == "invalid_token"
    nosuch = client.get("/api/v1/organization/nosuchorg/proxycache", headers=_h(outsider))
    assert nosuch.status_code == 403
    runtime.settings = replace(runtime.settings, features={**runtime.settings.features, "PROXY_CACHE": False})
    assert client.get(URL, headers=_h(token)).status_code == 404
