"""Rendering :class:`~berth.errors.BerthError` as OCI ``{"errors":[{code,message,detail}]}`` bodies.

The status is looked up along the error's MRO; a 401 carries the Bearer challenge pointing at
``/v2/auth`` (with the scope the caller lacked, when known) and the API version header.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from berth import errors as e
from berth.http.error_status import status_for

API_VERSION_HEADER = ("Docker-Distribution-API-Version", "registry/2.0")


class InvalidBearer(e.Unauthenticated):
    """A ``/v2`` call that presented something other than a valid registry JWT (Basic, garbage)."""


class RepositoryNotWritable(e.Forbidden):
    """A push to a repository whose state (read-only, mirror, being deleted) refuses writes."""


# Quay answers a write to a read-only or mirror repository with 405 DENIED on the registry API.
_REGISTRY_STATUS: dict[type[e.BerthError], int] = {RepositoryNotWritable: 405}


def oci_status(exc: e.BerthError) -> int:
    """The HTTP status of ``exc`` on the registry API."""
    return status_for(exc, _REGISTRY_STATUS)


def challenge(realm_base: str, service: str, scope: str | None = None) -> str:
    """The ``WWW-Authenticate`` Bearer challenge."""
    value = f'Bearer realm="{realm_base}/v2/auth",service="{service}"'
    if scope:
        value += f',scope="{scope}"'
    return value


def oci_body(exc: e.BerthError) -> bytes:
    """The OCI error body, serialised as Quay does (sorted keys, compact, trailing newline)."""
    detail: Any = exc.detail if exc.detail is not None else {}
    body = {"errors": [{"code": exc.oci_code, "detail": detail, "message": exc.message}]}
    return (json.dumps(body, separators=(",", ":"), sort_keys=True) + "\n").encode()


def render_oci_error(exc: e.BerthError, *, realm_base: str, service: str) -> Response:
    """The response for ``exc`` on a ``/v2`` route."""
    status = oci_status(exc)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = challenge(realm_base, service, exc.extra.get("scope"))
        headers[API_VERSION_HEADER[0]] = API_VERSION_HEADER[1]
    if isinstance(exc, InvalidBearer):
        return Response(
            json.dumps({"error": exc.message}).encode(),
            status_code=401,
            headers=headers,
            media_type="text/html; charset=utf-8",
        )
    extra_headers = exc.extra.get("headers")
    if isinstance(extra_headers, dict):
        headers.update({str(k): str(v) for k, v in extra_headers.items()})
    if isinstance(exc, e.TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    return Response(oci_body(exc), status_code=status, headers=headers, media_type="application/json")
