"""``/api/v1/user/``, ``/api/v1/users/{name}`` and ``/api/v1/user/initialize`` as Quay answers them."""

from __future__ import annotations

from starlette.testclient import TestClient

from berth.lib.scopes import ALL_SCOPES, REPO_READ, USER_READ
from berth.runtime import Runtime
from tests.factories import make_token, user_with_token

INIT = {
    "username": "admin",
    "password": "password-admin-1",
    "email": "admin@example.com",
    "access_token": True,
}


def test_initialize_creates_first_superuser_with_token(client: TestClient) -> None:
    response = client.post("/api/v1/user/initialize", json=INIT)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "username", "email", "encrypted_password"}
    assert len(body["access_token"]) == 40
    assert body["access_token"].isupper() or body["access_token"].isalnum()
    me = client.get("/api/v1/user/", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "admin"
    assert me.json()["super_user"] is True


def test_initialize_refused_once_a_user_exists(client: TestClient) -> None:
    assert client.post("/api/v1/user/initialize", json=INIT).status_code == 200
    again = client.post(
        "/api/v1/user/initialize",
        json={"username": "x2", "password": "password-x2-1", "email": "x2@example.com"},
    )
    assert again.status_code == 400
    assert again.json() == {"message": "Cannot initialize user in a non-empty database"}


def test_initialize_without_token_returns_no_token(client: TestClient) -> None:
    response = client.post("/api/v1/user/initialize", json={**INIT, "access_token": False})
    assert response.status_code == 200
    assert "access_token" not in response.json()


def test_initialize_bad_body_is_invalid_request_and_creates_nothing(client: TestClient) -> None:
    missing = client.post("/api/v1/user/initialize", json={"username": "admin"})
    assert missing.status_code == 400
    assert missing.json()["error_type"] == "invalid_request"
    assert "password" in missing.json()["detail"]
    wrong_type = client.post("/api/v1/user/initialize", json={**INIT, "password": 12345678})
    assert wrong_type.status_code == 400
    malformed = client.post(
        "/api/v1/user/initialize", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    bad_name = client.post("/api/v1/user/initialize", json={**INIT, "username": "Bad Name!"})
    assert bad_name.status_code == 400
    # Nothing was created by any of the failures: initialize still works.
    assert client.post("/api/v1/user/initialize", json=INIT).status_code == 200


def test_initialize_disabled_by_feature_flag(runtime: Runtime) -> None:
    from dataclasses import replace

    from berth.app import create_app

    settings = replace(runtime.settings, features={**runtime.settings.features, "USER_INITIALIZE": False})
    runtime.settings = settings
    with TestClient(create_app(settings, runtime)) as client:
        assert client.post("/api/v1/user/initialize", json=INIT).status_code == 404


def test_get_user_anonymous_is_401_with_session_required(client: TestClient) -> None:
    response = client.get("/api/v1/user/")
    assert response.status_code == 401
    body = response.json()
    assert body["session_required"] is False
    assert body["error_type"] == "invalid_token"
    assert body["title"] == "invalid_token"
    assert body["status"] == 401
    assert body["type"].endswith("/api/v1/error/invalid_token")
    assert body["detail"] == body["error_message"] == "Requires authentication"


def test_get_user_with_token_returns_quay_fields(client: TestClient, runtime: Runtime) -> None:
    name, token = user_with_token(runtime)
    response = client.get("/api/v1/user/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json()
    for field in (
        "anonymous",
        "username",
        "avatar",
        "can_create_repo",
        "is_me",
        "verified",
        "email",
        "logins",
        "invoice_email",
        "tag_expiration_s",
        "prompts",
        "organizations",
        "super_user",
        "quota_report",
    ):
        assert field in body
    assert body["username"] == name
    assert body["super_user"] is False
    assert body["avatar"]["kind"] == "user"


def test_invalid_or_expired_token_is_anonymous(client: TestClient, runtime: Runtime) -> None:
    name, token = user_with_token(runtime)
    wrong = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    assert client.get("/api/v1/user/", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
    short = make_token(runtime, name, ALL_SCOPES, lifetime_s=2)
    assert client.get("/api/v1/user/", headers={"Authorization": f"Bearer {short}"}).status_code == 200
    runtime.clock.advance(3)  # type: ignore[attr-defined]
    assert client.get("/api/v1/user/", headers={"Authorization": f"Bearer {short}"}).status_code == 401


def test_basic_auth_is_ignored_on_api(client: TestClient, runtime: Runtime) -> None:
    name, _ = user_with_token(runtime)
    response = client.get("/api/v1/user/", auth=(name, "correct-horse-battery"))
    assert response.status_code == 401


def test_scope_clamping_on_user_endpoint(client: TestClient, runtime: Runtime) -> None:
    name, _ = user_with_token(runtime)
    repo_only = make_token(runtime, name, frozenset({REPO_READ}))
    user_read = make_token(runtime, name, frozenset({USER_READ}))
    assert client.get("/api/v1/user/", headers={"Authorization": f"Bearer {repo_only}"}).status_code == 401
    assert client.get("/api/v1/user/", headers={"Authorization": f"Bearer {user_read}"}).status_code == 200


def test_superuser_needs_super_user_scope(client: TestClient, runtime: Runtime) -> None:
    name, _ = user_with_token(runtime, superuser=True)
    without = make_token(runtime, name, ALL_SCOPES - {"super:user"})
    response = client.get("/api/v1/user/", headers={"Authorization": f"Bearer {without}"})
    assert response.json()["super_user"] is False
    full = make_token(runtime, name, ALL_SCOPES)
    assert (
        client.get("/api/v1/user/", headers={"Authorization": f"Bearer {full}"}).json()["super_user"] is True
    )


def test_public_user_information(client: TestClient, runtime: Runtime) -> None:
    name, _ = user_with_token(runtime)
    response = client.get(f"/api/v1/users/{name}")
    assert response.status_code == 200
    assert response.json() == {
        "anonymous": False,
        "username": name,
        "avatar": response.json()["avatar"],
    }
    missing = client.get("/api/v1/users/nosuchuser")
    assert missing.status_code == 404
    assert missing.json()["error_type"] == "not_found"


def test_token_use_is_recorded(client: TestClient, runtime: Runtime) -> None:
    from sqlalchemy import select

    from berth.oauth.models import OAuthAccessToken

    _, token = user_with_token(runtime)
    client.get("/api/v1/user/", headers={"Authorization": f"Bearer {token}"})
    with runtime.db.transaction(write=False) as session:
        row = session.scalar(select(OAuthAccessToken).where(OAuthAccessToken.lookup == token[:20]))
        assert row is not None
        assert row.last_accessed == runtime.clock()
        assert row.secret_hash != token[20:]  # only the SHA-256 of the secret is stored
