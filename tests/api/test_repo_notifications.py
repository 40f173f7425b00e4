"""Repository notifications through ``/api/v1``: Quay's shapes, errors, usage-log kinds and test delivery."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from berth.auditlog.models import LogEntry
from berth.runtime import Runtime
from tests.factories import user_with_token
from tests.http_receiver import Receiver
from tests.registry.helpers import make_repo, push_image, user_headers

BASE = "/api/v1/repository/{owner}/app/notification/"


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def owned(runtime: Runtime) -> tuple[str, str, str]:
    """A user with a token, and the path of the notifications of the user's repository ``app``."""
    owner, token = user_with_token(runtime)
    make_repo(runtime, owner, "app")
    return owner, token, BASE.format(owner=owner)


def _error(body: dict[str, Any], message: str, status: int = 400, kind: str = "invalid_request") -> None:
    assert body == {
        "detail": message,
        "error_message": message,
        "error_type": kind,
        "title": kind,
        "type": f"http://testserver/api/v1/error/{kind}",
        "status": status,
    }


def _logs(runtime: Runtime) -> list[tuple[str, dict[str, Any]]]:
    with runtime.db.transaction(write=False) as session:
        rows = session.execute(select(LogEntry.kind, LogEntry.metadata_json).order_by(LogEntry.id)).all()
    return [
        (kind, {k: v for k, v in meta.items() if k != "oauth_token_id"})
        for kind, meta in rows
        if "notification" in kind
    ]


def test_lifecycle_matches_quay(client: TestClient, runtime: Runtime, owned: tuple[str, str, str]) -> None:
    owner, token, base = owned
    assert client.get(base, headers=_h(token)).json() == {"notifications": []}
    body = {
        "event": "repo_push",
        "method": "quay_notification",
        "config": {"target": {"kind": "user", "name": owner}},
        "eventConfig": {},
        "title": "fixture",
    }
    created = client.post(base, json=body, headers=_h(token))
    assert created.status_code == 201
    view = created.json()
    uuid = view["uuid"]
    assert view == {
        "uuid": uuid,
        "title": "fixture",
        "event": "repo_push",
        "method": "quay_notification",
        "config": {"target": {"kind": "user", "name": owner}},
        "event_config": {},
        "number_of_failures": 0,
    }
    assert client.get(base, headers=_h(token)).json() == {"notifications": [view]}
    assert client.get(f"{base}{uuid}", headers=_h(token)).json() == view
    reset = client.post(f"{base}{uuid}", json={}, headers=_h(token))  # the body Quay clients send
    assert reset.status_code == 204
    tested = client.post(f"{base}{uuid}/test", headers=_h(token))
    assert tested.status_code == 200
    assert tested.json() == {}
    deleted = client.delete(f"{base}{uuid}", headers=_h(token))
    assert deleted.status_code == 204
    assert client.get(base, headers=_h(token)).json() == {"notifications": []}
    meta = {"repo": "app", "namespace": owner, "notification_id": uuid, "event": "repo_push"}
    meta["method"] = "quay_notification"
    assert _logs(runtime) == [
        ("add_repo_notification", meta),
        ("reset_repo_notification", meta),
        ("delete_repo_notification", meta),
    ]


def test_untitled_notification_has_null_title(client: TestClient, owned: tuple[str, str, str]) -> None:
    _, token, base = owned
    body = {"event": "build_success", "method": "email", "config": {"email": "a@x.com"}, "eventConfig": {}}
    created = client.post(base, json=body, headers=_h(token))
    assert created.status_code == 201
    assert created.json()["title"] is None
    assert created.json()["config"] == {"email": "a@x.com"}


@pytest.mark.parametrize(
    "case",
    [
        ("repo_push", "carrier_pigeon", {}, "Unable to find method: carrier_pigeon"),
        ("nope", "webhook", {"url": "https://example.com"}, "Unable to find event: nope"),
        ("repo_push", "webhook", {}, "Missing webhook URL"),
        ("repo_push", "email", {"email": ""}, "Missing e-mail address"),
        ("repo_push", "slack", {}, "Missing Slack Callback URL"),
        ("repo_push", "flowdock", {}, "Missing Flowdock API Token"),
        ("repo_push", "hipchat", {"room_id": "1"}, "Missing Hipchat Room Notification Token"),
        ("repo_push", "hipchat", {"notification_token": "t"}, "Missing Hipchat Room ID"),
        ("repo_push", "quay_notification", {}, "Missing target"),
        (
            "repo_push",
            "quay_notification",
            {"target": {"kind": "user", "name": "ghost"}},
            "Unknown user ghost",
        ),
        ("repo_push", "quay_notification", {"target": {"kind": "team", "name": "t"}}, "Unknown team t"),
        (
            "repo_push",
            "quay_notification",
            {"target": {"kind": "org", "name": "ghost"}},
            "Unknown organization ghost",
        ),
    ],
)
def test_invalid_notifications_are_400_with_quays_message(
    client: TestClient,
    runtime: Runtime,
    owned: tuple[str, str, str],
    case: tuple[str, str, dict[str, Any], str],
) -> None:
    _, token, base = owned
    event, method, config, message = case
    body = {"event": event, "method": method, "config": config, "eventConfig": {}}
    refused = client.post(base, json=body, headers=_h(token))
    assert refused.status_code == 400
    _error(refused.json(), message)
    assert client.get(base, headers=_h(token)).json() == {"notifications": []}
    assert _logs(runtime) == []


