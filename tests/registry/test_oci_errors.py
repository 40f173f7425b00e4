"""Every error class renders as an OCI error body with a status, and 401s carry the challenge."""

from __future__ import annotations

import json

import pytest

from berth import errors as e
from berth.registry.errors import oci_status, render_oci_error


@pytest.mark.parametrize("cls", e.all_error_classes(), ids=lambda c: c.__name__)
def test_every_error_renders_as_oci(cls: type[e.BerthError]) -> None:
    exc = cls.__new__(cls)
    e.BerthError.__init__(exc, "something went wrong")
    if isinstance(exc, e.TooManyRequests):
        exc.retry_after = 3
    response = render_oci_error(exc, realm_base="http://r", service="r")
    assert 400 <= response.status_code < 600
    assert response.status_code != 500
    body = json.loads(bytes(response.body))
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="http://r/v2/auth"')
    if "errors" in body:
        assert body["errors"][0]["code"] == cls.oci_code
        assert body["errors"][0]["message"] == "something went wrong"


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (e.BlobUnknown("x"), 404),
        (e.ManifestInvalid("x"), 400),
        (e.Unsupported("x"), 405),
        (e.RangeNotSatisfiable("x"), 416),
        (e.Forbidden("x"), 403),
        (e.PayloadTooLarge("x"), 413),
    ],
)
def test_statuses(exc: e.BerthError, status: int) -> None:
    assert oci_status(exc) == status
