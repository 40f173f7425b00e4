"""A test-only ``/api/v1`` endpoint (every method, needs a signed-in user) for pipeline tests."""

from __future__ import annotations

from typing import Any

from berth.auth.policy import Need
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint

PROBE_PATH = "/api/v1/conventions-probe"


def probe(ctx: RequestContext) -> dict[str, Any]:
    """Echo who called and how."""
    return {"caller": ctx.principal.username, "method": ctx.request.method}


PROBES = tuple(
    Endpoint(
        method,
        PROBE_PATH,
        probe,
        Need.USER_READ,
        nickname=f"conventionsProbe{method.title()}",
        description="A write that needs a signed-in user, for pipeline tests.",
        tag="test",
    )
    for method in ("GET", "POST", "PUT", "DELETE")
)
