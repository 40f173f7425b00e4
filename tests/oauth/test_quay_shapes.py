"""Berth answers with the keys real Quay answered (golden seq 70-78): a Quay client reading them keeps
working. Also: tokens without an application in the user's authorizations, and
``FEATURE_APP_SPECIFIC_TOKENS`` off hides the API and refuses ``$app`` at ``/v2/auth``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from berth.app import create_app
from berth.runtime import Runtime
from tests.factories import make_token, user_with_token
from tests.oauth.helpers import h, make_org
from tests.registry.helpers import basic


def _keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_keys(value[0])] if value else []
    return None


def _golden(spec_dir: Path) -> dict[int, dict[str, Any]]:
    rows = (
        json.loads(line)
        for line in (spec_dir / "quay-golden-responses.jsonl").read_text().splitlines()
        if line
    )
    return {row["seq"]: row for row in rows if 70 <= row["seq"] <= 78}


def test_same_keys_as_quay(client: TestClient, runtime: Runtime, spec_dir: Path) -> None:
    golden = _golden(spec_dir)
    _, token = user_with_token(runtime, superuser=True)
    make_org(client, token)
    created = client.post(
        "/api/v1/organization/acme/applications", json=golden[70]["request_body"], headers=h(token)
    )
    cid = created.json()["client_id"]
    token_body = client.post(
        "/api/v1/user/apptoken", json=golden[74]["request_body"], headers=h(token)
    ).json()
    uuid = token_body["token"]["uuid"]
    ours = {
        70: created.json(),
        71: client.get("/api/v1/organization/acme/applications", headers=h(token)).json(),
        72: client.get(f"/api/v1/organization/acme/applications/{cid}", headers=h(token)).json(),
        73: client.get(f"/api/v1/app/{cid}", headers=h(token)).json(),
        74: token_body,
        75: client.get("/api/v1/user/apptoken", headers=h(token)).json(),
        76: client.get(f"/api/v1/user/apptoken/{uuid}", headers=h(token)).json(),
        77: client.get("/api/v1/superuser/apptokens", headers=h(token)).json(),
        78: client.get("/api/v1/user/assignedauthorization", headers=h(token)).json(),
    }
    for seq, body in ours.items():
        assert _keys(body) == _keys(golden[seq]["response_json"]), golden[seq]["name"]
    assert ours[70]["description"] == "test app"
    assert ours[75]["only_expiring"] is None


def test_tokens_without_an_application_are_listed(client: TestClient, runtime: Runtime) -> None:
    owner, token = user_with_token(runtime)
    listed = client.get("/api/v1/user/authorizations", headers=h(token)).json()["authorizations"]
    assert len(listed) == 1
    assert listed[0]["application"]["organization"]["name"] == owner
    assert len(listed[0]["scopes"]) == 8
    assert {"title", "scope", "description", "icon", "dangerous"} == set(listed[0]["scopes"][0])
    one = client.get(f"/api/v1/user/authorizations/{listed[0]['uuid']}", headers=h(token))
    assert one.json() == listed[0]
    other = make_token(runtime, owner, frozenset({"user:admin"}))
    assert (
        client.delete(f"/api/v1/user/authorizations/{listed[0]['uuid']}", headers=h(other)).status_code == 204
    )
    assert client.get("/api/v1/user/", headers=h(token)).status_code == 401


def test_app_specific_tokens_feature_off(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    code = client.post("/api/v1/user/apptoken", json={"title": "t"}, headers=h(token)).json()["token"][
        "token_code"
    ]
    assert (
        client.get("/v2/auth", params={"service": "testserver"}, headers=basic("$app", code)).status_code
        == 200
    )
    features = {**runtime.settings.features, "APP_SPECIFIC_TOKENS": False}
    off = Runtime(replace(runtime.settings, features=features), runtime.db, runtime.storage, runtime.clock)
    with TestClient(create_app(off.settings, off)) as off_client:
        assert off_client.get("/api/v1/user/apptoken", headers=h(token)).status_code == 404
        refused = off_client.get("/v2/auth", params={"service": "testserver"}, headers=basic("$app", code))
        assert refused.status_code == 401
