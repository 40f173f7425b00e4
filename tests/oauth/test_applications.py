"""Organization OAuth applications as Quay answers them (seed 6.10.4, golden seq 70-73), and their
tokens: minted without a browser, listed without secrets, revoked one by one, all gone with the app."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from berth.runtime import Runtime
from tests.factories import user_with_token
from tests.oauth.helpers import h, make_app, make_org, mint

APP_KEYS = [
    "name",
    "description",
    "application_uri",
    "client_id",
    "client_secret",
    "redirect_uri",
    "avatar_email",
]


def test_create_list_get_update_delete_like_quay(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    make_org(client, token)
    created = make_app(client, token, description="test app", application_uri="http://localhost/app")
    assert list(created) == APP_KEYS
    assert re.fullmatch(r"[A-Z0-9]{20}", created["client_id"])
    assert re.fullmatch(r"[A-Z0-9]{40}", created["client_secret"])
    assert created["avatar_email"] is None
    client_id = created["client_id"]
    listed = client.get("/api/v1/organization/acme/applications", headers=h(token)).json()
    assert [a["client_id"] for a in listed["applications"]] == [client_id]
    one = client.get(f"/api/v1/organization/acme/applications/{client_id}", headers=h(token)).json()
    assert list(one) == APP_KEYS
    assert one["client_secret"] is None  # stored hashed: shown on create and reset only
    body = {
        "name": "Updated",
        "redirect_uri": "https://example.com/oauth/callback",
        "application_uri": "https://example.com",
    }
    updated = client.put(f"/api/v1/organization/acme/applications/{client_id}", json=body, headers=h(token))
    assert updated.status_code == 200
    assert updated.json()["name"] == "Updated"
    public = client.get(f"/api/v1/app/{client_id}", headers=h(token)).json()
    assert public["name"] == "Updated"
    assert public["uri"] == "https://example.com"
    assert public["avatar"]["kind"] == "app"
    assert public["organization"]["name"] == "acme"
    assert public["organization"]["is_admin"] is True
    reset = client.post(
        f"/api/v1/organization/acme/applications/{client_id}/resetclientsecret", headers=h(token)
    )
    assert re.fullmatch(r"[A-Z0-9]{40}", reset.json()["client_secret"])
    assert reset.json()["client_secret"] != created["client_secret"]
    deleted = client.delete(f"/api/v1/organization/acme/applications/{client_id}", headers=h(token))
    assert deleted.status_code == 204
    assert client.get(f"/api/v1/app/{client_id}", headers=h(token)).status_code == 404
    assert (
        client.get(f"/api/v1/organization/acme/applications/{client_id}", headers=h(token)).status_code == 404
    )


def test_permissions_and_bad_input(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    _, outsider = user_with_token(runtime)
    make_org(client, token)
    assert client.get("/api/v1/organization/acme/applications").status_code == 401
    assert client.get("/api/v1/organization/acme/applications", headers=h(outsider)).status_code == 403
    # permission before existence: an outsider learns nothing about a missing org
    assert client.get("/api/v1/organization/nosuch/applications", headers=h(outsider)).status_code == 403
    assert client.post("/api/v1/organization/acme/applications", json={}, headers=h(token)).status_code == 400
    missing = client.get("/api/v1/organization/acme/applications/NOPE", headers=h(token))
    assert missing.status_code == 404
    assert missing.json()["error_type"] == "not_found"
    assert client.get("/api/v1/app/3LGI").status_code == 404
    assert client.get("/api/v1/organization/acme/applications", headers=h(token)).json() == {
        "applications": []
    }
    weak = mint(client, token, make_app(client, token)["client_id"], "repo:read")["token"]
    # an org admin whose token lacks org:admin is refused
    assert client.get("/api/v1/organization/acme/applications", headers=h(weak)).status_code == 403


def test_mint_list_and_revoke_one_token(client: TestClient, runtime: Runtime) -> None:
    owner, token = user_with_token(runtime)
    make_org(client, token)
    app = make_app(client, token)
    cid = app["client_id"]
    first = mint(client, token, cid, "repo:read,user:read")
    second = mint(client, token, cid, "user:read")
    assert re.fullmatch(r"[A-Z0-9]{40}", first["token"])
    assert first["scope"] == "repo:read user:read"
    assert first["created_by"] == owner
    assert first["created"].endswith("Z")
    assert first["expires_at"].endswith("Z")
    listed = client.get(f"/api/v1/organization/acme/applications/{cid}/tokens", headers=h(token)).json()
    assert {t["uuid"] for t in listed["tokens"]} == {first["uuid"], second["uuid"]}
    assert all("token" not in t for t in listed["tokens"])
    assert client.get("/api/v1/user/", headers=h(first["token"])).status_code == 200
    revoked = client.delete(
        f"/api/v1/organization/acme/applications/{cid}/tokens/{first['uuid']}", headers=h(token)
    )
    assert revoked.status_code == 204
    assert client.get("/api/v1/user/", headers=h(first["token"])).status_code == 401
    assert client.get("/api/v1/user/", headers=h(second["token"])).status_code == 200
    again = client.delete(
        f"/api/v1/organization/acme/applications/{cid}/tokens/{first['uuid']}", headers=h(token)
    )
    assert again.status_code == 404


def test_deleting_the_application_revokes_all_its_tokens(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    make_org(client, token)
    doomed = make_app(client, token)["client_id"]
    kept = make_app(client, token, name="kept")["client_id"]
    a, b = (
        mint(client, token, doomed, "user:read")["token"],
        mint(client, token, doomed, "user:read")["token"],
    )
    other = mint(client, token, kept, "user:read")["token"]
    assert (
        client.delete(f"/api/v1/organization/acme/applications/{doomed}", headers=h(token)).status_code == 204
    )
    assert client.get("/api/v1/user/", headers=h(a)).status_code == 401
    assert client.get("/api/v1/user/", headers=h(b)).status_code == 401
    assert client.get("/api/v1/user/", headers=h(other)).status_code == 200


def test_minting_rules(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    make_org(client, token)
    cid = make_app(client, token)["client_id"]
    url = f"/api/v1/organization/acme/applications/{cid}/tokens"
    bad_scope = client.post(url, json={"name": "x", "scope": "repo:read everything"}, headers=h(token))
    assert bad_scope.status_code == 400
    assert "Invalid scope" in bad_scope.json()["message"]
    bad_exp = client.post(url, json={"name": "x", "scope": "repo:read", "expiration": 0}, headers=h(token))
    assert bad_exp.status_code == 400
    assert client.post(url, json={"name": " ", "scope": "repo:read"}, headers=h(token)).status_code == 400
    # not a superuser: super:user cannot be minted
    assert client.post(url, json={"name": "x", "scope": "super:user"}, headers=h(token)).status_code == 403
    capped = mint(client, token, cid, "repo:read", expiration=10 * 365 * 86400)
    assert capped["expires_at"].startswith("2027-01-15")  # clamped to OAUTH_TOKEN_MAX_LIFETIME (1y)
    default = mint(client, token, cid, "repo:read")
    assert default["expires_at"].startswith("2026-04-15")  # OAUTH_TOKEN_LIFETIME default: 90 days
    listed = client.get(url, headers=h(token)).json()["tokens"]
    assert len(listed) == 2  # the refused requests issued nothing


def test_token_scopes_clamp_what_it_may_mint(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    make_org(client, token)
    cid = make_app(client, token)["client_id"]
    narrow = mint(client, token, cid, "org:admin user:read")["token"]
    url = f"/api/v1/organization/acme/applications/{cid}/tokens"
    wider = client.post(url, json={"name": "x", "scope": "repo:admin"}, headers=h(narrow))
    assert wider.status_code == 403
    same = client.post(url, json={"name": "x", "scope": "user:read"}, headers=h(narrow))
    assert same.status_code == 200
