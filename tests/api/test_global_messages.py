"""Global messages as Quay serves them (golden exchanges seq 106-110)."""

from __future__ import annotations

import re
from dataclasses import replace

from starlette.testclient import TestClient

from berth.lib.scopes import ALL_SCOPES, SUPER_USER
from berth.runtime import Runtime
from tests.factories import user_with_token

_MSG = {"content": "Maintenance tonight", "media_type": "text/plain", "severity": "warning"}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}")


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_create_list_delete_as_quay(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime, superuser=True)
    created = client.post("/api/v1/messages", json={"message": _MSG}, headers=_h(token))
    assert created.status_code == 201
    assert created.content == b""
    assert created.headers["content-type"].startswith("text/html")
    second = {"content": "**Upgrade** done", "media_type": "text/markdown", "severity": "info"}
    assert client.post("/api/v1/messages", json={"message": second}, headers=_h(token)).status_code == 201

    listed = client.get("/api/v1/messages")
    assert listed.status_code == 200
    messages = listed.json()["messages"]
    assert [list(m) for m in messages] == [["uuid", "content", "severity", "media_type"]] * 2
    assert [{k: m[k] for k in ("content", "severity", "media_type")} for m in messages] == [_MSG, second]
    assert all(_UUID.fullmatch(m["uuid"]) for m in messages)

    gone = client.delete(f"/api/v1/message/{messages[0]['uuid']}", headers=_h(token))
    assert gone.status_code == 204
    assert client.get("/api/v1/messages").json() == {"messages": [messages[1]]}
    # Deleting an unknown (or already deleted) message is no error, as Quay.
    assert client.delete(f"/api/v1/message/{messages[0]['uuid']}", headers=_h(token)).status_code == 204
    assert client.delete(f"/api/v1/message/{messages[1]['uuid']}", headers=_h(token)).status_code == 204
    assert client.get("/api/v1/messages").json() == {"messages": []}


def test_invalid_messages_are_400_naming_the_field(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime, superuser=True)
    html = client.post(
        "/api/v1/messages", json={"message": {**_MSG, "media_type": "text/html"}}, headers=_h(token)
    )
    assert html.status_code == 400
    body = html.json()
    assert body["error_type"] == "invalid_request"
    assert body["error_message"].startswith("'text/html' is not one of ['text/plain', 'text/markdown']")
    severity = client.post(
        "/api/v1/messages", json={"message": {**_MSG, "severity": "fatal"}}, headers=_h(token)
    )
    assert severity.status_code == 400
    assert "'fatal' is not one of ['info', 'warning', 'error']" in severity.json()["error_message"]
    missing = client.post("/api/v1/messages", json={}, headers=_h(token))
    assert missing.status_code == 400
    assert missing.json()["error_message"] == "'message' is a required property"
    no_content = client.post(
        "/api/v1/messages",
        json={"message": {"media_type": "text/plain", "severity": "info"}},
        headers=_h(token),
    )
    assert no_content.status_code == 400
    assert "content" in no_content.json()["error_message"]
    assert client.get("/api/v1/messages").json() == {"messages": []}


def test_only_superusers_with_the_scope_write(client: TestClient, runtime: Runtime) -> None:
    admin, token = user_with_token(runtime, superuser=True)
    _, plain = user_with_token(runtime)
    _, scoped_out = user_with_token(runtime, superuser=True, scopes=ALL_SCOPES - {SUPER_USER})
    for caller in (plain, scoped_out):
        refused = client.post("/api/v1/messages", json={"message": _MSG}, headers=_h(caller))
        assert refused.status_code == 403
        assert refused.json()["error_type"] == "insufficient_scope"
    assert client.post("/api/v1/messages", json={"message": _MSG}).status_code == 403  # CSRF
    assert client.post("/api/v1/messages", json={"message": _MSG}, headers=_h(token)).status_code == 201
    uuid = client.get("/api/v1/messages").json()["messages"][0]["uuid"]
    assert client.delete(f"/api/v1/message/{uuid}", headers=_h(plain)).status_code == 403
    assert client.delete(f"/api/v1/message/{uuid}", headers=_h(scoped_out)).status_code == 403
    # Other users still see the message.
    assert len(client.get("/api/v1/messages", headers=_h(plain)).json()["messages"]) == 1
    assert admin


def test_super_users_feature_off(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime, superuser=True)
    runtime.settings = replace(runtime.settings, features={**runtime.settings.features, "SUPER_USERS": False})
    assert client.post("/api/v1/messages", json={"message": _MSG}, headers=_h(token)).status_code == 404
    assert client.delete(f"/api/v1/message/{'0' * 8}", headers=_h(token)).status_code == 404
    assert client.get("/api/v1/messages").json() == {"messages": []}
