"""Usage logs over HTTP: Quay's entry shape, windows, pages, the performer filter, per-day counts,
the installation-wide list, and exports delivered to a local callback server and an SMTP sink."""

from __future__ import annotations

import socket
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from typing import Any

import pytest
from starlette.testclient import TestClient

from berth.accounts.service import get_account
from berth.app import create_app
from berth.auditlog.service import Actor, entry_row, log_action
from berth.config import FEATURE_DEFAULTS
from berth.lib.avatar import avatar
from berth.repos.service import get_repository
from berth.runtime import Runtime
from tests.factories import user_with_token
from tests.http_receiver import Receiver
from tests.smtp import SmtpSink

NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)  # the test clock's reading
BAD_REQUEST = "The browser (or proxy) sent a request that this server could not understand."


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _account_id(runtime: Runtime, name: str) -> int:
    with runtime.db.transaction() as session:
        account = get_account(session, name)
        assert account is not None
        return account.id


def _repo_id(runtime: Runtime, repo: str) -> int:
    namespace, name = repo.split("/", 1)
    with runtime.db.transaction() as session:
        found = get_repository(session, namespace, name)
        assert found is not None
        return found.id


def _entry(
    runtime: Runtime,
    kind: str,
    *,
    at: datetime,
    namespace: str | None = None,
    repository_id: int | None = None,
    performer: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Write one entry as the services do, at a chosen time."""
    namespace_id = _account_id(runtime, namespace) if namespace else None
    performer_id = _account_id(runtime, performer) if performer else None
    with runtime.db.transaction() as session:
        log_action(
            session,
            kind,
            actor=Actor(performer_id, ip="10.0.0.1"),
            now=at,
            namespace_id=namespace_id,
            repository_id=repository_id,
            metadata=metadata,
        )


@pytest.fixture
def acme(client: TestClient, runtime: Runtime) -> tuple[str, str]:
    """An organization ``acme`` with a private repository ``acme/app``; (owner, owner's token)."""
    owner, token = user_with_token(runtime)
    created = client.post(
        "/api/v1/organization/", json={"name": "acme", "email": "acme@x.io"}, headers=_h(token)
    )
    assert created.status_code == 201
    repo = client.post(
        "/api/v1/repository",
        json={"namespace": "acme", "repository": "app", "visibility": "private", "description": ""},
        headers=_h(token),
    )
    assert repo.status_code == 201
    return owner, token


def _all_pages(client: TestClient, url: str, token: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    params: dict[str, str] = {}
    for _ in range(20):
        body = client.get(url, params=params, headers=_h(token)).json()
        assert len(body["logs"]) <= 20
        entries.extend(body["logs"])
        if "next_page" not in body:
            return entries
        params = {"next_page": body["next_page"]}
    raise AssertionError("paging never ended")


def test_org_logs_have_quays_shape(client: TestClient, runtime: Runtime, acme: tuple[str, str]) -> None:
    owner, token = acme
    response = client.get("/api/v1/organization/acme/logs", headers=_h(token))
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["start_time", "end_time", "logs"]  # no next_page on the last page
    # The default window runs from a day ago to a day ahead.
    assert body["start_time"] == "Wed, 14 Jan 2026 12:00:00 -0000"
    assert body["end_time"] == "Fri, 16 Jan 2026 12:00:00 -0000"
    kinds = [entry["kind"] for entry in body["logs"]]
    assert kinds.index("create_repo") < kinds.index("org_create")  # newest first
    create_repo = body["logs"][kinds.index("create_repo")]
    assert list(create_repo) == ["kind", "metadata", "ip", "datetime", "performer"]
    assert create_repo["metadata"]["repo"] == "app"
    assert create_repo["metadata"]["namespace"] == "acme"
    assert create_repo["ip"] == "testclient"
    assert create_repo["datetime"] == "Thu, 15 Jan 2026 12:00:00 -0000"
    assert create_repo["performer"] == {
        "kind": "user",
        "name": owner,
        "is_robot": False,
        "avatar": avatar(owner, f"{owner}@example.com", "user"),
    }


def test_pages_of_twenty_follow_next_page(
    client: TestClient, runtime: Runtime, acme: tuple[str, str]
) -> None:
    owner, token = acme
    for n in range(45):
        _entry(
            runtime,
            "org_change_email",
            at=NOW - timedelta(minutes=1) - timedelta(seconds=n % 30),  # ties broken by id
            namespace="acme",
            performer=owner,
            metadata={"n": n},
        )
    first = client.get("/api/v1/organization/acme/logs", headers=_h(token)).json()
    assert len(first["logs"]) == 20
    assert isinstance(first["next_page"], str)
    entries = _all_pages(client, "/api/v1/organization/acme/logs", token)
    numbered = [e["metadata"]["n"] for e in entries if e["kind"] == "org_change_email"]
    assert sorted(numbered) == list(range(45))  # every entry once, none twice
    stamps = [datetime.strptime(e["datetime"], "%a, %d %b %Y %H:%M:%S -0000") for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    # An unreadable token (or another list's) starts from the first page, as Quay does.
    again = client.get("/api/v1/organization/acme/logs", params={"next_page": "garbage"}, headers=_h(token))
    assert again.json()["logs"] == first["logs"]


def test_window_from_starttime_and_endtime(
    client: TestClient, runtime: Runtime, acme: tuple[str, str]
) -> None:
    owner, token = acme
    _entry(
        runtime,
        "org_change_email",
        at=datetime(2026, 1, 1, 10, tzinfo=UTC),
        namespace="acme",
        performer=owner,
    )
    _entry(
        runtime,
        "org_change_name",
        at=datetime(2026, 1, 10, 10, tzinfo=UTC),
        namespace="acme",
        performer=owner,
    )
    url = "/api/v1/organization/acme/logs"
    body = client.get(
        url, params={"starttime": "01/01/2026", "endtime": "01/05/2026"}, headers=_h(token)
    ).json()
    assert body["start_time"] == "Thu, 01 Jan 2026 00:00:00 -0000"
    assert body["end_time"] == "Tue, 06 Jan 2026 00:00:00 -0000"  # the whole end day
    assert [e["kind"] for e in body["logs"]] == ["org_change_email"]
    assert body["logs"][0]["datetime"] == "Thu, 01 Jan 2026 10:00:00 -0000"
    body = client.get(url, params={"starttime": "01/10/2026"}, headers=_h(token)).json()
    assert "org_change_name" in [e["kind"] for e in body["logs"]]
    assert "org_change_email" not in [e["kind"] for e in body["logs"]]
    # Unreadable dates fall back to the default window (Quay ignores them).
    body = client.get(url, params={"starttime": "2026-01-01", "endtime": "x"}, headers=_h(token)).json()
    assert body["start_time"] == "Wed, 14 Jan 2026 12:00:00 -0000"
    assert {"org_change_email", "org_change_name"}.isdisjoint(e["kind"] for e in body["logs"])
    backwards = client.get(
        url, params={"starttime": "01/10/2026", "endtime": "01/01/2026"}, headers=_h(token)
    )
    assert backwards.status_code == 400
    assert backwards.json() == {"message": BAD_REQUEST}


def test_performer_filter(client: TestClient, runtime: Runtime, acme: tuple[str, str]) -> None:
    owner, token = acme
    other, _ = user_with_token(runtime)
    _entry(runtime, "org_change_email", at=NOW, namespace="acme", performer=other)
    url = "/api/v1/organization/acme/logs"
    mine = client.get(url, params={"performer": owner}, headers=_h(token)).json()["logs"]
    assert mine
    assert {e["performer"]["name"] for e in mine} == {owner}
    theirs = client.get(url, params={"performer": other}, headers=_h(token)).json()["logs"]
    assert [(e["kind"], e["performer"]["name"]) for e in theirs] == [("org_change_email", other)]
    assert client.get(url, params={"performer": "nobody"}, headers=_h(token)).json()["logs"] == []
    aggregated = client.get(
        "/api/v1/organization/acme/aggregatelogs", params={"performer": other}, headers=_h(token)
    )
    assert aggregated.json() == {
        "aggregated": [
            {"kind": "org_change_email", "count": 1, "datetime": "Thu, 15 Jan 2026 00:00:00 -0000"}
        ]
    }


def test_user_logs_cover_own_namespace_without_service_kinds(client: TestClient, runtime: Runtime) -> None:
    me, token = user_with_token(runtime)
    other, _ = user_with_token(runtime)
    _entry(runtime, "user_change_email", at=NOW, namespace=me, performer=me)
    _entry(runtime, "service_key_create", at=NOW, namespace=me, performer=me)
    _entry(runtime, "user_change_email", at=NOW, namespace=other, performer=other)
    body = client.get("/api/v1/user/logs", headers=_h(token)).json()
    assert [(e["kind"], e["performer"]["name"]) for e in body["logs"]] == [("user_change_email", me)]
    counts = client.get("/api/v1/user/aggregatelogs", headers=_h(token)).json()
    assert counts == {
        "aggregated": [
            {"kind": "user_change_email", "count": 1, "datetime": "Thu, 15 Jan 2026 00:00:00 -0000"}
        ]
    }
    assert client.get("/api/v1/user/logs").status_code == 401


def test_repo_logs_include_queued_pulls(client: TestClient, runtime: Runtime, acme: tuple[str, str]) -> None:
    owner, token = acme
    repo_id = _repo_id(runtime, "acme/app")
    _entry(runtime, "org_change_email", at=NOW, namespace="acme", performer=owner)  # not the repo's
    # Pulls queue their entries in this process's deferred writer; reading logs writes them first.
    runtime.deferred_logs.add(
        entry_row(
            "pull_repo",
            actor=Actor(_account_id(runtime, owner), ip="10.0.0.2"),
            now=NOW + timedelta(seconds=1),
            namespace_id=_account_id(runtime, "acme"),
            repository_id=repo_id,
            metadata={"repo": "app", "namespace": "acme", "tag": "latest"},
        )
    )
    body = client.get("/api/v1/repository/acme/app/logs", headers=_h(token)).json()
    assert [e["kind"] for e in body["logs"]] == ["pull_repo", "create_repo"]
    assert body["logs"][0]["metadata"] == {"repo": "app", "namespace": "acme", "tag": "latest"}
    assert body["logs"][0]["ip"] == "10.0.0.2"
    missing = client.get("/api/v1/repository/acme/nothing/logs", headers=_h(token))
    assert missing.status_code == 404
    counts = client.get("/api/v1/repository/acme/app/aggregatelogs", headers=_h(token)).json()["aggregated"]
    assert sorted((c["kind"], c["count"]) for c in counts) == [("create_repo", 1), ("pull_repo", 1)]


def test_superuser_logs_name_the_namespace(
    client: TestClient, runtime: Runtime, acme: tuple[str, str]
) -> None:
    owner, token = acme
    robot = client.put("/api/v1/organization/acme/robots/builder", headers=_h(token))
    assert robot.status_code == 201
    _entry(runtime, "push_repo", at=NOW + timedelta(seconds=5), namespace="acme", performer="acme+builder")
    _entry(runtime, "user_change_email", at=NOW + timedelta(seconds=4), namespace=owner)
    _, admin_token = user_with_token(runtime, superuser=True)
    body = client.get("/api/v1/superuser/logs", headers=_h(admin_token)).json()
    push, change = body["logs"][0], body["logs"][1]
    assert push["kind"] == "push_repo"
    assert push["performer"] == {
        "kind": "user",
        "name": "acme+builder",
        "is_robot": True,
        "avatar": avatar("acme+builder", None, "robot"),
    }
    assert push["namespace"] == {"kind": "org", "name": "acme", "avatar": avatar("acme", "acme@x.io", "org")}
    assert list(change) == ["kind", "metadata", "ip", "datetime", "namespace"]  # no performer recorded
    assert change["namespace"] == {
        "kind": "user",
        "name": owner,
        "avatar": avatar(owner, f"{owner}@example.com", "user"),
    }
    denied = client.get("/api/v1/superuser/logs", headers=_h(token))
    assert denied.status_code == 403
    assert denied.json()["error_type"] == "insufficient_scope"


def test_aggregates_count_kinds_per_day(client: TestClient, runtime: Runtime, acme: tuple[str, str]) -> None:
    owner, token = acme
    repo_id = _repo_id(runtime, "acme/app")
    for hours in (1, 2, 3):
        _entry(
            runtime,
            "push_repo",
            at=NOW - timedelta(hours=20 + hours),
            namespace="acme",
            repository_id=repo_id,
        )
    _entry(runtime, "push_repo", at=NOW - timedelta(hours=1), namespace="acme", repository_id=repo_id)
    body = client.get("/api/v1/repository/acme/app/aggregatelogs", headers=_h(token)).json()
    assert body == {
        "aggregated": [
            {"kind": "push_repo", "count": 3, "datetime": "Wed, 14 Jan 2026 00:00:00 -0000"},
            {"kind": "create_repo", "count": 1, "datetime": "Thu, 15 Jan 2026 00:00:00 -0000"},
            {"kind": "push_repo", "count": 1, "datetime": "Thu, 15 Jan 2026 00:00:00 -0000"},
        ]
    }
    too_long = client.get(
        "/api/v1/organization/acme/aggregatelogs",
        params={"starttime": "01/01/2026", "endtime": "01/31/2026"},
        headers=_h(token),
    )
    assert too_long.status_code == 400
    assert too_long.json() == {"message": "Invalid date range for logs"}
    features = {**FEATURE_DEFAULTS, "AGGREGATED_LOG_COUNT_RETRIEVAL": False, "LOG_EXPORT": False}
    settings = replace(runtime.settings, features=features)
    with TestClient(create_app(settings, replace(runtime, settings=settings))) as off:
        assert off.get("/api/v1/repository/acme/app/aggregatelogs", headers=_h(token)).status_code == 404
        export = off.post("/api/v1/user/exportlogs", json={"callback_email": "a@x.io"}, headers=_h(token))
        assert export.status_code == 404
        assert off.get("/api/v1/repository/acme/app/logs", headers=_h(token)).status_code == 200
    del owner


def test_export_posts_to_the_callback(
    client: TestClient, runtime: Runtime, acme: tuple[str, str], receiver: Receiver
) -> None:
    owner, token = acme
    refused = client.post(
        "/api/v1/repository/acme/app/exportlogs", json={"callback_url": receiver.url}, headers=_h(token)
    )
    assert refused.status_code == 200
    assert runtime.log_exports.wait(15)
    assert receiver.bodies == []  # a loopback callback is refused unless its host is allowed (SSRF)
    failure = client.get("/api/v1/repository/acme/app/logs", headers=_h(token)).json()["logs"][0]
    assert failure["kind"] == "export_logs_failure"
    assert failure["metadata"]["error"] == "callback refused: the host is not public (SSRF_ALLOWED_HOSTS)"
    assert failure["metadata"]["repo"] == "app"
    for key in list(runtime.storage.list("exports/")):
        runtime.storage.delete(key)
    runtime.settings = replace(runtime.settings, ssrf_allowed_hosts=frozenset({"127.0.0.1"}))
    response = client.post(
        "/api/v1/repository/acme/app/exportlogs",
        params={"starttime": "01/14/2026", "endtime": "01/15/2026"},
        json={"callback_url": receiver.url, "starttime": "ignored"},
        headers=_h(token),
    )
    assert response.status_code == 200
    assert list(response.json()) == ["export_id"]
    export_id = response.json()["export_id"]
    assert str(uuid.UUID(export_id)) == export_id
    assert receiver.arrived.wait(15)
    assert runtime.log_exports.wait(15)
    [payload] = receiver.bodies
    assert payload["export_id"] == export_id
    assert payload["status"] == "success"
    assert (payload["namespace"], payload["repository"]) == ("acme", "app")
    assert (payload["start_time"], payload["end_time"]) == ("01/14/2026", "01/16/2026")
    [key] = list(runtime.storage.list("exports/"))
    assert (
        payload["exported_data_url"] == f"http://testserver/exportedlogs/{key.removeprefix('exports/')[:-5]}"
    )
    download = client.get(payload["exported_data_url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/json"
    document = download.json()
    assert download.content == runtime.storage.read_bytes(key)
    assert client.get(f"/exportedlogs/{export_id}-{uuid.uuid4()}").status_code == 404
    assert client.get("/exportedlogs/..%2Fsecret").status_code == 404
    assert document["export_id"] == export_id
    assert document["details"] == {
        "start_time": "Wed, 14 Jan 2026 00:00:00 -0000",
        "end_time": "Fri, 16 Jan 2026 00:00:00 -0000",
        "namespace": "acme",
        "repository": "app",
    }
    assert document["logs"][-1] == {"terminator": True}
    assert {e["kind"] for e in document["logs"][:-1]} == {
        "create_repo",
        "export_logs_success",
        "export_logs_failure",
    }
    queued = client.get("/api/v1/repository/acme/app/logs", headers=_h(token)).json()["logs"][0]
    assert queued["kind"] == "export_logs_success"
    assert queued["performer"]["name"] == owner
    assert isinstance(queued["metadata"]["oauth_token_id"], int)  # added for token callers, as Quay
    assert queued["metadata"] == {
        "oauth_token_id": queued["metadata"]["oauth_token_id"],
        "date/time": int(NOW.timestamp()),
        "export_id": export_id,
        "message": "queued for export",
        "url": receiver.url,
        "email": None,
        "repo": "app",
    }


def test_export_mails_the_link(runtime: Runtime, smtp_sink: SmtpSink) -> None:
    settings = replace(runtime.settings, mail_server="127.0.0.1", mail_port=smtp_sink.port)
    mailing = replace(runtime, settings=settings)
    _, token = user_with_token(mailing)
    with TestClient(create_app(settings, mailing)) as client:
        assert client.post(
            "/api/v1/organization/", json={"name": "acme", "email": "a@x.io"}, headers=_h(token)
        )
        response = client.post(
            "/api/v1/organization/acme/exportlogs",
            json={"callback_email": "audit@x.io"},
            headers=_h(token),
        )
        assert response.status_code == 200
        export_id = response.json()["export_id"]
        assert mailing.log_exports.wait(15)
    assert len(smtp_sink.messages) == 1
    mail = message_from_bytes(smtp_sink.messages[0])
    assert mail["To"] == "audit@x.io"
    text = mail.get_payload(decode=True)
    assert isinstance(text, bytes)
    assert export_id.encode() in text
    assert b"http://testserver/exportedlogs/" in text


def test_export_validates_the_body(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    url = "/api/v1/user/exportlogs"
    for body, message in (
        ({"callback_url": "ftp://x.io/logs"}, "Invalid callback URL"),
        ({"callback_url": "http://"}, "Invalid callback URL"),
        ({"callback_email": "nobody"}, "Invalid callback e-mail"),
        ({}, "Either callback_url or callback_email is required"),
    ):
        response = client.post(url, json=body, headers=_h(token))
        assert response.status_code == 400, body
        assert response.json() == {"message": message}
    wrong_type = client.post(url, json={"callback_url": 5}, headers=_h(token))
    assert wrong_type.status_code == 400
    assert wrong_type.json()["error_type"] == "invalid_request"
    assert runtime.log_exports.running == 0
    assert client.get("/api/v1/user/logs", headers=_h(token)).json()["logs"] == []


def test_failed_delivery_is_logged(client: TestClient, runtime: Runtime) -> None:
    runtime.settings = replace(runtime.settings, ssrf_allowed_hosts=frozenset({"127.0.0.1"}))
    me, token = user_with_token(runtime)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/gone"
    response = client.post("/api/v1/user/exportlogs", json={"callback_url": closed}, headers=_h(token))
    assert response.status_code == 200
    export_id = response.json()["export_id"]
    deadline = time.monotonic() + 15
    while runtime.log_exports.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert runtime.log_exports.wait(1)
    logs = client.get("/api/v1/user/logs", headers=_h(token)).json()["logs"]
    assert [e["kind"] for e in logs] == ["export_logs_failure", "export_logs_success"]
    assert logs[0]["performer"]["name"] == me
    assert logs[0]["metadata"] == {
        "oauth_token_id": logs[1]["metadata"]["oauth_token_id"],
        "export_id": export_id,
        "error": "callback failed: ConnectError",
        "url": closed,
        "email": None,
    }
