"""A repository's life across both APIs: pushed through /v2, read and deleted through /api/v1,
gone from /v2 at once, and its name free for a new, empty repository."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from starlette.testclient import TestClient

from berth.app import create_app
from berth.auditlog.models import LogEntry
from berth.repos.models import Repository
from berth.runtime import Runtime
from berth.workers.gc import collect
from tests.factories import make_token
from tests.registry.helpers import new_user, push_image, user_headers


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_pushed_tags_show_and_delete_vanishes_from_v2(client: TestClient, runtime: Runtime) -> None:
    user = new_user(runtime)
    token = make_token(runtime, user)
    body = {"repository": "app", "visibility": "private", "description": "d"}
    assert client.post("/api/v1/repository", json=body, headers=_h(token)).status_code == 201
    repo = f"{user}/app"
    registry = user_headers(client, user, [repo])
    digest, _ = push_image(client, repo, "latest", registry)
    shown = client.get(f"/api/v1/repository/{repo}", headers=_h(token)).json()
    assert list(shown["tags"]) == ["latest"]
    tag = shown["tags"]["latest"]
    assert tag["manifest_digest"] == digest
    assert tag["name"] == "latest"
    assert isinstance(tag["size"], int)
    assert tag["last_modified"].endswith("-0000")
    assert client.get(f"/api/v1/repository/{repo}?includeTags=false", headers=_h(token)).json()["tags"] == {}
    listed = client.get(f"/api/v1/repository?namespace={user}&last_modified=true", headers=_h(token)).json()
    assert isinstance(listed["repositories"][0]["last_modified"], int)

    assert client.delete(f"/api/v1/repository/{repo}", headers=_h(token)).status_code == 204
    gone = client.get(f"/v2/{repo}/manifests/latest", headers=registry)
    assert gone.status_code == 404
    assert gone.json()["errors"][0]["code"] == "NAME_UNKNOWN"
    tags_gone = client.get(f"/v2/{repo}/tags/list", headers=registry)
    assert tags_gone.status_code == 404
    assert tags_gone.json()["errors"][0]["code"] == "NAME_UNKNOWN"
    catalog = client.get("/v2/_catalog", headers=user_headers(client, user, []))
    assert repo not in catalog.json().get("repositories", [])

    assert client.post("/api/v1/repository", json=body, headers=_h(token)).status_code == 201
    assert client.get(f"/api/v1/repository/{repo}", headers=_h(token)).json()["tags"] == {}
    fresh = user_headers(client, user, [repo])
    assert client.get(f"/v2/{repo}/tags/list", headers=fresh).json() == {"name": repo, "tags": []}
    with runtime.db.transaction() as session:
        kinds = session.scalars(select(LogEntry.kind).order_by(LogEntry.id)).all()
    assert kinds.count("create_repo") == 2
    assert kinds.count("delete_repo") == 1


def test_description_visibility_and_state_are_logged(client: TestClient, runtime: Runtime) -> None:
    user = new_user(runtime)
    token = make_token(runtime, user)
    body = {"repository": "app", "visibility": "private", "description": "d"}
    assert client.post("/api/v1/repository", json=body, headers=_h(token)).status_code == 201
    assert (
        client.put(f"/api/v1/repository/{user}/app", json={"description": "x"}, headers=_h(token)).status_code
        == 200
    )
    changed = client.post(
        f"/api/v1/repository/{user}/app/changevisibility", json={"visibility": "public"}, headers=_h(token)
    )
    assert changed.status_code == 200
    with runtime.db.transaction() as session:
        entries = session.execute(select(LogEntry.kind, LogEntry.metadata_json).order_by(LogEntry.id)).all()
    kinds = [kind for kind, _ in entries]
    assert kinds[-2:] == ["set_repo_description", "change_repo_visibility"]


def test_quota_report_with_quota_management(runtime: Runtime) -> None:
    features = {**runtime.settings.features, "QUOTA_MANAGEMENT": True}
    quota_runtime = Runtime(
        settings=replace(runtime.settings, features=features),
        db=runtime.db,
        storage=runtime.storage,
        clock=runtime.clock,
    )
    with TestClient(create_app(quota_runtime.settings, quota_runtime)) as client:
        user = new_user(runtime)
        token = make_token(runtime, user)
        body = {"repository": "app", "visibility": "private", "description": "d"}
        assert client.post("/api/v1/repository", json=body, headers=_h(token)).status_code == 201
        empty = client.get(f"/api/v1/repository?namespace={user}", headers=_h(token)).json()["repositories"][
            0
        ]
        assert empty["quota_report"] == {"quota_bytes": 0, "configured_quota": None}
        push_image(client, f"{user}/app", "latest", user_headers(client, user, [f"{user}/app"]))
        full = client.get(f"/api/v1/repository?namespace={user}", headers=_h(token)).json()["repositories"][0]
        assert full["quota_report"]["quota_bytes"] > 0


def test_collector_reclaims_a_deleted_repository(client: TestClient, runtime: Runtime) -> None:
    user = new_user(runtime)
    token = make_token(runtime, user)
    body = {"repository": "app", "visibility": "private", "description": "d"}
    assert client.post("/api/v1/repository", json=body, headers=_h(token)).status_code == 201
    repo = f"{user}/app"
    push_image(client, repo, "latest", user_headers(client, user, [repo]))
    assert (
        client.post(
            "/api/v1/user/starred", json={"namespace": user, "repository": "app"}, headers=_h(token)
        ).status_code
        == 201
    )
    assert client.delete(f"/api/v1/repository/{repo}", headers=_h(token)).status_code == 204
    assert client.post("/api/v1/repository", json=body, headers=_h(token)).status_code == 201
    collect(runtime)
    with runtime.db.transaction() as session:
        rows = session.execute(select(Repository.name, Repository.deleted)).all()
    assert [tuple(row) for row in rows] == [("app", False)]
    assert client.get("/api/v1/user/starred", headers=_h(token)).json() == {"repositories": []}
    assert client.get(f"/api/v1/repository/{repo}", headers=_h(token)).json()["tags"] == {}
