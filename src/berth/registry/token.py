"""``GET /v2/auth`` (Docker token auth) and ``GET /v2/`` (the API version check)."""

from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from berth.auditlog.service import Actor
from berth.auth.principal import ANONYMOUS, Principal
from berth.auth.registry_access import (
    BAD_CREDENTIALS,
    CheckContext,
    ScopeRequest,
    authenticate_basic,
    grant_access,
    parse_basic,
    parse_scopes,
    token_context,
)
from berth.auth.registry_tokens import ANONYMOUS_SUBJECT, issue_token
from berth.errors import Unauthenticated
from berth.registry.edge import NOT_AUTHORIZED, RegistryEdge
from berth.registry.errors import API_VERSION_HEADER, challenge


class TokenViews:
    """The token endpoint and the ``/v2/`` base check."""

    def __init__(self, edge: RegistryEdge) -> None:
        self.edge = edge

    async def auth(self, request: Request) -> Response:
        """Exchange Basic credentials (or none) for a registry JWT carrying the granted scopes."""
        credentials = parse_basic(request.headers.get("authorization"))
        scopes = parse_scopes(request.query_params.getlist("scope"), self.edge.service)
        client = request.client
        ip = client.host if client else None
        token = await run_in_threadpool(self._issue, credentials, scopes, ip)
        body = json.dumps({"token": token}).encode()
        return Response(
            body,
            media_type="application/json",
            headers={"Cache-Control": "no-cache, no-store, must-revalidate"},
        )

    def _issue(self, credentials: tuple[str, str] | None, scopes: list[ScopeRequest], ip: str | None) -> str:
        edge, runtime = self.edge, self.edge.runtime
        now = runtime.clock()
        keys = edge.keys()
        principal: Principal | None = ANONYMOUS
        if credentials is None and (not scopes or not edge.anonymous_access):
            raise Unauthenticated(NOT_AUTHORIZED)
        with runtime.db.transaction(write=True) as session:
            if credentials is not None:
                ctx = CheckContext(
                    now,
                    runtime.password_policy,
                    runtime.settings.super_users,
                    app_tokens=runtime.settings.feature("APP_SPECIFIC_TOKENS"),
                )
                principal = authenticate_basic(session, credentials[0], credentials[1], ctx)
            if principal is not None:
                actor = Actor(principal.account_id, ip, principal.oauth_token_id)
                access = grant_access(
                    session, principal, scopes, anonymous_access=edge.anonymous_access, actor=actor, now=now
                )
        # Committed first: a failed password attempt must be recorded for throttling.
        if principal is None:
            raise Unauthenticated(BAD_CREDENTIALS)
        return issue_token(
            keys,
            audience=edge.service,
            subject=principal.username or ANONYMOUS_SUBJECT,
            access=access,
            context=token_context(principal),
            now=now,
            lifetime_s=runtime.settings.registry_token_lifetime_s,
        )

    async def base(self, request: Request) -> Response:
        """``true``: 200 with a valid registry JWT, 401 plus the challenge when anonymous."""
        caller = await self.edge.caller(request)
        headers = {
            "WWW-Authenticate": challenge(self.edge.base_url, self.edge.service),
            API_VERSION_HEADER[0]: API_VERSION_HEADER[1],
        }
        status = 401 if caller.claims is None else 200
        return Response(b"true", status_code=status, headers=headers, media_type="text/html; charset=utf-8")
