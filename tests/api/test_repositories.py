"""Repositories through the API as Quay answers: create, list, read, update, visibility, delete."""

from __future__ import annotations

import base64
from dataclasses import replace

from sqlalchemy import event
from starlette.testclient import TestClient

from berth.accounts.service import get_account
from berth.app import create_app
from berth.auditlog.service import Actor
from berth.lib.scopes import REPO_READ
from berth.repos.listing import star_repository
from berth.repos.models import Visibility
from berth.repos.service import create_repository
from berth.runtime import Runtime
from tests.factories import make_token, user_with_token


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _org(client: TestClient, token: str, name: str = "acme") -> None:
    response = client.post(
        "/api/v1/organization/", json={"name": name, "email": f"{name}@x.com"}, headers=_h(token)
    )
    assert response.status_code == 201


def _repo(client: TestClient, token: str, ns: str, name: str, visibility: str = "private") -> None:
    body = {"namespace": ns, "repository": name, "visibility": visibility, "description": "d"}
    response = client.post("/api/v1/repository", json=body, headers=_h(token))
    assert response.status_code == 201, response.text


def test_create_and_get_repo(client: TestClient, runtime: Runtime) -> None:
    owner, token = user_with_token(runtime)
    _org(client, token)
    body = {
        "namespace": "acme",
        "repository": "app",
        "visibility": "private",
        "description": "oracle repo",
        "repo_kind": "image",
    }
    created = client.post("/api/v1/repository", json=body, headers=_h(token))
    assert created.status_code == 201
    assert created.json() == {"namespace": "acme", "name": "app", "kind": "image"}
    repo = client.get("/api/v1/repository/acme/app", headers=_h(token)).json()
    assert repo["namespace"] == "acme"
    assert repo["is_public"] is False
    assert repo["is_organization"] is True
    assert repo["state"] == "NORMAL"
    assert repo["tags"] == {}
    assert repo["can_write"] is True
    assert repo["can_admin"] is True
    assert len(repo["status_token"]) == 36
    assert set(repo) == {
        "namespace",
        "name",
        "kind",
        "description",
        "is_public",
        "is_organization",
        "is_starred",
        "status_token",
        "trust_enabled",
        "tag_expiration_s",
        "is_free_account",
        "state",
        "tags",
        "can_write",
        "can_admin",
    }
    stats = client.get("/api/v1/repository/acme/app?includeStats=true", headers=_h(token)).json()["stats"]
    assert len(stats) == 30
    assert stats[0] == {"date": "2026-01-14", "count": 0}
    mine = client.post("/api/v1/repository", json={**body, "namespace": None}, headers=_h(token))
    assert mine.json() == {"namespace": owner, "name": "app", "kind": "image"}