def test_missing_field_is_400_naming_it(client: TestClient, owned: tuple[str, str, str]) -> None:
    _, token, base = owned
    refused = client.post(base, json={}, headers=_h(token))
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("'event' is a required property")


def test_unknown_notification_errors_match_quay(client: TestClient, owned: tuple[str, str, str]) -> None:
    owner, token, base = owned
    missing = client.get(f"{base}QFAT", headers=_h(token))
    assert missing.status_code == 404
    _error(missing.json(), "Not Found", 404, "not_found")
    message = f"No repository notification found for: {owner}, app, QFAT"
    for method, path in (("DELETE", f"{base}QFAT"), ("POST", f"{base}QFAT"), ("POST", f"{base}QFAT/test")):
        answer = client.request(method, path, headers=_h(token))
        assert answer.status_code == 400
        _error(answer.json(), message)


def test_notification_of_another_repository_is_not_found(
    client: TestClient, runtime: Runtime, owned: tuple[str, str, str]
) -> None:
    owner, token, base = owned
    make_repo(runtime, owner, "other")
    body = {
        "event": "repo_push",
        "method": "webhook",
        "config": {"url": "https://e.com/h"},
        "eventConfig": {},
    }
    uuid = client.post(base, json=body, headers=_h(token)).json()["uuid"]
    other = f"/api/v1/repository/{owner}/other/notification/"
    assert client.get(f"{other}{uuid}", headers=_h(token)).status_code == 404
    assert client.delete(f"{other}{uuid}", headers=_h(token)).status_code == 400
    assert client.get(f"{base}{uuid}", headers=_h(token)).status_code == 200


def test_stranger_gets_403_whether_or_not_it_exists(
    client: TestClient, runtime: Runtime, owned: tuple[str, str, str]
) -> None:
    _, _, base = owned
    _, stranger = user_with_token(runtime)
    _error(client.get(base, headers=_h(stranger)).json(), "Unauthorized", 403, "insufficient_scope")
    assert client.get(f"{base}QFAT", headers=_h(stranger)).status_code == 403
    assert client.get("/api/v1/repository/nobody/none/notification/", headers=_h(stranger)).status_code == 403


def _failures_reach(client: TestClient, path: str, token: str, count: int) -> bool:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if client.get(path, headers=_h(token)).json()["number_of_failures"] == count:
            return True
        time.sleep(0.05)
    return False


def test_webhook_test_posts_the_sample_and_counts_failures(
    client: TestClient, runtime: Runtime, owned: tuple[str, str, str], receiver: Receiver
) -> None:
    owner, token, base = owned
    body = {"event": "repo_push", "method": "webhook", "config": {"url": receiver.url}, "eventConfig": {}}
    uuid = client.post(base, json=body, headers=_h(token)).json()["uuid"]
    one = f"{base}{uuid}"
    # A loopback webhook is refused unless its host is in SSRF_ALLOWED_HOSTS: a failure, nothing sent.
    assert client.post(f"{one}/test", headers=_h(token)).status_code == 200
    assert _failures_reach(client, one, token, 1)
    assert receiver.bodies == []
    runtime.settings = replace(runtime.settings, ssrf_allowed_hosts=frozenset({"127.0.0.1"}))
    assert client.post(f"{one}/test", headers=_h(token)).status_code == 200
    assert receiver.arrived.wait(15)
    assert receiver.bodies == [
        {
            "repository": f"{owner}/app",
            "namespace": owner,
            "name": "app",
            "docker_url": f"testserver/{owner}/app",
            "homepage": f"https://testserver/repository/{owner}/app",
            "updated_tags": ["latest"],
        }
    ]
    receiver.status = 500
    assert client.post(f"{one}/test", headers=_h(token)).status_code == 200
    assert _failures_reach(client, one, token, 2)
    assert client.post(one, headers=_h(token)).status_code == 204
    assert client.get(one, headers=_h(token)).json()["number_of_failures"] == 0


def test_a_tagged_push_sends_repo_push_to_its_notifications(
    client: TestClient, runtime: Runtime, owned: tuple[str, str, str], receiver: Receiver
) -> None:
    owner, token, base = owned
    runtime.settings = replace(runtime.settings, ssrf_allowed_hosts=frozenset({"127.0.0.1"}))
    for event in ("repo_push", "build_failure"):  # only the first is about pushes
        body = {"event": event, "method": "webhook", "config": {"url": receiver.url}, "eventConfig": {}}
        assert client.post(base, json=body, headers=_h(token)).status_code == 201
    repo = f"{owner}/app"
    v2 = user_headers(client, owner, [repo])
    push_image(client, repo, "v1.2", v2)
    assert receiver.arrived.wait(15)
    time.sleep(0.3)  # a second (wrong) delivery would have arrived by now
    assert receiver.bodies == [
        {
            "repository": repo,
            "namespace": owner,
            "name": "app",
            "docker_url": f"testserver/{repo}",
            "homepage": f"https://testserver/repository/{repo}",
            "updated_tags": ["v1.2"],
        }
    ]
    receiver.arrived.clear()
    digest, manifest = push_image(client, repo, "v1.3", v2)
    assert receiver.arrived.wait(15)
    assert receiver.bodies[-1]["updated_tags"] == ["v1.3"]
    count = len(receiver.bodies)
    by_digest = client.put(
        f"/v2/{repo}/manifests/{digest}",
        content=manifest,
        headers={**v2, "Content-Type": "application/vnd.oci.image.manifest.v1+json"},
    )
    assert by_digest.status_code == 201
    time.sleep(0.3)
    assert len(receiver.bodies) == count  # a push by digest updates no tag: nothing to tell
