"""``/api/v1/user/notifications[/{uuid}]``: Quay's shapes, paging, dismissal, and isolation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from starlette.applications import Starlette

from berth.accounts.models import Notification
from berth.accounts.notifications import create_notification
from berth.app import create_app
from berth.runtime import Runtime
from tests.api.browser import Browser
from tests.factories import PASSWORD, make_token, make_user


def _app(runtime: Runtime) -> Starlette:
    return create_app(runtime.settings, runtime)


def _user_with_notes(runtime: Runtime, count: int) -> tuple[str, list[str]]:
    now = runtime.clock()
    with runtime.db.transaction() as session:
        account = make_user(session, now)
        uuids = [
            create_notification(
                session,
                account,
                "org_team_invite",
                now=now + timedelta(seconds=i),
                metadata={"org": "buynlarge", "team": f"team{i}", "inviter": "devtable"},
            ).uuid
            for i in range(count)
        ]
        return account.username, uuids


def test_list_get_and_dismiss(runtime: Runtime) -> None:
    name, uuids = _user_with_notes(runtime, 2)
    browser = Browser(_app(runtime))
    browser.signin(name, PASSWORD)
    listed = browser.call("GET", "/api/v1/user/notifications")
    assert listed.status_code == 200
    body = listed.json()
    assert body["additional"] is False
    assert [n["id"] for n in body["notifications"]] == list(reversed(uuids))  # newest first
    note = body["notifications"][0]
    assert set(note) == {"id", "organization", "kind", "created", "metadata", "dismissed"}
    assert note["organization"] is None
    assert note["kind"] == "org_team_invite"
    assert note["created"].endswith("-0000")
    assert note["metadata"]["team"] == "team1"
    assert note["dismissed"] is False
    one = browser.call("GET", f"/api/v1/user/notifications/{uuids[0]}")
    assert one.json()["id"] == uuids[0]
    dismissed = browser.call("PUT", f"/api/v1/user/notifications/{uuids[0]}", json={"dismissed": True})
    assert dismissed.status_code == 200
    assert dismissed.json()["dismissed"] is True
    remaining = browser.call("GET", "/api/v1/user/notifications").json()["notifications"]
    assert [n["id"] for n in remaining] == [uuids[1]]
    # A dismissed notification can still be fetched and restored.
    assert browser.call("GET", f"/api/v1/user/notifications/{uuids[0]}").json()["dismissed"] is True
    restored = browser.call("PUT", f"/api/v1/user/notifications/{uuids[0]}", json={"dismissed": False})
    assert restored.json()["dismissed"] is False


def test_paging(runtime: Runtime) -> None:
    name, uuids = _user_with_notes(runtime, 7)
    token = make_token(runtime, name)
    browser = Browser(_app(runtime))
    auth = {"Authorization": f"Bearer {token}"}
    first = browser.client.get("/api/v1/user/notifications", headers=auth).json()
    assert len(first["notifications"]) == 5
    assert first["additional"] is True
    second = browser.client.get("/api/v1/user/notifications?page=2", headers=auth).json()
    assert [n["id"] for n in second["notifications"]] == [uuids[1], uuids[0]]
    assert second["additional"] is False
    limited = browser.client.get("/api/v1/user/notifications?limit=7", headers=auth).json()
    assert len(limited["notifications"]) == 7
    assert limited["additional"] is False
    bad = browser.client.get("/api/v1/user/notifications?page=x", headers=auth)
    assert bad.status_code == 400


def test_other_users_notifications_are_not_found(runtime: Runtime) -> None:
    _, uuids = _user_with_notes(runtime, 1)
    other, _ = _user_with_notes(runtime, 0)
    browser = Browser(_app(runtime))
    browser.signin(other, PASSWORD)
    assert browser.call("GET", "/api/v1/user/notifications").json() == {
        "notifications": [],
        "additional": False,
    }
    missing = browser.call("GET", f"/api/v1/user/notifications/{uuids[0]}")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Not Found"
    assert missing.json()["error_type"] == "not_found"
    put = browser.call("PUT", f"/api/v1/user/notifications/{uuids[0]}", json={"dismissed": True})
    assert put.status_code == 404
    with runtime.db.transaction(write=False) as session:
        note = session.scalar(select(Notification).where(Notification.uuid == uuids[0]))
        assert note is not None
        assert note.dismissed is False


def test_anonymous_is_401_and_writes_need_csrf(runtime: Runtime) -> None:
    name, uuids = _user_with_notes(runtime, 1)
    browser = Browser(_app(runtime))
    anon = browser.call("GET", "/api/v1/user/notifications")
    assert anon.status_code == 401
    assert anon.json()["error_type"] == "invalid_token"
    browser.signin(name, PASSWORD)
    refused = browser.call(
        "PUT", f"/api/v1/user/notifications/{uuids[0]}", json={"dismissed": True}, csrf=False
    )
    assert refused.status_code == 403
