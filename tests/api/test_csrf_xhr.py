"""The request pipeline every ``/api/v1`` call shares, as a browser and a CLI meet it: CSRF, the browser
XHR rule, and access logs that never contain credentials."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from berth.accounts.sessions import create_session
from berth.api.errors import render_quay_error
from berth.api.v1.routes import ENDPOINTS
from berth.app import create_app
from berth.http.api_adapter import ApiRouteBuilder
from berth.http.endpoint import Endpoint
from berth.http.observability import JsonFormatter
from berth.http.sessions import SESSION_COOKIE
from berth.runtime import Runtime
from tests.api.probes import PROBE_PATH, PROBES
from tests.factories import make_user, user_with_token

CSRF_BODY = {"error": "CSRF token was invalid or missing."}
XHR_BODY = {"error": "API calls must be invoked with an X-Requested-With header if called from a browser"}
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)
CURL_UA = "curl/8.5.0"
INIT = {
    "username": "admin",
    "password": "password-admin-1",
    "email": "admin@example.com",
    "access_token": True,
}


# ---------------------------------------------------------------------------------------------- helpers


@pytest.fixture
def probe_client(runtime: Runtime) -> Iterator[TestClient]:
    """The app with one extra endpoint (every method, needs a user) run by the real pipeline."""
    app = create_app(runtime.settings, runtime)
    builder = ApiRouteBuilder(runtime, render_quay_error)
    app.router.routes[0:0] = [builder.route(endpoint) for endpoint in PROBES]
    with TestClient(app) as test_client:
        yield test_client


def _signed_in_session(runtime: Runtime) -> tuple[str, str, str]:
    """A web session signed in as a new user: ``(cookie, csrf_token, username)``."""
    now = runtime.clock()
    with runtime.db.transaction() as session:
        account = make_user(session, now)
        cookie, row = create_session(session, now=now, lifetime_s=3600)
        row.account_id = account.id
        row.login_time = now
        return cookie, row.csrf_token, account.username


def _anonymous_session(client: TestClient) -> str:
    response = client.get("/csrf_token")
    assert response.status_code == 200
    token: str = response.json()["csrf_token"]
    assert client.cookies.get(SESSION_COOKIE)
    return token


def _fill(path: str) -> str:
    values = {"repository": "someone/somerepo"}
    return re.sub(r"{([a-z_]+)}", lambda m: values.get(m.group(1), f"x{m.group(1)}"), path)


# ------------------------------------------------------------------------------------------------- CSRF


def test_csrf_token_creates_one_session_and_keeps_it(client: TestClient) -> None:
    first = client.get("/csrf_token")
    assert first.status_code == 200
    assert set(first.json()) == {"csrf_token"}
    assert len(first.json()["csrf_token"]) >= 32
    cookie = first.cookies.get(SESSION_COOKIE)
    assert cookie
    set_cookie = first.headers["set-cookie"].lower()
    assert "httponly" in set_cookie
    assert "samesite=lax" in set_cookie
    second = client.get("/csrf_token")
    assert second.json() == first.json()
    assert "set-cookie" not in second.headers


def test_cookie_write_without_csrf_header_is_refused(probe_client: TestClient, runtime: Runtime) -> None:
    cookie, _token, _name = _signed_in_session(runtime)
    probe_client.cookies.set(SESSION_COOKIE, cookie)
    for method in ("POST", "PUT", "DELETE"):
        response = probe_client.request(method, PROBE_PATH)
        assert response.status_code == 403
        assert response.json() == CSRF_BODY
    wrong = probe_client.post(PROBE_PATH, headers={"X-CSRF-Token": "not-the-token"})
    assert wrong.status_code == 403
    assert wrong.json() == CSRF_BODY


def test_cookie_write_with_csrf_token_passes(probe_client: TestClient, runtime: Runtime) -> None:
    cookie, token, name = _signed_in_session(runtime)
    probe_client.cookies.set(SESSION_COOKIE, cookie)
    for method in ("POST", "PUT", "DELETE"):
        response = probe_client.request(method, PROBE_PATH, headers={"X-CSRF-Token": token})
        assert response.status_code == 200
        assert response.json() == {"caller": name, "method": method}
    by_query = probe_client.post(PROBE_PATH, params={"_csrf_token": token})
    assert by_query.status_code == 200
    # Reads never need the token.
    read = probe_client.get(PROBE_PATH)
    assert read.status_code == 200
    assert read.json() == {"caller": name, "method": "GET"}


def test_a_token_from_another_session_is_refused(probe_client: TestClient, runtime: Runtime) -> None:
    cookie, _token, _name = _signed_in_session(runtime)
    _other_cookie, other_token, _other = _signed_in_session(runtime)
    probe_client.cookies.set(SESSION_COOKIE, cookie)
    response = probe_client.post(PROBE_PATH, headers={"X-CSRF-Token": other_token})
    assert response.status_code == 403
    assert response.json() == CSRF_BODY


def test_anonymous_writes_are_csrf_checked_too(probe_client: TestClient) -> None:
    no_session = probe_client.post(PROBE_PATH)
    assert no_session.status_code == 403
    assert no_session.json() == CSRF_BODY
    token = _anonymous_session(probe_client)
    without = probe_client.post(PROBE_PATH)
    assert without.status_code == 403
    assert without.json() == CSRF_BODY
    # With the token the call passes CSRF and reaches the permission check: anonymous is 401.
    with_token = probe_client.post(PROBE_PATH, headers={"X-CSRF-Token": token})
    assert with_token.status_code == 401
    assert with_token.json()["error_type"] == "invalid_token"


def test_bearer_calls_are_never_csrf_checked(probe_client: TestClient, runtime: Runtime) -> None:
    name, bearer = user_with_token(runtime)
    for method in ("POST", "PUT", "DELETE"):
        response = probe_client.request(method, PROBE_PATH, headers={"Authorization": f"Bearer {bearer}"})
        assert response.status_code == 200
        assert response.json() == {"caller": name, "method": method}
    # A bearer token wins over a signed-in cookie, and still needs no CSRF token.
    cookie, _token, _other = _signed_in_session(runtime)
    probe_client.cookies.set(SESSION_COOKIE, cookie)
    both = probe_client.post(PROBE_PATH, headers={"Authorization": f"Bearer {bearer}"})
    assert both.status_code == 200
    assert both.json()["caller"] == name


def test_an_invalid_bearer_token_does_not_skip_csrf(probe_client: TestClient) -> None:
    response = probe_client.post(PROBE_PATH, headers={"Authorization": "Bearer " + "Q" * 40})
    assert response.status_code == 403
    assert response.json() == CSRF_BODY


def test_initialize_is_csrf_exempt(client: TestClient) -> None:
    _anonymous_session(client)
    response = client.post("/api/v1/user/initialize", json=INIT)
    assert response.status_code == 200
    assert response.json()["username"] == "admin"


_WRITES = [e for e in ENDPOINTS if e.method != "GET" and not e.csrf_exempt]


@pytest.mark.parametrize("endpoint", _WRITES, ids=[e.nickname for e in _WRITES])
def test_every_served_write_is_csrf_protected(runtime: Runtime, endpoint: Endpoint) -> None:
    if endpoint.feature:  # a gated route is probed with its flags on (off, it is a 404 for everyone)
        flags = {part.strip().removeprefix("FEATURE_") for part in endpoint.feature.split(" and ")}
        features = {**runtime.settings.features, **dict.fromkeys(flags, True)}
        runtime.settings = replace(runtime.settings, features=features)
    with TestClient(create_app(runtime.settings, runtime)) as client:
        _anonymous_session(client)
        response = client.request(endpoint.method, _fill(endpoint.path), json={})
    assert response.status_code == 403
    assert response.json() == CSRF_BODY


# ---------------------------------------------------------------------------------- browser XHR rule


def test_browser_get_without_xhr_header_is_refused(client: TestClient) -> None:
    response = client.get("/api/v1/discovery", headers={"User-Agent": BROWSER_UA})
    assert response.status_code == 400
    assert response.json() == XHR_BODY
    user = client.get("/api/v1/user/", headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Firefox/128.0"})
    assert user.status_code == 400
    assert user.json() == XHR_BODY


def test_browser_get_with_xhr_header_and_non_browsers_pass(client: TestClient) -> None:
    xhr = client.get(
        "/api/v1/discovery", headers={"User-Agent": BROWSER_UA, "X-Requested-With": "XMLHttpRequest"}
    )
    assert xhr.status_code == 200
    for agent in (CURL_UA, "python-httpx/0.27", "skopeo/1.15", ""):
        assert client.get("/api/v1/discovery", headers={"User-Agent": agent}).status_code == 200


def test_browser_writes_are_not_subject_to_the_xhr_rule(client: TestClient) -> None:
    response = client.post("/api/v1/user/initialize", json=INIT, headers={"User-Agent": BROWSER_UA})
    assert response.status_code == 200


def test_xhr_rule_can_be_switched_off(runtime: Runtime) -> None:
    runtime.settings = replace(runtime.settings, browser_api_calls_xhr_only=False)
    with TestClient(create_app(runtime.settings, runtime)) as client:
        response = client.get("/api/v1/discovery", headers={"User-Agent": BROWSER_UA})
    assert response.status_code == 200


# ------------------------------------------------------------------------------------------ safe logs


@pytest.fixture
def access_lines() -> Iterator[io.StringIO]:
    """Everything the ``berth.access`` logger writes, formatted as the server formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("berth.access")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_access_logs_never_contain_credentials(
    client: TestClient, runtime: Runtime, access_lines: io.StringIO
) -> None:
    initialized = client.post("/api/v1/user/initialize", json=INIT)
    init_token = initialized.json()["access_token"]
    name, bearer = user_with_token(runtime)
    cookie, csrf, _ = _signed_in_session(runtime)
    client.get("/api/v1/user/", headers={"Authorization": f"Bearer {bearer}"})
    client.get("/api/v1/user/", params={"access_token": bearer, "_csrf_token": csrf})
    client.get("/api/v1/user/", headers={"Authorization": "Bearer " + "W" * 40})
    client.get("/api/v1/user/", headers={"Authorization": f"Basic {bearer}"})
    client.cookies.set(SESSION_COOKIE, cookie)
    client.get("/api/v1/user/", headers={"X-CSRF-Token": csrf})
    client.get("/api/v1/no/such/path", headers={"Authorization": f"Bearer {init_token}"})
    lines = [line for line in access_lines.getvalue().splitlines() if line]
    assert len(lines) == 7
    records = [json.loads(line) for line in lines]
    for record in records:
        assert re.fullmatch(r"[0-9a-f]{32}", record["request_id"])
        assert record["logger"] == "berth.access"
    assert [r["path"] for r in records[:2]] == ["/api/v1/user/initialize", "/api/v1/user/"]
    assert records[1]["principal"] == name
    text = access_lines.getvalue()
    for secret in (init_token, bearer, "W" * 40, str(INIT["password"]), cookie, csrf):
        assert secret not in text
    assert "access_token" not in text
