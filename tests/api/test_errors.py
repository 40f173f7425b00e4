"""Errors every ``/api/v1`` and ``/v2`` call shares: Quay's error descriptions, routing errors (404, 405,
redirects), every error class rendered as Quay and OCI JSON, and the schema-drift meta-tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from starlette.requests import Request
from starlette.testclient import TestClient

from berth.api.errors import ERROR_DESCRIPTIONS, quay_error_body, render_quay_error
from berth.errors import BerthError, all_error_classes
from berth.migrate import schema_drift, upgrade
from berth.runtime import Runtime

# ---------------------------------------------------------------------------------------------- helpers


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
