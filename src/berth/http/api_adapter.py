"""Turns :class:`Endpoint` rows into Starlette routes that run Quay's request pipeline.

For every call: feature gate -> browser XHR rule -> authenticate -> CSRF -> fresh login ->
permission (before any lookup) -> body -> handler, all inside one DB transaction that commits only
when the handler succeeds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from berth.auth.access import check_access
from berth.auth.credentials import (
    Authentication,
    authenticate_api,
    record_token_use,
    token_use_needs_recording,
)
from berth.auth.principal import AuthMethod
from berth.errors import BerthError, FeatureDisabled, FreshLoginRequired, PayloadTooLarge
from berth.http.bodies import MAX_JSON_BODY, parse_json_body
from berth.http.context import RequestContext
from berth.http.csrf import check_csrf, check_xhr
from berth.http.endpoint import Endpoint
from berth.http.responses import JsonResponse, Reply
from berth.http.sessions import SESSION_COOKIE, apply_cookies
from berth.runtime import Runtime

ErrorRenderer = Callable[[BerthError, Request], Response]
log = logging.getLogger("berth.api")


async def read_limited_body(request: Request, limit: int) -> bytes:
    """The request body, refusing anything larger than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge("Request body is too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge("Request body is too large")
        chunks.append(chunk)
    return b"".join(chunks)


class ApiRouteBuilder:
    """Builds one Starlette route per endpoint, sharing the runtime and the error renderer."""

    def __init__(self, runtime: Runtime, render_error: ErrorRenderer) -> None:
        self.runtime = runtime
        self.render_error = render_error

    def route(self, endpoint: Endpoint) -> Route:
        async def view(request: Request) -> Response:
            try:
                if endpoint.feature and not self.runtime.settings.feature(endpoint.feature):
                    raise FeatureDisabled("The requested URL was not found on the server.")
                if self.runtime.settings.browser_api_calls_xhr_only:
                    check_xhr(request)
                raw = b""
                if endpoint.method in ("POST", "PUT", "DELETE"):
                    raw = await read_limited_body(request, MAX_JSON_BODY)
                ctx, result = await run_in_threadpool(self._run, endpoint, request, raw)
            except BerthError as exc:
                return self.render_error(exc, request)
            response = self._render(endpoint, result)
            apply_cookies(response, ctx, secure=self.runtime.settings.preferred_url_scheme == "https")
            request.state.principal = ctx.principal.username
            return response

        return Route(_starlette_path(endpoint.path), view, methods=[endpoint.method], name=endpoint.nickname)

    def _run(self, endpoint: Endpoint, request: Request, raw: bytes) -> tuple[RequestContext, Any]:
        runtime = self.runtime
        now = runtime.clock()
        write = endpoint.method != "GET"
        with runtime.db.transaction(write=write) as session:
            auth = authenticate_api(
                session,
                authorization=request.headers.get("authorization"),
                session_cookie=request.cookies.get(SESSION_COOKIE),
                now=now,
                super_users=runtime.settings.super_users,
            )
            principal = auth.principal
            if not endpoint.csrf_exempt and principal.method is not AuthMethod.OAUTH:
                check_csrf(request, auth.web_session)
            if endpoint.fresh_login and principal.method is AuthMethod.SESSION:
                login_time = principal.login_time
                limit = timedelta(seconds=runtime.settings.fresh_login_timeout_s)
                if login_time is None or now - login_time > limit:
                    raise FreshLoginRequired("Requires fresh login")
            check_access(session, principal, endpoint.need, request.path_params, runtime.policy_options)
            body: BaseModel | None = None
            if endpoint.body is not None:
                empty = endpoint.body_optional and not raw.strip()
                body = endpoint.body() if empty else parse_json_body(raw, endpoint.body)
            ctx = RequestContext(
                request=request,
                runtime=runtime,
                session=session,
                principal=principal,
                now=now,
                path=dict(request.path_params),
                query=request.query_params,
                body=body,
                web_session=auth.web_session,
            )
            result = endpoint.handler(ctx)
            if write:
                record_token_use(session, auth, now)
        if not write:
            self._touch_token_later(auth, now)
        return ctx, result

    def _touch_token_later(self, auth: Authentication, now: datetime) -> None:
        if token_use_needs_recording(auth, now):
            with self.runtime.db.transaction(write=True) as session:
                record_token_use(session, auth, now)

    @staticmethod
    def _render(endpoint: Endpoint, result: Any) -> Response:
        if isinstance(result, Response):
            return result
        if isinstance(result, Reply):
            if result.status == 204:
                return Response(status_code=204, headers=result.headers)
            return JsonResponse(result.body, status_code=result.status, headers=result.headers)
        if endpoint.status == 204 or (result is None and endpoint.status in (201, 202)):
            return (
                Response(status_code=endpoint.status)
                if endpoint.status == 204
                else JsonResponse("", status_code=endpoint.status)
            )
        return JsonResponse(result, status_code=endpoint.status)


def _starlette_path(path: str) -> str:
    """Quay's ``{repository}`` spans ``namespace/name[/more]``: give it the repository converter."""
    return path.replace("{repository}", "{repository:repopath}")
