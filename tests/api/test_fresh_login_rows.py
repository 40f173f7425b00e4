"""Meta-tests: every route Quay marks ``requires_fresh_login`` is marked so here, and a stale
browser session is refused on each of them with 401 ``fresh_login_required``."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from starlette.applications import Starlette

from berth.api.v1.routes import ENDPOINTS
from berth.app import create_app
from berth.runtime import Runtime
from tests.api.browser import Browser
from tests.conftest import Clock
from tests.factories import PASSWORD, make_user


def test_fresh_login_rows_match_quay(spec_dir: Path) -> None:
    operations = json.loads((spec_dir / "quay-api-v1-operations.json").read_text())
    fresh = {op["nickname"] for op in operations if op.get("nickname") and op.get("requires_fresh_login")}
    wrong = [e.nickname for e in ENDPOINTS if e.fresh_login != (e.nickname in fresh)]
    assert wrong == []


def test_stale_session_is_refused_on_every_fresh_login_route(runtime: Runtime, clock: Clock) -> None:
    # Turn on the flags gating these routes (a gated route is a 404 while its flag is off).
    flags = {
        part.strip().removeprefix("FEATURE_")
        for e in ENDPOINTS
        if e.fresh_login and e.feature
        for part in e.feature.split(" and ")
    }
    runtime.settings = replace(
        runtime.settings, features={**runtime.settings.features, **dict.fromkeys(flags, True)}
    )
    with runtime.db.transaction() as session:
        name = make_user(session, clock()).username
    app: Starlette = create_app(runtime.settings, runtime)
    browser = Browser(app)
    assert browser.signin(name, PASSWORD).status_code == 200
    clock.advance(runtime.settings.fresh_login_timeout_s + 1)
    routes = [e for e in ENDPOINTS if e.fresh_login]
    assert routes
    for endpoint in routes:
        path = re.sub(r"{[^}]+}", "x", endpoint.path)
        response = browser.call(endpoint.method, path, json={})
        assert response.status_code == 401, endpoint.nickname
        assert response.json()["error_type"] == "fresh_login_required", endpoint.nickname
    assert browser.me().status_code == 200
