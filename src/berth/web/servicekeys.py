"""Quay's key server: the public keys of a service as a JWKS, for verifying the JWTs it signs.

``GET /keys/services/{service}/keys`` answers ``{"keys": [jwk, ...]}`` with the service's approved,
unexpired keys; ``GET /keys/services/{service}/keys/{kid}`` answers one JWK (404 unknown, 409 not
approved yet, 403 expired), cacheable until it expires (at most a day).

A service manages its own keys with a JWT in ``Authorization: Bearer`` (issuer: the service,
audience: this registry's URL): ``PUT .../keys/{kid}`` with the JWK as body submits a key for
approval (self-signed, 202) or rotates an approved key (signed by it, 200); ``DELETE`` removes a key
(signed by the key itself or an approved key of the service, 204).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from berth.auditlog.service import Actor
from berth.errors import BerthError, Conflict, Forbidden, InvalidRequest
from berth.http.responses import JsonResponse
from berth.lib.dates import as_utc
from berth.runtime import Runtime
from berth.servicekeys.keyserver import register_key, unregister_key
from berth.servicekeys.schemas import sorted_object
from berth.servicekeys.service import published_key, published_keys

MAX_CACHE_S = 24 * 60 * 60
MAX_JWK_BYTES = 64 * 1024
_BEARER = re.compile(r"^Bearer\s+(\S+)$")


def _error(exc: BerthError) -> Response:
    status = 404
    for kind, code in ((Conflict, 409), (Forbidden, 403), (InvalidRequest, 400)):
        if isinstance(exc, kind):
            status = code
            break
    return PlainTextResponse(exc.message, status_code=status)


def _bearer(request: Request) -> str:
    match = _BEARER.match(request.headers.get("authorization", ""))
    if match is None:
        raise InvalidRequest("A JWT is required in Authorization: Bearer")
    return match.group(1)


def _expiration(request: Request) -> datetime | None:
    raw = request.query_params.get("expiration")
    if raw is None:
        return None
    try:
        return datetime.fromtimestamp(float(raw), UTC)
    except (ValueError, OverflowError, OSError):
        raise InvalidRequest("Invalid expiration") from None


def _rotation(request: Request) -> int | None:
    raw = request.query_params.get("rotation")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidRequest("Invalid rotation") from None


def _actor(request: Request) -> Actor:
    return Actor(account_id=None, ip=request.client.host if request.client else None)


def servicekey_routes(runtime: Runtime) -> list[Route]:
    """The key-server routes."""
    audience = runtime.settings.base_url

    def jwks(service: str) -> dict[str, Any]:
        with runtime.db.transaction(write=False) as session:
            return sorted_object({"keys": published_keys(session, service, runtime.clock())})

    def one(service: str, kid: str) -> Response:
        now = runtime.clock()
        with runtime.db.transaction(write=False) as session:
            try:
                key = published_key(session, service, kid, now)
            except BerthError as exc:
                return _error(exc)
            lifetime = MAX_CACHE_S
            if key.expiration is not None:
                lifetime = min(lifetime, int((as_utc(key.expiration) - now).total_seconds()))
            return JsonResponse(
                sorted_object(key.jwk), headers={"Cache-Control": f"max-age={max(0, lifetime)}"}
            )

    async def list_keys(request: Request) -> Response:
        return JsonResponse(await run_in_threadpool(jwks, str(request.path_params["service"])))

    async def get_key(request: Request) -> Response:
        params = request.path_params
        return await run_in_threadpool(one, str(params["service"]), str(params["kid"]))

    def put(request: Request, raw: bytes) -> Response:
        params = request.path_params
        try:
            try:
                jwk = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise InvalidRequest("The body must be a JSON JWK") from None
            token, expiration, rotation = _bearer(request), _expiration(request), _rotation(request)
            with runtime.db.transaction(write=True) as session:
                created = register_key(
                    session,
                    service=str(params["service"]),
                    kid=str(params["kid"]),
                    jwk=jwk,
                    encoded_jwt=token,
                    audience=audience,
                    expiration=expiration,
                    rotation_duration=rotation,
                    actor=_actor(request),
                    now=runtime.clock(),
                )
        except BerthError as exc:
            return _error(exc)
        return Response(b"", status_code=202 if created else 200, media_type="text/html")

    def delete(request: Request) -> Response:
        params = request.path_params
        try:
            token = _bearer(request)
            with runtime.db.transaction(write=True) as session:
                unregister_key(
                    session,
                    service=str(params["service"]),
                    kid=str(params["kid"]),
                    encoded_jwt=token,
                    audience=audience,
                    actor=_actor(request),
                    now=runtime.clock(),
                )
        except BerthError as exc:
            return _error(exc)
        return Response(status_code=204)

    async def key(request: Request) -> Response:
        if request.method == "PUT":
            raw = b""
            async for chunk in request.stream():
                raw += chunk
                if len(raw) > MAX_JWK_BYTES:
                    return PlainTextResponse("The body is too large", status_code=413)
            return await run_in_threadpool(put, request, raw)
        if request.method == "DELETE":
            return await run_in_threadpool(delete, request)
        return await get_key(request)

    return [
        Route("/keys/services/{service}/keys", list_keys, methods=["GET"]),
        Route("/keys/services/{service}/keys/{kid}", key, methods=["GET", "PUT", "DELETE"]),
    ]
