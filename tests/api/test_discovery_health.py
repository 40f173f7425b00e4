"""What ``/api/v1`` says about itself and the instance: the Swagger discovery document built from the
endpoint table, health checks, the ping, metrics, request ids and the API docs page."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from berth.api.v1.discovery import build_discovery
from berth.api.v1.routes import ENDPOINTS
from berth.app import create_app
from berth.auth.policy import Need
from berth.http.endpoint import Endpoint
from berth.runtime import Runtime
from tests.api.probes import PROBE_PATH, PROBES, probe

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
        probe,
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
