"""Superuser management of users and organizations, as in Quay's golden exchanges (seq 7-11)."""

from __future__ import annotations

import re

from sqlalchemy import select
from starlette.testclient import TestClient

from berth.auditlog.models import LogEntry
from berth.lib.scopes import ALL_SCOPES, SUPER_USER
from berth.runtime import Runtime
from tests.factories import make_token, user_with_token
from tests.registry.helpers import basic

USER_KEYS = [
    "kind",
    "name",
    "username",
    "email",
    "verified",
    "avatar",
    "super_user",
    "global_readonly_super_user",
    "enabled",
    "quotas",
    "quota_report",
]


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _v2_login(client: TestClient, username: str, password: str) -> int:
    return client.get(
        "/v2/auth", params={"service": "testserver"}, headers=basic(username, password)
    ).status_code


def _kinds(runtime: Runtime) -> list[str]:
    with runtime.db.transaction() as session:
        return list(session.scalars(select(LogEntry.kind)))


def test_create_list_get_users_as_quay(client: TestClient, runtime: Runtime) -> None:
    admin, token = user_with_token(runtime, superuser=True)
    created = client.post(
        "/api/v1/superuser/users/",
        json={"username": "alice", "email": "alice@example.com"},
        headers=_h(token),
    )
    assert created.status_code == 200
    body = created.json()
    assert list(body) == ["username", "email", "password", "encrypted_password"]
    assert body["username"] == "alice"
    assert re.fullmatch(r"[A-Z0-9]{32}", body["password"])
    assert _v2_login(client, "alice", body["password"]) == 200
    assert _v2_login(client, "alice", body["encrypted_password"]) == 200
    dup = client.post(
        "/api/v1/superuser/users/", json={"username": "alice", "email": "a2@example.com"}, headers=_h(token)
    )
    assert dup.status_code == 400
    assert dup.json() == {"message": "Username has already been taken by user cannot be reused: alice"}
    no_email = client.post("/api/v1/superuser/users/", json={"username": "foo"}, headers=_h(token))
    assert no_email.json() == {"message": "Invalid email address: None"}
    bad_name = client.post(
        "/api/v1/superuser/users/", json={"username": "Bad Name", "email": "b@x.com"}, headers=_h(token)
    )
    assert bad_name.status_code == 400
    assert set(bad_name.json()) == {"message"}

    listed = client.get("/api/v1/superuser/users/", headers=_h(token)).json()
    assert [u["username"] for u in listed["users"]] == [admin, "alice"]
    assert list(listed["users"][1]) == USER_KEYS
    assert listed["users"][0]["super_user"] is True
    got = client.get("/api/v1/superuser/users/alice", headers=_h(token))
    assert got.json() == listed["users"][1]
    assert client.get("/api/v1/superuser/users/nobody", headers=_h(token)).status_code == 404
    client.post("/api/v1/organization/", json={"name": "acme", "email": "acme@x.com"}, headers=_h(token))
    assert client.get("/api/v1/superuser/users/acme", headers=_h(token)).status_code == 404
    assert _kinds(runtime).count("user_create") == 1  # factory users are not logged


def test_change_disable_and_delete_users(client: TestClient, runtime: Runtime) -> None:
    admin, token = user_with_token(runtime, superuser=True)
    alice, alice_token = user_with_token(runtime)
    changed = client.put(
        f"/api/v1/superuser/users/{alice}",
        json={"email": "new@example.com", "password": "brand-new-password"},
        headers=_h(token),
    )
    assert changed.status_code == 200
    assert changed.json()["email"] == "new@example.com"
    assert list(changed.json()) == [*USER_KEYS, "encrypted_password"]
    assert _v2_login(client, alice, "brand-new-password") == 200
    assert _v2_login(client, alice, "correct-horse-battery") == 401
    taken = client.put(
        f"/api/v1/superuser/users/{alice}", json={"email": f"{admin}@example.com"}, headers=_h(token)
    )
    assert taken.status_code == 400
    short = client.put(
        f"/api/v1/superuser/users/{alice}", json={"password": "short", "email": "x@y.com"}, headers=_h(token)
    )
    assert short.status_code == 400
    assert (
        client.get(f"/api/v1/superuser/users/{alice}", headers=_h(token)).json()["email"] == "new@example.com"
    )

    disabled = client.put(f"/api/v1/superuser/users/{alice}", json={"enabled": False}, headers=_h(token))
    assert disabled.json()["enabled"] is False
    assert "encrypted_password" not in disabled.json()
    assert client.get("/api/v1/user/", headers=_h(alice_token)).status_code == 401
    assert _v2_login(client, alice, "brand-new-password") in (401, 429)  # refused (429: throttled)
    enabled_only = client.get("/api/v1/superuser/users/?disabled=false", headers=_h(token)).json()
    assert [u["username"] for u in enabled_only["users"]] == [admin]
    client.put(f"/api/v1/superuser/users/{alice}", json={"enabled": True}, headers=_h(token))
    assert client.get("/api/v1/user/", headers=_h(alice_token)).status_code == 200

    itself = client.put(f"/api/v1/superuser/users/{admin}", json={"enabled": False}, headers=_h(token))
    assert itself.status_code == 400
    assert itself.json()["detail"] == "Cannot update a superuser"
    assert client.delete(f"/api/v1/superuser/users/{admin}", headers=_h(token)).json()["detail"] == (
        "Cannot delete a superuser"
    )
    robot = client.put("/api/v1/user/robots/bot", headers=_h(alice_token)).json()
    assert client.delete(f"/api/v1/superuser/users/{alice}", headers=_h(token)).status_code == 204
    assert client.get(f"/api/v1/superuser/users/{alice}", headers=_h(token)).status_code == 404
    assert [
        u["username"] for u in client.get("/api/v1/superuser/users/", headers=_h(token)).json()["users"]
    ] == [admin]
    assert _v2_login(client, robot["name"], robot["token"]) == 401
    kinds = _kinds(runtime)
    for kind in ("user_change_email", "user_change_password", "user_disable", "user_enable", "user_delete"):
        assert kind in kinds, kind


