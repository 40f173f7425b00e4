"""``GET /api/v1/error/{error_type}``: descriptions of Quay's API error types."""

from __future__ import annotations

from typing import Any

from berth.api.errors import ERROR_DESCRIPTIONS, error_type_url
from berth.auth.policy import Need
from berth.errors import NotFound
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint


def get_error_description(ctx: RequestContext) -> dict[str, Any]:
    """The type URL, title and description of one error type."""
    error_type = str(ctx.path["error_type"])
    description = ERROR_DESCRIPTIONS.get(error_type)
    if description is None:
        raise NotFound("Unknown error type")
    return {"type": error_type_url(ctx.request, error_type), "title": error_type, "description": description}


ENDPOINTS = (
    Endpoint(
        "GET",
        "/api/v1/error/{error_type}",
        get_error_description,
        Need.ANONYMOUS_IF_ENABLED,
        nickname="getErrorDescription",
        description="Get a detailed description of the error.",
        tag="error",
    ),
)
