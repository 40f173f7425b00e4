"""The request pipeline every ``/api/v1`` call shares: CSRF, the browser XHR rule, error shapes,
routing errors, discovery, health, metrics, the docs page, error rendering and safe logging."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from starlette.requests import Request
from starlette.testclient import TestClient

from berth.accounts.sessions import create_session
from berth.api.errors import ERROR_DESCRIPTIONS, quay_error_body, render_quay_error
from berth.api.v1.discovery import build_discovery
from berth.api.v1.routes import ENDPOINTS
from berth.app import create_app
from berth.auth.policy import Need
from berth.errors import BerthError, all_error_classes
from berth.http.api_adapter import ApiRouteBuilder
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.observability import JsonFormatter
from berth.http.sessions import SESSION_COOKIE
from berth.migrate import schema_drift, upgrade
from berth.runtime import Runtime
from tests.factories import make_user, user_with_token

CSRF_BODY = {"error": "CSRF token was invalid or missing."}
XHR_BODY = {"error": "API calls must be invoked with an X-Requested-With header if called from a browser"}
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)
CURL_UA = "curl/8.5.0"
PROBE_PATH = "/api/v1/conventions-probe"
INIT = {
    "username": "admin",
    "password": "password-admin-1",
    "email": "admin@example.com",
    "access_token": True,
}


# ---------------------------------------------------------------------------------------------- helpers


def _probe(ctx: RequestContext) -> dict[str, Any]:
    return {"caller": ctx.principal.username, "method": ctx.request.method}


PROBES = tuple(
    Endpoint(
        method,
        PROBE_PATH,
        _probe,
        Need.USER_READ,
        nickname=f"conventionsProbe{method.title()}",
        description="A write that needs a signed-in user, for pipeline tests.",
        tag="test",
    )
    for method in ("GET", "POST", "PUT", "DELETE")
)


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


def _request(path: str = "/api/v1/user/") -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "scheme": "https",
            "query_string": b"",
            "headers": [(b"host", b"registry.example.com")],
            "server": ("registry.example.com", 443),
            "client": ("127.0.0.1", 1234),
        }
    )


def _instantiate(cls: type[BerthError]) -> BerthError:
    return cls(f"{cls.__name__} happened")


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
def test_every_served_write_is_csrf_protected(
    client: TestClient, runtime: Runtime, endpoint: Endpoint
) -> None:
    if endpoint.feature and not runtime.settings.feature(endpoint.feature):
        pytest.skip(f"FEATURE_{endpoint.feature} is off by default")
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


# ------------------------------------------------------------------------------------- errors, routing


def test_error_description_shape(client: TestClient) -> None:
    response = client.get("/api/v1/error/not_found")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "type": "http://testserver/api/v1/error/not_found",
        "title": "not_found",
        "description": "The resource was not found.",
    }


@pytest.mark.parametrize("error_type", sorted(ERROR_DESCRIPTIONS))
def test_every_error_type_is_described(client: TestClient, error_type: str) -> None:
    response = client.get(f"/api/v1/error/{error_type}")
    assert response.status_code == 200
    assert response.json()["title"] == error_type
    assert response.json()["description"] == ERROR_DESCRIPTIONS[error_type]


def test_unknown_error_type_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/error/no_such_error")
    assert response.status_code == 404
    body = response.json()
    assert body["error_type"] == "not_found"
    assert body["status"] == 404
    assert body["type"] == "http://testserver/api/v1/error/not_found"


def test_a_missing_trailing_slash_redirects(client: TestClient) -> None:
    response = client.get("/api/v1/user", follow_redirects=False)
    assert response.status_code in (307, 308)
    assert response.headers["location"] == "http://testserver/api/v1/user/"


@pytest.mark.parametrize("path", ["/api/v1/nothing/here", "/api/v1/users/", "/api/v1/error/", "/api/v2/x"])
def test_unknown_api_path_is_quay_json_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error_type"] == "not_found"
    assert body["title"] == "not_found"
    assert body["status"] == 404
    assert body["detail"] == body["error_message"]
    assert body["type"] == "http://testserver/api/v1/error/not_found"


def test_wrong_method_is_json_405(client: TestClient) -> None:
    for method, path in (
        ("POST", "/api/v1/discovery"),
        ("DELETE", "/api/v1/discovery"),
        ("PUT", "/api/v1/error/not_found"),
    ):
        response = client.request(method, path)
        assert response.status_code == 405
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"message": "The method is not allowed for the requested URL."}


def test_unknown_non_api_path_is_plain_404(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("cls", all_error_classes(), ids=lambda c: c.__name__)
def test_every_error_class_renders_as_quay_json(cls: type[BerthError]) -> None:
    exc = _instantiate(cls)
    status, body = quay_error_body(exc, _request())
    assert 400 <= status <= 599
    response = render_quay_error(exc, _request())
    assert response.status_code == status
    if isinstance(body, str):
        assert body == exc.message
        assert bytes(response.body).decode() == body
        return
    assert json.loads(bytes(response.body)) == body
    if set(body) <= {"error", "message"}:
        assert list(body.values()) == [body.get("error", body.get("message"))]
        assert isinstance(next(iter(body.values())), str)
        return
    assert body["status"] == status
    assert body["detail"] == body["error_message"] == exc.message
    assert body["error_type"] == body["title"] == exc.quay_type
    assert exc.quay_type in ERROR_DESCRIPTIONS
    assert body["type"] == f"https://registry.example.com/api/v1/error/{exc.quay_type}"
    json.dumps(body)


def test_error_classes_cover_the_vocabulary() -> None:
    names = {cls.__name__ for cls in all_error_classes()}
    assert {"BerthError", "NotFound", "Forbidden", "Unauthenticated", "InvalidRequest", "Conflict"} <= names
    assert "AnonymousAccessDisabled" in names  # defined by the policy, rendered by the same table


def test_error_detail_and_extra_fields_render() -> None:
    from berth.errors import InvalidRequest, Unauthenticated

    status, body = quay_error_body(InvalidRequest("short", detail="the long story"), _request())
    assert status == 400
    assert isinstance(body, dict)
    assert body["detail"] == body["error_message"] == "the long story"
    status, body = quay_error_body(
        Unauthenticated("Requires authentication", extra={"session_required": False}), _request()
    )
    assert status == 401
    assert isinstance(body, dict)
    assert body["session_required"] is False
    assert body["error_type"] == "invalid_token"


OCI_CODES = frozenset(
    {
        "BLOB_UNKNOWN",
        "BLOB_UPLOAD_INVALID",
        "BLOB_UPLOAD_UNKNOWN",
        "DIGEST_INVALID",
        "MANIFEST_BLOB_UNKNOWN",
        "MANIFEST_INVALID",
        "MANIFEST_UNKNOWN",
        "NAME_INVALID",
        "NAME_UNKNOWN",
        "SIZE_INVALID",
        "TAG_INVALID",
        "UNAUTHORIZED",
        "DENIED",
        "UNSUPPORTED",
        "TOOMANYREQUESTS",
        "UNAVAILABLE",
        "RANGE_INVALID",
        "PAGINATION_NUMBER_INVALID",
    }
)


@pytest.mark.parametrize("cls", all_error_classes(), ids=lambda c: c.__name__)
def test_every_error_class_renders_as_oci_json(cls: type[BerthError]) -> None:
    from berth.registry.errors import InvalidBearer, oci_body, oci_status, render_oci_error

    exc = _instantiate(cls)
    status = oci_status(exc)
    assert 400 <= status <= 599
    response = render_oci_error(
        exc, realm_base="https://registry.example.com", service="registry.example.com"
    )
    assert response.status_code == status
    if status == 401:
        assert response.headers["www-authenticate"] == (
            'Bearer realm="https://registry.example.com/v2/auth",service="registry.example.com"'
        )
    if isinstance(exc, InvalidBearer):
        assert json.loads(bytes(response.body)) == {"error": exc.message}
        return
    assert response.headers["content-type"] == "application/json"
    body = json.loads(oci_body(exc))
    assert json.loads(bytes(response.body)) == body
    assert body == {"errors": [{"code": exc.oci_code, "message": exc.message, "detail": {}}]}
    assert exc.oci_code in OCI_CODES


# ------------------------------------------------------------------------------------------- discovery


def test_discovery_is_swagger_generated_from_the_endpoint_table(client: TestClient) -> None:
    response = client.get("/api/v1/discovery")
    assert response.status_code == 200
    doc = response.json()
    assert doc["swagger"] == "2.0"
    assert doc["host"] == "testserver"
    assert doc["basePath"] == "/"
    assert doc["info"]["title"] == "Quay Frontend"
    operations = {
        (method.upper(), path): op["operationId"]
        for path, entry in doc["paths"].items()
        for method, op in entry.items()
        if not method.startswith("x-")
    }
    expected = {(e.method, e.path): e.nickname for e in ENDPOINTS if not e.internal}
    assert operations == expected
    for path, entry in doc["paths"].items():
        for method, op in entry.items():
            if method.startswith("x-"):
                continue
            assert op["tags"]
            assert "description" in op
            assert {p["name"] for p in op["parameters"] if p["in"] == "path"} == set(
                re.findall(r"{([a-z_]+)}", path)
            )
            for ref in [p["schema"]["$ref"] for p in op["parameters"] if p["in"] == "body"]:
                assert ref.removeprefix("#/definitions/") in doc["definitions"]
    assert "ApiError" in doc["definitions"]
    assert "oauth2_implicit" in doc["securityDefinitions"]


def test_discovery_internal_adds_internal_endpoints(client: TestClient) -> None:
    public = client.get("/api/v1/discovery").json()
    internal = client.get("/api/v1/discovery", params={"internal": "true"}).json()
    assert set(public["paths"]) <= set(internal["paths"])
    internal_ops = {
        (method.upper(), path)
        for path, entry in internal["paths"].items()
        for method in entry
        if not method.startswith("x-")
    }
    for endpoint in ENDPOINTS:
        if endpoint.internal and endpoint.nickname != "initializeUser":
            assert (endpoint.method, endpoint.path) in internal_ops
    # initializeUser is web-hosted in Quay and never documented.
    assert all("initialize" not in path for path in internal["paths"])


def test_build_discovery_marks_and_filters_internal_operations() -> None:
    hidden = Endpoint(
        "GET",
        "/api/v1/secret/{thing}",
        _probe,
        Need.SUPERUSER,
        nickname="getSecretThing",
        description="An internal operation.",
        tag="secret",
        internal=True,
        scope="super:user",
    )
    public = build_discovery(
        (*PROBES[:1], hidden),
        base_url="https://r.example.com",
        host="r.example.com",
        scheme="https",
        internal=False,
        super_users=True,
    )
    assert set(public["paths"]) == {PROBE_PATH}
    full = build_discovery(
        (*PROBES[:1], hidden),
        base_url="https://r.example.com",
        host="r.example.com",
        scheme="https",
        internal=True,
        super_users=True,
    )
    operation = full["paths"]["/api/v1/secret/{thing}"]["get"]
    assert operation["operationId"] == "getSecretThing"
    assert operation["x-internal"] is True
    assert operation["security"] == [{"oauth2_implicit": ["super:user"]}]
    assert full["schemes"] == ["https"]
    assert full["securityDefinitions"]["oauth2_implicit"]["authorizationUrl"] == (
        "https://r.example.com/oauth/authorize"
    )
    assert {t["name"] for t in full["tags"]} == {"test", "secret"}


def test_discovery_hides_the_superuser_scope_without_the_feature(runtime: Runtime) -> None:
    runtime.settings = replace(runtime.settings, features={**runtime.settings.features, "SUPER_USERS": False})
    with TestClient(create_app(runtime.settings, runtime)) as client:
        scopes = client.get("/api/v1/discovery").json()["securityDefinitions"]["oauth2_implicit"]["scopes"]
    assert "super:user" not in scopes
    assert "repo:read" in scopes


# ------------------------------------------------------------------------------ health, metrics, docs


@pytest.mark.parametrize(
    ("path", "services"),
    [
        ("/health/instance", {"database", "disk_space", "web"}),
        ("/health", {"database", "disk_space", "web"}),
        ("/health/endtoend", {"database", "storage", "disk_space"}),
        ("/status", {"database", "storage", "disk_space"}),
    ],
)
def test_health_body_shape(client: TestClient, path: str, services: set[str]) -> None:
    response = client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "status_code"}
    assert body["status_code"] == 200
    assert set(body["data"]) == {"services"}
    assert body["data"]["services"] == dict.fromkeys(services, True)


def test_endtoend_health_leaves_no_storage_behind(client: TestClient, runtime: Runtime) -> None:
    assert client.get("/health/endtoend").status_code == 200
    assert list(runtime.storage.list("")) == []


def test_internal_ping(client: TestClient) -> None:
    response = client.get("/_internal_ping")
    assert response.status_code == 200
    assert response.text == "true"


def test_metrics_count_requests_by_route(client: TestClient) -> None:
    client.get("/api/v1/discovery")
    client.get("/api/v1/user/")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE berth_http_requests_total counter" in text
    assert re.search(r'berth_http_requests_total\{method="GET",route="discovery",status="200"\} 1\.0', text)
    assert re.search(
        r'berth_http_requests_total\{method="GET",route="getLoggedInUser",status="401"\} 1\.0', text
    )
    assert "berth_http_request_duration_seconds_bucket" in text


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    generated = client.get("/api/v1/discovery")
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    echoed = client.get("/api/v1/user/", headers={"X-Request-Id": "trace-me-42"})
    assert echoed.headers["x-request-id"] == "trace-me-42"
    too_long = client.get("/api/v1/discovery", headers={"X-Request-Id": "x" * 65})
    assert too_long.headers["x-request-id"] != "x" * 65


def test_api_docs_page_is_served_with_local_assets(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert scripts
    assert "/api/v1/discovery" in page.text
    for asset in [*scripts, *styles]:
        assert asset.startswith("/api/docs/static/"), asset
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 1000
    js = client.get("/api/docs/static/swagger-ui-bundle.js")
    assert "javascript" in js.headers["content-type"]


# --------------------------------------------------------------------------------------- schema drift


def test_migrations_match_the_models(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_test_databases_match_the_models(runtime: Runtime) -> None:
    """The same check on every backend the suite runs on (SQLite, and PostgreSQL when it answers)."""
    assert schema_drift(runtime.db.write_engine) == []


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