def test_who_may_manage(client: TestClient, runtime: Runtime) -> None:
    admin, _ = user_with_token(runtime, superuser=True)
    _, plain = user_with_token(runtime)
    no_super = make_token(runtime, admin, ALL_SCOPES - {SUPER_USER})
    for headers, status in (({}, 401), (_h(plain), 403), (_h(no_super), 403)):
        assert client.get("/api/v1/superuser/users/", headers=headers).status_code == status
        assert client.get("/api/v1/superuser/users/nobody", headers=headers).status_code == status
        # Anonymous writes meet the CSRF check first (403), as in Quay.
        write_status = 403 if not headers else status
        assert (
            client.delete("/api/v1/superuser/organizations/nobody", headers=headers).status_code
            == write_status
        )
        response = client.post("/api/v1/superuser/users/", json={"username": "x"}, headers=headers)
        assert response.status_code == write_status
    assert client.get("/api/v1/superuser/registrystatus").json() == {"provider_id": "file", "status": "ready"}


def test_organizations_list_rename_delete(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime, superuser=True)
    _, owner = user_with_token(runtime)
    for name in ("acme", "beta", "gamma"):
        client.post("/api/v1/organization/", json={"name": name, "email": f"{name}@x.com"}, headers=_h(owner))
    robot = client.put("/api/v1/organization/acme/robots/bot", headers=_h(owner)).json()
    listed = client.get("/api/v1/superuser/organizations/", headers=_h(token)).json()
    assert [o["name"] for o in listed["organizations"]] == ["acme", "beta", "gamma"]
    assert listed["organizations"][0]["avatar"]["kind"] == "org"
    assert list(listed["organizations"][0]) == ["name", "email", "avatar", "quotas", "quota_report"]
    first = client.get("/api/v1/superuser/organizations/?limit=2", headers=_h(token)).json()
    assert [o["name"] for o in first["organizations"]] == ["acme", "beta"]
    rest = client.get(
        f"/api/v1/superuser/organizations/?limit=2&next_page={first['next_page']}", headers=_h(token)
    ).json()
    assert [o["name"] for o in rest["organizations"]] == ["gamma"]
    assert "next_page" not in rest
    assert client.get("/api/v1/superuser/organizations/?limit=0", headers=_h(token)).status_code == 400

    renamed = client.put("/api/v1/superuser/organizations/acme", json={"name": "acme2"}, headers=_h(token))
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "acme2"
    assert client.get("/api/v1/organization/acme", headers=_h(owner)).status_code == 404
    assert (
        client.get("/api/v1/organization/acme2/robots/bot", headers=_h(owner)).json()["name"] == "acme2+bot"
    )
    assert _v2_login(client, "acme2+bot", robot["token"]) == 200
    assert _v2_login(client, "acme+bot", robot["token"]) == 401
    taken = client.put("/api/v1/superuser/organizations/acme2", json={"name": "beta"}, headers=_h(token))
    assert taken.status_code == 400
    guide = client.put(
        "/api/v1/superuser/organizations/beta",
        json={"email": "new-contact@x.com", "invoice_email": True, "tag_expiration_s": 1209600},
        headers=_h(token),
    )
    assert guide.json()["email"] == "new-contact@x.com"
    assert (
        client.put(
            "/api/v1/superuser/organizations/nosuch", json={"name": "x1"}, headers=_h(token)
        ).status_code
        == 404
    )
    assert client.delete("/api/v1/superuser/organizations/gamma", headers=_h(token)).status_code == 204
    assert client.get("/api/v1/organization/gamma", headers=_h(owner)).status_code == 404
    kinds = _kinds(runtime)
    assert "org_change_name" in kinds
    assert "org_delete" in kinds
