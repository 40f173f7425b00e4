"""Credential lifecycle: expiry with the clock, scope clamping (a ``repo:read`` token cannot push; no
superuser power without ``super:user``), token assignment to another user, app-specific tokens as
``$app`` passwords, and the user's list of authorized applications."""

from __future__ import annotations

from typing import Any

import jwt
from sqlalchemy import select
from starlette.testclient import TestClient

from berth.auditlog.models import LogEntry
from berth.runtime import Runtime
from tests.api.browser import sign_up
from tests.conftest import Clock
from tests.factories import PASSWORD, make_token, user_with_token
from tests.oauth.helpers import h, make_app, make_org, mint
from tests.registry.helpers import basic, make_repo

LOCAL = "http://testserver/oauth/localapp"


def _access(client: TestClient, username: str, password: str, scope: str) -> list[dict[str, Any]]:
    response = client.get(
        "/v2/auth", params={"service": "testserver", "scope": scope}, headers=basic(username, password)
    )
    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["token"], options={"verify_signature": False})
    return list(claims["access"])


def test_a_short_token_works_then_expires(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    _, token = user_with_token(runtime)
    make_org(client, token)
    cid = make_app(client, token)["client_id"]
    short = mint(client, token, cid, "user:read", expiration=2)["token"]
    assert client.get("/api/v1/user/", headers=h(short)).status_code == 200
    clock.advance(3)
    assert client.get("/api/v1/user/", headers=h(short)).status_code == 401
    assert client.get("/api/v1/user/", headers=h(token)).status_code == 200


def test_scopes_clamp_pushes_and_superuser_power(client: TestClient, runtime: Runtime) -> None:
    owner, token = user_with_token(runtime, superuser=True)
    make_repo(runtime, owner, "app")
    reader = make_token(runtime, owner, frozenset({"repo:read", "user:read"}))
    granted = _access(client, "$oauthtoken", reader, f"repository:{owner}/app:push,pull")
    assert granted[0]["actions"] == ["pull"]
    writer = make_token(runtime, owner, frozenset({"repo:write"}))
    assert _access(client, "$oauthtoken", writer, f"repository:{owner}/app:push,pull")[0]["actions"] == [
        "push",
        "pull",
    ]
    no_super = make_token(runtime, owner, frozenset({"user:admin", "repo:admin", "org:admin"}))
    assert client.get("/api/v1/superuser/apptokens", headers=h(no_super)).status_code == 403
    assert client.get("/api/v1/superuser/apptokens", headers=h(token)).status_code == 200
    assert client.post("/api/v1/user/apptoken", json={"title": "x"}, headers=h(reader)).status_code == 403


def test_assigning_a_token_to_another_user(client: TestClient, runtime: Runtime) -> None:
    admin = sign_up(client.app, "boss")  # type: ignore[arg-type]
    admin.call("POST", "/api/v1/organization/", json={"name": "acme", "email": "acme@example.com"})
    app = admin.call("POST", "/api/v1/organization/acme/applications", json={"name": "ci"}).json()
    worker = sign_up(client.app, "worker")  # type: ignore[arg-type]
    params = {
        "username": "worker",
        "response_type": "token",
        "client_id": app["client_id"],
        "scope": "repo:create",
        "redirect_uri": LOCAL,
        "format": "json",
    }
    refused = worker.client.post(
        "/oauth/authorize/assignuser", params=params, headers={"X-CSRF-Token": worker.csrf or ""}
    )
    assert refused.status_code == 403  # only organization admins assign
    nobody = admin.client.post(
        "/oauth/authorize/assignuser",
        params={**params, "username": "ghost"},
        headers={"X-CSRF-Token": admin.csrf or ""},
    )
    assert nobody.status_code == 404
    assigned = admin.client.post(
        "/oauth/authorize/assignuser", params=params, headers={"X-CSRF-Token": admin.csrf or ""}
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json() == {"message": "Token assigned successfully"}
    notes = worker.call("GET", "/api/v1/user/notifications").json()["notifications"]
    assert [n["kind"] for n in notes] == ["assigned_authorization"]
    pending = worker.call("GET", "/api/v1/user/assignedauthorization").json()["authorizations"]
    assert len(pending) == 1
    item = pending[0]
    assert item["application"]["clientId"] == app["client_id"]
    assert item["responseType"] == "token"
    assert [s["scope"] for s in item["scopes"]] == ["repo:create"]
    # without the assignment the worker may not generate a token for this application
    form = {
        "client_id": app["client_id"],
        "redirect_uri": LOCAL,
        "scope": "repo:create",
        "response_type": "token",
    }
    plain = worker.client.post(
        "/oauth/authorizeapp", data={**form, "_csrf_token": worker.csrf or ""}, follow_redirects=False
    )
    assert "error=unauthorized_client" in plain.headers["location"]
    accepted = worker.client.post(
        "/oauth/authorizeapp",
        data={**form, "assignment_uuid": item["uuid"], "_csrf_token": worker.csrf or ""},
        follow_redirects=False,
    )
    assert "access_token=" in accepted.headers["location"]
    assert worker.call("GET", "/api/v1/user/assignedauthorization").json() == {"authorizations": []}
    with runtime.db.transaction(write=False) as session:
        entries = list(
            session.scalars(
                select(LogEntry).where(LogEntry.kind.in_(["oauth_token_assigned", "create_oauth_api_token"]))
            )
        )
    kinds = {e.kind: e.metadata_json for e in entries}
    assert kinds["oauth_token_assigned"]["assigned_user"] == "worker"
    assert kinds["oauth_token_assigned"]["assigned_by"] == "boss"
    assert kinds["create_oauth_api_token"]["assigned_by"] == "boss"
    assert all("access_token" not in str(e.metadata_json) for e in entries)


def test_declining_an_assignment(client: TestClient) -> None:
    admin = sign_up(client.app, "boss")  # type: ignore[arg-type]
    admin.call("POST", "/api/v1/organization/", json={"name": "acme", "email": "acme@example.com"})
    app = admin.call("POST", "/api/v1/organization/acme/applications", json={"name": "ci"}).json()
    worker = sign_up(client.app, "worker")  # type: ignore[arg-type]
    params = {
        "username": "worker",
        "client_id": app["client_id"],
        "scope": "repo:read",
        "redirect_uri": LOCAL,
        "format": "json",
    }
    admin.client.post(
        "/oauth/authorize/assignuser", params=params, headers={"X-CSRF-Token": admin.csrf or ""}
    )
    uuid = worker.call("GET", "/api/v1/user/assignedauthorization").json()["authorizations"][0]["uuid"]
    assert worker.call("DELETE", "/api/v1/user/assignedauthorization/fake").status_code == 404
    assert worker.call("DELETE", f"/api/v1/user/assignedauthorization/{uuid}").status_code == 204
    assert worker.call("GET", "/api/v1/user/assignedauthorization").json() == {"authorizations": []}


def test_app_tokens_like_quay_and_as_app_password(client: TestClient, runtime: Runtime) -> None:
    owner, token = user_with_token(runtime)
    make_repo(runtime, owner, "app")
    created = client.post("/api/v1/user/apptoken", json={"title": "cli token"}, headers=h(token))
    assert created.status_code == 200
    body = created.json()["token"]
    assert list(body) == ["uuid", "title", "last_accessed", "created", "expiration", "token_code"]
    assert len(body["token_code"]) == 120
    assert body["token_code"].isalnum()
    assert body["token_code"].isupper()
    assert body["created"] == "Thu, 15 Jan 2026 12:00:00 -0000"
    listed = client.get("/api/v1/user/apptoken", headers=h(token)).json()
    assert listed == {"tokens": [{k: v for k, v in body.items() if k != "token_code"}], "only_expiring": None}
    one = client.get(f"/api/v1/user/apptoken/{body['uuid']}", headers=h(token)).json()["token"]
    assert one["token_code"] is None  # stored hashed: shown once, on creation
    granted = _access(client, "$app", body["token_code"], f"repository:{owner}/app:push,pull")
    assert granted[0]["actions"] == ["push", "pull"]
    after = client.get("/api/v1/user/apptoken", headers=h(token)).json()["tokens"][0]
    assert after["last_accessed"] is not None
    bad = client.get("/v2/auth", params={"service": "testserver"}, headers=basic("$app", "A" * 120))
    assert bad.status_code == 401
    assert client.delete(f"/api/v1/user/apptoken/{body['uuid']}", headers=h(token)).status_code == 204
    gone = client.get("/v2/auth", params={"service": "testserver"}, headers=basic("$app", body["token_code"]))
    assert gone.status_code == 401
    assert client.get(f"/api/v1/user/apptoken/{body['uuid']}", headers=h(token)).status_code == 404
    assert client.post("/api/v1/user/apptoken", json={}, headers=h(token)).status_code == 400
    assert client.get("/api/v1/user/apptoken").status_code == 401


def test_referrers_token_with_basic_credentials(client: TestClient, runtime: Runtime) -> None:
    owner, _ = user_with_token(runtime)
    make_repo(runtime, owner, "listocireferrs")
    granted = _access(client, owner, PASSWORD, f"repository:{owner}/listocireferrs:pull,push")
    assert granted == [{"type": "repository", "name": f"{owner}/listocireferrs", "actions": ["pull", "push"]}]