def test_create_repo_errors(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    _, other = user_with_token(runtime)
    _org(client, token)
    _repo(client, token, "acme", "app")
    base = {"namespace": "acme", "visibility": "private", "description": ""}
    dup = client.post("/api/v1/repository", json={**base, "repository": "app"}, headers=_h(token))
    assert dup.status_code == 400
    assert dup.json()["detail"] == "Repository already exists"
    assert dup.json()["error_type"] == "invalid_request"
    bad = client.post("/api/v1/repository", json={**base, "repository": "Bad/Name"}, headers=_h(token))
    assert bad.status_code == 400
    assert bad.json()["detail"] == "Invalid repository name"
    missing = client.post(
        "/api/v1/repository", json={"repository": "x", "visibility": "private"}, headers=_h(token)
    )
    assert missing.status_code == 400
    secret = client.post(
        "/api/v1/repository", json={**base, "repository": "x", "visibility": "secret"}, headers=_h(token)
    )
    assert secret.status_code == 400
    foreign = client.post("/api/v1/repository", json={**base, "repository": "x"}, headers=_h(other))
    assert foreign.status_code == 403
    nowhere = client.post(
        "/api/v1/repository", json={**base, "namespace": "nosuch", "repository": "x"}, headers=_h(other)
    )
    assert nowhere.status_code == 403
    read_only = make_token(runtime, _name_of(client, token), frozenset({REPO_READ}))
    clamped = client.post("/api/v1/repository", json={**base, "repository": "y"}, headers=_h(read_only))
    assert clamped.status_code == 403
    assert client.get("/api/v1/repository/acme/x", headers=_h(token)).status_code == 404


def _name_of(client: TestClient, token: str) -> str:
    return str(client.get("/api/v1/user/", headers=_h(token)).json()["username"])


def test_get_repo_permission_before_existence(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    _, outsider = user_with_token(runtime)
    _org(client, token)
    _repo(client, token, "acme", "app")
    assert client.get("/api/v1/repository/acme/nosuchrepo", headers=_h(token)).status_code == 404
    anon = client.get("/api/v1/repository/acme/nosuchrepo")
    assert anon.status_code == 401
    assert anon.json()["detail"] == "Requires authentication"
    assert client.get("/api/v1/repository/acme/nosuchrepo", headers=_h(outsider)).status_code == 403
    assert client.get("/api/v1/repository/acme/app").status_code == 401
    assert client.get("/api/v1/repository/acme/app", headers=_h(outsider)).status_code == 403


def test_update_visibility_and_public_read(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    _org(client, token)
    _repo(client, token, "acme", "app")
    updated = client.put("/api/v1/repository/acme/app", json={"description": "updated"}, headers=_h(token))
    assert updated.json() == {"success": True}
    public = client.post(
        "/api/v1/repository/acme/app/changevisibility", json={"visibility": "public"}, headers=_h(token)
    )
    assert public.json() == {"success": True}
    anon = client.get("/api/v1/repository/acme/app").json()
    assert anon["description"] == "updated"
    assert anon["is_public"] is True
    assert anon["status_token"] == ""
    assert anon["can_write"] is False
    assert anon["can_admin"] is False
    bad = client.post(
        "/api/v1/repository/acme/app/changevisibility", json={"visibility": "secret"}, headers=_h(token)
    )
    assert bad.status_code == 400
    assert client.put("/api/v1/repository/acme/app", json={"description": "x"}).status_code == 403  # CSRF


def test_list_repos(client: TestClient, runtime: Runtime) -> None:
    owner, token = user_with_token(runtime)
    _, outsider = user_with_token(runtime)
    _org(client, token)
    _repo(client, token, "acme", "app")
    _repo(client, token, owner, "mine", "public")
    none = client.get("/api/v1/repository", headers=_h(token))
    assert none.status_code == 400
    assert none.json()["detail"] == "namespace, starred or public are required for this API call"
    listed = client.get("/api/v1/repository?namespace=acme", headers=_h(token)).json()
    assert listed == {
        "repositories": [
            {
                "namespace": "acme",
                "name": "app",
                "description": "d",
                "is_public": False,
                "kind": "image",
                "state": "NORMAL",
                "is_starred": False,
            }
        ]
    }
    extra = client.get(
        "/api/v1/repository?namespace=acme&last_modified=true&popularity=true", headers=_h(token)
    )
    assert extra.json()["repositories"][0]["last_modified"] is None
    assert extra.json()["repositories"][0]["popularity"] == 0.0
    public = client.get("/api/v1/repository?public=true", headers=_h(token)).json()["repositories"]
    assert [(r["namespace"], r["name"]) for r in public] == [("acme", "app"), (owner, "mine")]
    outsider_view = client.get("/api/v1/repository?public=true", headers=_h(outsider)).json()["repositories"]
    assert [r["name"] for r in outsider_view] == ["mine"]
    assert client.get("/api/v1/repository?namespace=acme", headers=_h(outsider)).json() == {
        "repositories": []
    }
    anonymous = client.get(f"/api/v1/repository?namespace={owner}").json()["repositories"]
    assert [r["name"] for r in anonymous] == ["mine"]
    assert client.get("/api/v1/repository?starred=true").status_code == 400
    apps = client.get("/api/v1/repository?namespace=acme&repo_kind=application", headers=_h(token))
    assert apps.json() == {"repositories": []}
    assert (
        client.get("/api/v1/repository?namespace=acme&repo_kind=helm", headers=_h(token)).status_code == 400
    )


def test_list_repos_pages_with_opaque_tokens(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    _org(client, token)
    with runtime.db.transaction() as session:
        org = get_account(session, "acme")
        assert org is not None
        for i in range(205):
            create_repository(
                session,
                namespace=org,
                name=f"r{i:03d}",
                visibility=Visibility.PRIVATE,
                description=None,
                actor=Actor(account_id=None),
                now=runtime.clock(),
            )
    names: list[str] = []
    url = "/api/v1/repository?namespace=acme"
    pages = 0
    while True:
        page = client.get(url, headers=_h(token)).json()
        pages += 1
        names.extend(r["name"] for r in page["repositories"])
        if "next_page" not in page:
            break
        assert b"after" not in base64.urlsafe_b64decode(page["next_page"])  # the cursor is encrypted
        url = f"/api/v1/repository?namespace=acme&next_page={page['next_page']}"
    assert pages == 3
    assert names == [f"r{i:03d}" for i in range(205)]
    forged = client.get("/api/v1/repository?namespace=acme&next_page=garbage", headers=_h(token)).json()
    assert forged["repositories"][0]["name"] == "r000"


def test_delete_repo_vanishes_and_frees_the_name(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    _, outsider = user_with_token(runtime)
    _org(client, token)
    _repo(client, token, "acme", "app")
    assert client.delete("/api/v1/repository/acme/app", headers=_h(outsider)).status_code == 403
    assert client.delete("/api/v1/repository/acme/app").status_code == 403  # CSRF before anything
    deleted = client.delete("/api/v1/repository/acme/app", headers=_h(token))
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get("/api/v1/repository/acme/app", headers=_h(token)).status_code == 404
    assert client.get("/api/v1/repository?namespace=acme", headers=_h(token)).json() == {"repositories": []}
    assert client.delete("/api/v1/repository/acme/app", headers=_h(token)).status_code == 404
    _repo(client, token, "acme", "app")
    assert client.get("/api/v1/repository/acme/app", headers=_h(token)).status_code == 200


def test_anonymous_access_off(runtime: Runtime) -> None:
    features = {**runtime.settings.features, "ANONYMOUS_ACCESS": False}
    closed = Runtime(
        settings=replace(runtime.settings, features=features),
        db=runtime.db,
        storage=runtime.storage,
        clock=runtime.clock,
    )
    with TestClient(create_app(closed.settings, closed)) as client:
        _, token = user_with_token(runtime)
        _org(client, token)
        _repo(client, token, "acme", "site", "public")
        assert client.get("/api/v1/repository/acme/site", headers=_h(token)).status_code == 200
        assert client.get("/api/v1/repository/acme/site").status_code == 401
        assert client.get("/api/v1/repository?namespace=acme").status_code == 401
        assert client.get("/api/v1/find/repositories?query=s").status_code == 401


def _statements(runtime: Runtime, client: TestClient, url: str, token: str) -> int:
    """How many SQL statements one GET runs."""
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    engines = {runtime.db.read_engine, runtime.db.write_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url, headers=_h(token)).status_code == 200
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_listing_cost_does_not_grow_with_the_page(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    _org(client, token)
    _org(client, token, "big")
    _repo(client, token, "acme", "only")
    client.post("/api/v1/user/starred", json={"namespace": "acme", "repository": "only"}, headers=_h(token))
    with runtime.db.transaction() as session:
        org = get_account(session, "big")
        assert org is not None
        for i in range(100):
            repo = create_repository(
                session,
                namespace=org,
                name=f"r{i:03d}",
                visibility=Visibility.PRIVATE,
                description=None,
                actor=Actor(account_id=None),
                now=runtime.clock(),
            )
            star_repository(session, org.id, repo, runtime.clock())
    extras = "&last_modified=true&popularity=true"
    small = _statements(runtime, client, f"/api/v1/repository?namespace=acme{extras}", token)
    large = _statements(runtime, client, f"/api/v1/repository?namespace=big{extras}", token)
    assert large == small
    small_search = _statements(
        runtime, client, "/api/v1/find/repositories?query=only&includeUsage=true", token
    )
    large_search = _statements(runtime, client, "/api/v1/find/repositories?query=r0&includeUsage=true", token)
    assert large_search == small_search


def test_change_state_with_repo_mirror(runtime: Runtime) -> None:
    features = {**runtime.settings.features, "REPO_MIRROR": True}
    mirror = Runtime(
        settings=replace(runtime.settings, features=features),
        db=runtime.db,
        storage=runtime.storage,
        clock=runtime.clock,
    )
    with TestClient(create_app(mirror.settings, mirror)) as client:
        _, token = user_with_token(runtime)
        _, outsider = user_with_token(runtime)
        _org(client, token)
        _repo(client, token, "acme", "app")
        url = "/api/v1/repository/acme/app/changestate"
        assert client.put(url, json={"state": "READ_ONLY"}, headers=_h(outsider)).status_code == 403
        assert client.put(url, json={"state": "READ_ONLY"}, headers=_h(token)).json() == {"success": True}
        assert client.get("/api/v1/repository/acme/app", headers=_h(token)).json()["state"] == "READ_ONLY"
        assert client.put(url, json={"state": "BROKEN"}, headers=_h(token)).status_code == 400
        assert client.put(url, json={"state": "NORMAL"}, headers=_h(token)).json() == {"success": True}
        listed = client.get("/api/v1/repository?namespace=acme", headers=_h(token)).json()["repositories"]
        assert listed[0]["state"] == "NORMAL"
