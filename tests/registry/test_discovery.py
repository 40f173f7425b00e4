"""Content discovery and access: ``tags/list`` and ``_catalog`` paging, public and private pulls."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import update
from starlette.testclient import TestClient

from berth.app import create_app
from berth.repos.models import Repository, RepoState, Visibility
from berth.runtime import Runtime
from tests.registry.helpers import basic, bearer, make_repo, new_user, push_image, token_for, user_headers


def test_tags_list_pages_with_link(runtime: Runtime, client: TestClient) -> None:
    user = new_user(runtime)
    make_repo(runtime, user, "app")
    repo = f"{user}/app"
    headers = user_headers(client, user, [repo])
    for tag in ("v1.0", "latest", "beta"):
        push_image(client, repo, tag, headers)
    full = client.get(f"/v2/{repo}/tags/list", headers=headers)
    assert full.json() == {"name": repo, "tags": ["beta", "latest", "v1.0"]}
    assert "Link" not in full.headers
    page = client.get(f"/v2/{repo}/tags/list", params={"n": 1}, headers=headers)
    assert page.json() == {"name": repo, "tags": ["beta"]}
    assert page.headers["Link"] == f'</v2/{repo}/tags/list?n=1&last=beta>; rel="next"'
    rest = client.get(f"/v2/{repo}/tags/list", params={"n": 2, "last": "beta"}, headers=headers)
    assert rest.json()["tags"] == ["latest", "v1.0"]
    assert "Link" not in rest.headers
    assert client.get(f"/v2/{repo}/tags/list", params={"n": 0}, headers=headers).json()["tags"] == []
    assert client.get(f"/v2/{repo}/tags/list", params={"n": "x"}, headers=headers).status_code == 400


def test_private_repository_needs_a_grant(runtime: Runtime, client: TestClient) -> None:
    owner, other = new_user(runtime), new_user(runtime)
    make_repo(runtime, owner, "mirrored")
    make_repo(runtime, other, "mine")
    headers = user_headers(client, other, [f"{other}/mine"])
    for caller in (headers, {}):
        response = client.get(f"/v2/{owner}/mirrored/tags/list", headers=caller)
        assert response.status_code == 401
        assert response.json() == {
            "errors": [
                {
                    "code": "UNAUTHORIZED",
                    "detail": {},
                    "message": "access to the requested resource is not authorized",
                }
            ]
        }
        assert response.headers["WWW-Authenticate"] == (
            'Bearer realm="http://testserver/v2/auth",service="testserver",'
            f'scope="repository:{owner}/mirrored:pull"'
        )
        assert response.headers["Content-Length"] == "112"


def test_missing_repository_answers_401_without_grant_and_404_with(
    runtime: Runtime, client: TestClient
) -> None:
    user = new_user(runtime)
    assert client.get(f"/v2/{user}/ghost/tags/list").status_code == 401
    make_repo(runtime, user, "ghost")
    headers = user_headers(client, user, [f"{user}/ghost"])
    with runtime.db.transaction() as session:
        session.execute(update(Repository).values(deleted=True))
    response = client.get(f"/v2/{user}/ghost/tags/list", headers=headers)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NAME_UNKNOWN"


def test_public_repository_is_readable_with_any_token_and_anonymously(
    runtime: Runtime, client: TestClient
) -> None:
    owner, other = new_user(runtime), new_user(runtime)
    make_repo(runtime, owner, "mine", visibility=Visibility.PUBLIC)
    owner_headers = user_headers(client, owner, [f"{owner}/mine"])
    push_image(client, f"{owner}/mine", "latest", owner_headers)
    make_repo(runtime, other, "app")
    other_headers = user_headers(client, other, [f"{other}/app"])
    response = client.get(f"/v2/{owner}/mine/tags/list", headers=other_headers)
    assert response.status_code == 200
    assert response.json() == {"name": f"{owner}/mine", "tags": ["latest"]}
    assert client.get(f"/v2/{owner}/mine/manifests/latest").status_code == 200
    push = client.post(f"/v2/{owner}/mine/blobs/uploads/", headers=other_headers)
    assert push.status_code == 401


def test_catalog_lists_only_visible_repositories(runtime: Runtime, client: TestClient) -> None:
    alice, bob = new_user(runtime), new_user(runtime)
    make_repo(runtime, alice, "app")
    make_repo(runtime, bob, "public", visibility=Visibility.PUBLIC)
    make_repo(runtime, bob, "private")
    make_repo(runtime, alice, "zeta")
    token = token_for(client, ["registry:catalog:*"], basic(alice))
    response = client.get("/v2/_catalog", headers=bearer(token))
    assert response.json() == {"repositories": [f"{alice}/app", f"{bob}/public", f"{alice}/zeta"]}
    page = client.get("/v2/_catalog", params={"n": 2}, headers=bearer(token))
    assert page.json() == {"repositories": [f"{alice}/app", f"{bob}/public"]}
    assert page.headers["Link"] == f'</v2/_catalog?n=2&last={bob}%2Fpublic>; rel="next"'
    rest = client.get("/v2/_catalog", params={"n": 2, "last": f"{bob}/public"}, headers=bearer(token))
    assert rest.json() == {"repositories": [f"{alice}/zeta"]}
    assert client.get("/v2/_catalog").json() == {"repositories": [f"{bob}/public"]}


def test_catalog_refuses_basic_credentials(runtime: Runtime, client: TestClient) -> None:
    user = new_user(runtime)
    response = client.get("/v2/_catalog", headers=basic(user))
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid bearer token format"}
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


def test_read_only_repository_refuses_pushes_with_a_valid_token(runtime: Runtime, client: TestClient) -> None:
    user = new_user(runtime)
    make_repo(runtime, user, "frozen")
    headers = user_headers(client, user, [f"{user}/frozen"])
    with runtime.db.transaction() as session:
        session.execute(update(Repository).values(state=RepoState.READ_ONLY))
    response = client.post(f"/v2/{user}/frozen/blobs/uploads/", headers=headers)
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "DENIED"
    assert client.get(f"/v2/{user}/frozen/tags/list", headers=headers).status_code == 200
    fresh = user_headers(client, user, [f"{user}/frozen"])
    assert client.post(f"/v2/{user}/frozen/blobs/uploads/", headers=fresh).status_code == 401


def test_anonymous_access_can_be_switched_off(runtime: Runtime) -> None:
    features = {**runtime.settings.features, "ANONYMOUS_ACCESS": False}
    closed = replace(runtime, settings=replace(runtime.settings, features=features))
    with TestClient(create_app(closed.settings, closed)) as client:
        owner = new_user(closed)
        make_repo(closed, owner, "open", visibility=Visibility.PUBLIC)
        params = {"service": "testserver", "scope": f"repository:{owner}/open:pull"}
        assert client.get("/v2/auth", params=params).status_code == 401
        assert client.get(f"/v2/{owner}/open/tags/list").status_code == 401
        assert client.get("/v2/_catalog").status_code == 401
        other = new_user(closed)
        headers = bearer(token_for(client, [], basic(other)))
        assert client.get(f"/v2/{owner}/open/tags/list", headers=headers).status_code == 200
