"""``GET /oauth2/federation/robot/token``: Basic ``namespace+robot`` with an external OIDC token as the
password answers ``{"token": ...}``, a robot token valid one hour (Quay's keyless authentication)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from berth.auth.registry_access import parse_basic
from berth.errors import Unauthenticated
from berth.lib.names import parse_robot_username
from berth.oauth.federation import FEDERATED_TOKEN_LIFETIME_S, FederationError, exchange_token
from berth.robots.service import find_robot
from berth.runtime import Runtime

_NO_STORE = {"Cache-Control": "no-store"}


def _denied(description: str) -> Response:
    return JSONResponse(
        {"error": "invalid_token", "error_description": description},
        status_code=401,
        headers={**_NO_STORE, "WWW-Authenticate": 'Basic realm="berth"'},
    )


def federation_routes(runtime: Runtime) -> list[Route]:
    """The token-exchange route."""

    def exchange(username: str, password: str, ip: str | None) -> str | Response:
        parsed = parse_robot_username(username)
        if parsed is None:
            return _denied("the username must be a robot's (namespace+name)")
        with runtime.db.transaction(write=True) as session:
            record = find_robot(session, parsed[0], parsed[1])
            if record is None:
                return _denied("unknown robot")
            try:
                return exchange_token(session, record, password, ip=ip, now=runtime.clock())
            except FederationError as exc:
                return _denied(str(exc))

    async def token(request: Request) -> Response:
        try:
            credentials = parse_basic(request.headers.get("authorization"))
        except Unauthenticated:
            credentials = None
        if credentials is None:
            return _denied("Basic credentials are required")
        ip = request.client.host if request.client else None
        result = await run_in_threadpool(exchange, credentials[0], credentials[1], ip)
        if isinstance(result, Response):
            return result
        return JSONResponse({"token": result, "expires_in": FEDERATED_TOKEN_LIFETIME_S}, headers=_NO_STORE)

    return [Route("/oauth2/federation/robot/token", token, methods=["GET"])]
