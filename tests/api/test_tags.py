"""Tags through ``/api/v1``: history listing, create/move, expiration, delete, restore, permanent delete."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from berth.app import create_app
from berth.auditlog.models import LogEntry
from berth.config import FEATURE_DEFAULTS
from berth.repos.models import Repository, RepoState, Visibility
from berth.runtime import Runtime
from tests.conftest import Clock
from tests.factories import make_token
from tests.registry.helpers import make_repo, new_user, push_image, user_headers


def _world(client: TestClient, runtime: Runtime) -> tuple[str, dict[str, str], dict[str, str], str]:
    user = new_user(runtime)
    make_repo(runtime, user, "app")
    repo = f"{user}/app"
    v2 = user_headers(client, user, [repo])
    api = {"Authorization": f"Bearer {make_token(runtime, user)}"}
    return repo, v2, api, user


def _kinds(runtime: Runtime) -> list[str]:
    with runtime.db.transaction(write=False) as session:
        return list(session.scalars(select(LogEntry.kind).order_by(LogEntry.id)).all())


def test_list_create_delete_restore_flow(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    repo, v2, api, _ = _world(client, runtime)
    digest, _ = push_image(client, repo, "latest", v2)
    push_image(client, repo, "v1.0", v2)  # same content: same digest
    listed = client.get(f"/api/v1/repository/{repo}/tag/", headers=api)
    assert listed.status_code == 200
    body = listed.json()
    assert body["page"] == 1
    assert body["has_additional"] is False
    assert [t["name"] for t in body["tags"]] == ["v1.0", "latest"]
    first = body["tags"][1]
    assert set(first) == {
        "name",
        "reversion",
        "start_ts",
        "manifest_digest",
        "is_manifest_list",
        "size",
        "last_modified",
    }
    assert first["manifest_digest"] == digest
    assert first["is_manifest_list"] is False
    assert first["size"] == 2 * len(b"layer-0" * 100)
    assert first["start_ts"] == int(clock.now.timestamp())
    assert first["last_modified"] == clock.now.strftime("%a, %d %b %Y %H:%M:%S -0000")

    clock.advance(3)
    created = client.put(
        f"/api/v1/repository/{repo}/tag/stable", json={"manifest_digest": digest}, headers=api
    )
    assert created.status_code == 201
    assert created.json() == "Updated"
    clock.advance(1)
    deleted = client.delete(f"/api/v1/repository/{repo}/tag/v1.0", headers=api)
    assert deleted.status_code == 204
    assert deleted.text == ""
    tags = client.get(f"/api/v1/repository/{repo}/tag/", headers=api).json()["tags"]
    assert [t["name"] for t in tags] == ["stable", "v1.0", "latest"]
    ended = tags[1]
    assert ended["end_ts"] == int(clock.now.timestamp())
    assert ended["expiration"] == clock.now.strftime("%a, %d %b %Y %H:%M:%S -0000")
    active = client.get(f"/api/v1/repository/{repo}/tag/?onlyActiveTags=true", headers=api).json()["tags"]
    assert [t["name"] for t in active] == ["stable", "latest"]
    assert client.get(f"/v2/{repo}/manifests/v1.0", headers=v2).status_code == 404

    restored = client.post(
        f"/api/v1/repository/{repo}/tag/v1.0/restore", json={"manifest_digest": digest}, headers=api
    )
    assert restored.status_code == 200
    assert restored.json() == {}
    assert client.get(f"/v2/{repo}/manifests/v1.0", headers=v2).status_code == 200
    newest = client.get(f"/api/v1/repository/{repo}/tag/?specificTag=v1.0", headers=api).json()["tags"]
    assert [t["reversion"] for t in newest] == [True, False]
    kinds = _kinds(runtime)
    for kind in ("create_tag", "delete_tag", "revert_tag"):
        assert kind in kinds


def test_move_tag_logs_and_keeps_history(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    repo, v2, api, _ = _world(client, runtime)
    one, _ = push_image(client, repo, "latest", v2, seed=b"a")
    two, _ = push_image(client, repo, "other", v2, seed=b"b")
    clock.advance(5)
    moved = client.put(f"/api/v1/repository/{repo}/tag/latest", json={"manifest_digest": two}, headers=api)
    assert moved.status_code == 201
    history = client.get(f"/api/v1/repository/{repo}/tag/?specificTag=latest", headers=api).json()["tags"]
    assert [t["manifest_digest"] for t in history] == [two, one]
    assert "end_ts" in history[1]
    assert "end_ts" not in history[0]
    assert _kinds(runtime).count("move_tag") == 1


def test_filters_and_paging(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    repo, v2, api, _ = _world(client, runtime)
    digest, _ = push_image(client, repo, "base", v2)
    for i in range(5):
        clock.advance(1)
        client.put(f"/api/v1/repository/{repo}/tag/t{i}", json={"manifest_digest": digest}, headers=api)
    page1 = client.get(f"/api/v1/repository/{repo}/tag/?limit=2&page=1", headers=api).json()
    page3 = client.get(f"/api/v1/repository/{repo}/tag/?limit=2&page=3", headers=api).json()
    assert [t["name"] for t in page1["tags"]] == ["t4", "t3"]
    assert page1["has_additional"] is True
    assert [t["name"] for t in page3["tags"]] == ["t0", "base"]
    assert page3["has_additional"] is False
    assert page3["page"] == 3
    like = client.get(f"/api/v1/repository/{repo}/tag/?filter_tag_name=like:t", headers=api).json()
    assert len(like["tags"]) == 5
    eq = client.get(f"/api/v1/repository/{repo}/tag/?filter_tag_name=eq:t2", headers=api).json()
    assert [t["name"] for t in eq["tags"]] == ["t2"]
    bad = client.get(f"/api/v1/repository/{repo}/tag/?filter_tag_name=nope", headers=api)
    assert bad.status_code == 400
    capped = client.get(f"/api/v1/repository/{repo}/tag/?limit=1000", headers=api)
    assert capped.status_code == 200
    assert len(capped.json()["tags"]) == 6
    assert client.get(f"/api/v1/repository/{repo}/tag/?limit=x", headers=api).status_code == 400


def test_expiration_set_clear_and_enforced(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    repo, v2, api, _ = _world(client, runtime)
    push_image(client, repo, "latest", v2)
    when = int(clock.now.timestamp()) + 60
    set_it = client.put(f"/api/v1/repository/{repo}/tag/latest", json={"expiration": when}, headers=api)
    assert set_it.status_code == 201
    tag = client.get(f"/api/v1/repository/{repo}/tag/", headers=api).json()["tags"][0]
    assert tag["end_ts"] == when
    assert "expiration" in tag
    past = client.put(f"/api/v1/repository/{repo}/tag/latest", json={"expiration": when - 3600}, headers=api)
    assert past.status_code == 400
    cleared = client.put(f"/api/v1/repository/{repo}/tag/latest", json={"expiration": None}, headers=api)
    assert cleared.status_code == 201
    assert "end_ts" not in client.get(f"/api/v1/repository/{repo}/tag/", headers=api).json()["tags"][0]
    client.put(f"/api/v1/repository/{repo}/tag/latest", json={"expiration": when}, headers=api)
    clock.advance(61)
    active = client.get(f"/api/v1/repository/{repo}/tag/?onlyActiveTags=true", headers=api).json()
    assert active["tags"] == []
    missing = client.put(
        f"/api/v1/repository/{repo}/tag/latest", json={"expiration": when + 999}, headers=api
    )
    assert missing.status_code == 404
    assert _kinds(runtime).count("change_tag_expiration") == 3


def test_bad_inputs_answer_4xx(client: TestClient, runtime: Runtime) -> None:
    repo, v2, api, user = _world(client, runtime)
    digest, _ = push_image(client, repo, "latest", v2)
    base = f"/api/v1/repository/{repo}/tag"
    assert client.put(f"{base}/-bad", json={"manifest_digest": digest}, headers=api).status_code == 400
    assert (
        client.put(f"{base}/x", json={"manifest_digest": "sha256:" + "0" * 64}, headers=api).status_code
        == 404
    )
    assert client.put(f"{base}/x", json={"manifest_digest": 5}, headers=api).status_code == 400
    assert client.put(f"{base}/x", json={"expiration": "soon"}, headers=api).status_code == 400
    assert client.delete(f"{base}/nope", headers=api).status_code == 404
    assert client.post(f"{base}/latest/restore", json={}, headers=api).status_code == 400
    assert client.post(f"{base}/latest/restore", headers=api).status_code == 400
    gone = client.post(f"{base}/latest/restore", json={"manifest_digest": "sha256:" + "1" * 64}, headers=api)
    assert gone.status_code == 404
    missing_repo = client.get(f"/api/v1/repository/{user}/nothing/tag/", headers=api)
    assert missing_repo.status_code == 404


def test_permissions_before_existence(client: TestClient, runtime: Runtime) -> None:
    repo, v2, _, user = _world(client, runtime)
    push_image(client, repo, "latest", v2)
    outsider = new_user(runtime)
    other = {"Authorization": f"Bearer {make_token(runtime, outsider)}"}
    assert client.get(f"/api/v1/repository/{repo}/tag/").status_code == 401
    assert client.get(f"/api/v1/repository/{repo}/tag/", headers=other).status_code == 403
    assert client.get(f"/api/v1/repository/{user}/missing/tag/", headers=other).status_code == 403
    read_only = {"Authorization": f"Bearer {make_token(runtime, user, frozenset({'repo:read'}))}"}
    assert client.get(f"/api/v1/repository/{repo}/tag/", headers=read_only).status_code == 200
    assert client.delete(f"/api/v1/repository/{repo}/tag/latest", headers=read_only).status_code == 403


@pytest.fixture
def permanent_client(runtime: Runtime) -> TestClient:
    features = {**FEATURE_DEFAULTS, "PERMANENTLY_DELETE_TAGS": True}
    settings = replace(runtime.settings, features=features)
    return TestClient(create_app(settings, replace(runtime, settings=settings)))


def test_permanent_delete(permanent_client: TestClient, client: TestClient, runtime: Runtime) -> None:
    repo, v2, api, _ = _world(client, runtime)
    digest, _ = push_image(client, repo, "latest", v2)
    url = f"/api/v1/repository/{repo}/tag/latest/expire"
    assert client.post(url, json={"is_alive": True}, headers=api).status_code == 404  # feature off
    assert permanent_client.post(url, json={}, headers=api).status_code == 400
    done = permanent_client.post(url, json={"is_alive": True}, headers=api)
    assert done.status_code == 200
    assert client.get(f"/api/v1/repository/{repo}/tag/", headers=api).json()["tags"] == []
    again = permanent_client.post(url, json={"manifest_digest": digest}, headers=api)
    assert again.status_code == 404
    assert "permanently_delete_tag" in _kinds(runtime)


def test_public_repository_tags_readable_by_anyone(client: TestClient, runtime: Runtime) -> None:
    user = new_user(runtime)
    make_repo(runtime, user, "open", visibility=Visibility.PUBLIC)
    repo = f"{user}/open"
    digest, _ = push_image(client, repo, "latest", user_headers(client, user, [repo]))
    listed = client.get(f"/api/v1/repository/{repo}/tag/")
    assert listed.status_code == 200
    assert [t["manifest_digest"] for t in listed.json()["tags"]] == [digest]
    assert client.get(f"/api/v1/repository/{repo}/manifest/{digest}").status_code == 200
    outsider = {"Authorization": f"Bearer {make_token(runtime, new_user(runtime))}"}
    assert client.delete(f"/api/v1/repository/{repo}/tag/latest", headers=outsider).status_code == 403


def test_changes_refused_while_repository_is_read_only(client: TestClient, runtime: Runtime) -> None:
    repo, v2, api, _ = _world(client, runtime)
    digest, _ = push_image(client, repo, "latest", v2)
    with runtime.db.transaction() as session:
        session.execute(update(Repository).where(Repository.name == "app").values(state=RepoState.READ_ONLY))
    url = f"/api/v1/repository/{repo}/tag/other"
    refused = client.put(url, json={"manifest_digest": digest}, headers=api)
    assert refused.status_code == 503
    assert client.delete(f"/api/v1/repository/{repo}/tag/latest", headers=api).status_code == 503
    assert client.get(f"/api/v1/repository/{repo}/tag/", headers=api).status_code == 200
