"""Rendering :class:`~berth.errors.BerthError` as Quay's API error bodies, looked up along the MRO."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from berth import errors as e
from berth.auth.policy import AnonymousAccessDisabled
from berth.http.error_status import status_for
from berth.http.responses import JsonResponse

log = logging.getLogger("berth.api")

ERROR_DESCRIPTIONS: dict[str, str] = {
    "external_service_timeout": "An external service timed out. Retrying the request may resolve the issue.",
    "invalid_request": (
        "The request was invalid. It may have contained invalid values or was improperly formatted."
    ),
    "invalid_response": "The response was invalid.",
    "invalid_token": "The access token provided was invalid.",
    "expired_token": "The access token provided has expired.",
    "insufficient_scope": "The access token did not have sufficient scope to access the requested resource.",
    "fresh_login_required": "The action requires a fresh login to succeed.",
    "exceeds_license": "The action was refused because the current license does not allow it.",
    "not_found": "The resource was not found.",
    "downstream_issue": "An error occurred in a downstream service.",
    "tag_immutable": "The tag is immutable and cannot be modified or deleted.",
}

NOT_FOUND_MESSAGE = (
    "The requested URL was not found on the server. If you entered the URL manually please check your "
    "spelling and try again."
)


def quay_status(exc: e.BerthError) -> int:
    """The HTTP status Quay uses for this kind of error."""
    return status_for(exc)


def error_type_url(request: Request, error_type: str) -> str:
    """Quay's ``type`` field: the URL of the error's description."""
    return f"{request.base_url}api/v1/error/{error_type}"


def quay_error_body(exc: e.BerthError, request: Request) -> tuple[int, dict[str, object] | str]:
    """The status and body Quay would send for ``exc``."""
    status = quay_status(exc)
    if isinstance(exc, AnonymousAccessDisabled | e.CsrfFailure | e.BrowserCallRefused):
        return status, {"error": exc.message}
    if isinstance(exc, e.FeatureDisabled):
        return 404, {"message": NOT_FOUND_MESSAGE}
    if isinstance(exc, e.DataModelError):
        return status, {"message": exc.message}
    if isinstance(exc, e.TooManyRequests):
        return status, exc.message
    body: dict[str, object] = dict(exc.extra)
    detail = exc.detail if exc.detail is not None else exc.message
    body.update(
        {
            "detail": detail,
            "error_message": detail,
            "error_type": exc.quay_type,
            "title": exc.quay_type,
            "type": error_type_url(request, exc.quay_type),
            "status": status,
        }
    )
    return status, body


def render_quay_error(exc: e.BerthError, request: Request) -> Response:
    """A Starlette response carrying Quay's error body."""
    status, body = quay_error_body(exc, request)
    if isinstance(exc, e.TooManyRequests):
        return PlainTextResponse(str(body), status_code=status, headers={"Retry-After": str(exc.retry_after)})
    if status >= 500:
        log.error("request failed", extra={"error": exc.message})
    return JsonResponse(body, status_code=status)
