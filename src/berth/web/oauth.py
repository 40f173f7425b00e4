"""The OAuth 2 server a browser drives (Quay's ``/oauth/*`` routes).

``GET /oauth/authorize`` checks the client, its redirect URI and the scopes, then shows a consent
page to the signed-in user (or skips it when earlier grants already cover the scopes);
``POST /oauth/authorizeapp`` (CSRF-protected) issues a code (``response_type=code``) or, for the
application's organization admins and assignees, a token in the redirect's fragment (``token``,
Quay's "Generate Token"); ``POST /oauth/access_token`` trades a code for a token with the client
credentials; ``POST /oauth/authorize/assignuser`` lets an organization admin assign a token request
to another user. Errors follow RFC 6749: JSON ``{"error", "error_description"}`` or a redirect.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from berth.accounts.models import Account, AccountKind, WebSession
from berth.accounts.service import get_account
from berth.accounts.sessions import find_session
from berth.auditlog.service import Actor
from berth.http.sessions import SESSION_COOKIE
from berth.oauth import grants
from berth.oauth.applications import find_application
from berth.oauth.grants import GrantError
from berth.oauth.models import OAuthApplication
from berth.oauth.schemas import scope_views
from berth.oauth.service import bounded_lifetime
from berth.runtime import Runtime
from berth.web.oauth_pages import consent_page, local_token_page, message_page

MAX_FORM = 64 * 1024
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# Pages that carry a consent button or a token are never framed (no clickjacking).
_PAGE = {**_NO_STORE, "X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"}


def oauth_error(error: str, description: str = "", status: int = 400) -> Response:
    """RFC 6749's JSON error body."""
    body = {"error": error, "error_description": description} if description else {"error": error}
    return JSONResponse(body, status_code=status, headers=_NO_STORE)


def _redirect(uri: str, params: dict[str, str], *, fragment: bool) -> Response:
    clean = {k: v for k, v in params.items() if v}
    if fragment:
        return RedirectResponse(f"{uri}#{urlencode(clean)}", status_code=302, headers=_NO_STORE)
    sep = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{sep}{urlencode(clean)}", status_code=302, headers=_NO_STORE)


async def _form(request: Request) -> dict[str, str]:
    """Query parameters overlaid with an url-encoded body (Quay reads ``request.values``)."""
    values = dict(request.query_params)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM:
            return values
        chunks.append(chunk)
    body = b"".join(chunks)
    if body and "json" not in request.headers.get("content-type", ""):
        values.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return values


@dataclass(frozen=True)
class Grant:
    """A validated authorization request."""

    app: OAuthApplication
    scopes: frozenset[str]
    redirect_uri: str
    response_type: str
    state: str


class OAuthServer:
    """The ``/oauth`` routes, sharing the runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        settings = runtime.settings
        self.local_handler = f"{settings.base_url}{grants.LOCAL_HANDLER_PATH}"
        self.lifetime_s = bounded_lifetime(
            None, default_s=settings.oauth_token_lifetime_s, max_s=settings.oauth_token_max_lifetime_s
        )

    # -- shared steps -------------------------------------------------------------------------

    def _signed_in(self, session: Session, request: Request) -> tuple[WebSession | None, Account | None]:
        cookie = request.cookies.get(SESSION_COOKIE)
        found = find_session(session, cookie, now=self.runtime.clock()) if cookie else None
        if found is None:
            return None, None
        return found

    def _validate(self, session: Session, values: dict[str, str], default_type: str) -> Grant | Response:
        client_id, redirect_uri = values.get("client_id", ""), values.get("redirect_uri", "")
        if not client_id or not redirect_uri or "scope" not in values:
            return oauth_error("invalid_request", "client_id, redirect_uri and scope are required")
        app = find_application(session, client_id)
        if app is None:
            return oauth_error("invalid_client", "unknown client_id", status=404)
        if not grants.redirect_uri_allowed(app, redirect_uri, self.local_handler):
            return oauth_error("invalid_request", "redirect_uri does not match the application")
        response_type = values.get("response_type") or default_type
        state = values.get("state", "")
        fragment = response_type == "token"
        if response_type not in grants.RESPONSE_TYPES:
            return _redirect(
                redirect_uri, {"error": "unsupported_response_type", "state": state}, fragment=False
            )
        try:
            scopes = grants.parse_requested_scopes(values.get("scope"))
        except GrantError as exc:
            return _redirect(redirect_uri, {"error": exc.error, "state": state}, fragment=fragment)
        return Grant(app, scopes, redirect_uri, response_type, state)

    def _issue(
        self, session: Session, grant: Grant, account: Account, values: dict[str, str], ip: str | None
    ) -> Response:
        now = self.runtime.clock()
        fragment = grant.response_type == "token"
        if grant.response_type == "code":
            code = grants.create_code(session, grant.app, account, grant.scopes, grant.redirect_uri, now=now)
            return _redirect(grant.redirect_uri, {"code": code, "state": grant.state}, fragment=False)
        try:
            token, row = grants.issue_implicit_token(
                session,
                grant.app,
                account,
                grant.scopes,
                assignment_uuid=values.get("assignment_uuid") or None,
                lifetime_s=self.lifetime_s,
                actor=Actor(account.id, ip),
                now=now,
            )
        except GrantError as exc:
            return _redirect(
                grant.redirect_uri, {"error": exc.error, "state": grant.state}, fragment=fragment
            )
        params = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": str(self.lifetime_s),
            "scope": row.scope,
            "state": grant.state,
        }
        return _redirect(grant.redirect_uri, params, fragment=True)

    def _run(self, fn: Callable[[Session], Response], *, write: bool) -> Response:
        with self.runtime.db.transaction(write=write) as session:
            return fn(session)

    @staticmethod
    def _csrf_ok(web_session: WebSession | None, request: Request, values: dict[str, str]) -> bool:
        presented = request.headers.get("x-csrf-token") or values.get("_csrf_token", "")
        expected = web_session.csrf_token if web_session is not None else ""
        return bool(presented and expected) and hmac.compare_digest(presented.encode(), expected.encode())

    def _confirmed_grant(
        self, session: Session, request: Request, values: dict[str, str]
    ) -> tuple[Account, Grant] | Response:
        """The steps every form POST shares: signed in, CSRF token echoed, the grant request valid."""
        web_session, account = self._signed_in(session, request)
        if account is None:
            return oauth_error("login_required", "sign in to Berth first", status=401)
        if not self._csrf_ok(web_session, request, values):
            return JSONResponse({"error": "CSRF token was invalid or missing."}, status_code=403)
        grant = self._validate(session, values, "token")
        if isinstance(grant, Response):
            return grant
        return account, grant

    # -- routes -------------------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        """``GET /oauth/authorize``: validate, then consent (or issue when already granted)."""
        values = dict(request.query_params)
        ip = request.client.host if request.client else None

        def work(session: Session) -> Response:
            grant = self._validate(session, values, "code")
            if isinstance(grant, Response):
                return grant
            web_session, account = self._signed_in(session, request)
            if account is None or web_session is None:
                return oauth_error("login_required", "sign in to Berth first", status=401)
            now = self.runtime.clock()
            if not values.get("assignment_uuid") and grants.has_authorized(
                session, grant.app, account, grant.scopes, now
            ):
                return self._issue(session, grant, account, values, ip)
            org = session.get(Account, grant.app.organization_id)
            application = {
                "name": grant.app.name,
                "clientId": grant.app.client_id,
                "description": grant.app.description,
                "url": grant.app.application_uri,
                "organization": {"name": org.username if org else ""},
            }
            scopes = scope_views(" ".join(sorted(grant.scopes)))
            fields = {
                "client_id": grant.app.client_id,
                "redirect_uri": grant.redirect_uri,
                "scope": " ".join(sorted(grant.scopes)),
                "response_type": grant.response_type,
                "state": grant.state,
                "assignment_uuid": values.get("assignment_uuid", ""),
            }
            if values.get("format") == "json":
                body = {
                    "application": application,
                    "scopes": scopes,
                    "fields": fields,
                    "csrf_token": web_session.csrf_token,
                }
                return JSONResponse(body, headers=_NO_STORE)
            page = consent_page(
                application=application, scopes=scopes, fields=fields, csrf_token=web_session.csrf_token
            )
            return HTMLResponse(page, headers=_PAGE)

        return await run_in_threadpool(self._run, work, write=True)

    async def authorize_app(self, request: Request) -> Response:
        """``POST /oauth/authorizeapp``: the user approved; issue a code or a token."""
        values = await _form(request)
        ip = request.client.host if request.client else None

        def work(session: Session) -> Response:
            checked = self._confirmed_grant(session, request, values)
            if isinstance(checked, Response):
                return checked
            account, grant = checked
            return self._issue(session, grant, account, values, ip)

        return await run_in_threadpool(self._run, work, write=True)

    async def deny_app(self, request: Request) -> Response:
        """``POST /oauth/denyapp``: the user declined."""
        values = await _form(request)

        def work(session: Session) -> Response:
            checked = self._confirmed_grant(session, request, values)
            if isinstance(checked, Response):
                return checked
            _account, grant = checked
            params = {"error": "access_denied", "state": grant.state}
            return _redirect(grant.redirect_uri, params, fragment=grant.response_type == "token")

        return await run_in_threadpool(self._run, work, write=False)

    async def access_token(self, request: Request) -> Response:
        """``POST /oauth/access_token``: exchange an authorization code (client credentials in the
        form or in Basic auth)."""
        values = await _form(request)
        client_id, client_secret = values.get("client_id", ""), values.get("client_secret", "")
        basic = _basic(request.headers.get("authorization"))
        if basic is not None:
            client_id, client_secret = basic[0] or client_id, basic[1] or client_secret
        if values.get("grant_type") != "authorization_code":
            return oauth_error("unsupported_grant_type")
        if not values.get("code") or not values.get("redirect_uri") or not client_id:
            return oauth_error("invalid_request", "code, redirect_uri and client_id are required")
        ip = request.client.host if request.client else None

        def work(session: Session) -> Response:
            try:
                token, row = grants.exchange_code(
                    session,
                    client_id=client_id,
                    client_secret=client_secret,
                    code=values["code"],
                    redirect_uri=values["redirect_uri"],
                    scope=values.get("scope"),
                    lifetime_s=self.lifetime_s,
                    actor_ip=ip,
                    now=self.runtime.clock(),
                )
            except GrantError as exc:  # committed: a replayed code revokes its token
                return oauth_error(exc.error, exc.description)
            body = {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.lifetime_s,
                "scope": row.scope,
            }
            return Response(json.dumps(body), media_type="application/json", headers=_NO_STORE)

        return await run_in_threadpool(self._run, work, write=True)

    async def assign_user(self, request: Request) -> Response:
        """``POST /oauth/authorize/assignuser``: an organization admin assigns a token request."""
        if not self.runtime.settings.feature("ASSIGN_OAUTH_TOKEN"):
            return oauth_error("not_found", status=404)
        values = await _form(request)
        ip = request.client.host if request.client else None

        def work(session: Session) -> Response:
            checked = self._confirmed_grant(session, request, values)
            if isinstance(checked, Response):
                return checked
            account, grant = checked
            if not grants.is_app_org_admin(session, grant.app, account):
                return oauth_error(
                    "unauthorized_client", "only organization admins may assign tokens", status=403
                )
            assignee = get_account(session, values.get("username", ""))
            if assignee is None or assignee.kind is not AccountKind.USER:
                return oauth_error("invalid_request", "no such user", status=404)
            grants.assign_token(
                session,
                grant.app,
                assignee,
                assigner=account,
                scopes=grant.scopes,
                redirect_uri=grant.redirect_uri,
                response_type=grant.response_type,
                actor=Actor(account.id, ip),
                now=self.runtime.clock(),
            )
            if values.get("format") == "json":
                return JSONResponse({"message": "Token assigned successfully"})
            return HTMLResponse(message_page("Token assigned successfully"))

        return await run_in_threadpool(self._run, work, write=True)

    async def local_app(self, _request: Request) -> Response:
        """``GET /oauth/localapp``: Berth's own redirect target, showing a generated token once."""
        return HTMLResponse(local_token_page(), headers=_PAGE)


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def oauth_routes(runtime: Runtime) -> list[Route]:
    """The ``/oauth`` routes."""
    server = OAuthServer(runtime)
    routes: list[tuple[str, Any, str]] = [
        ("/oauth/authorize", server.authorize, "GET"),
        ("/oauth/authorizeapp", server.authorize_app, "POST"),
        ("/oauth/denyapp", server.deny_app, "POST"),
        ("/oauth/access_token", server.access_token, "POST"),
        ("/oauth/authorize/assignuser", server.assign_user, "POST"),
        ("/oauth/localapp", server.local_app, "GET"),
    ]
    return [Route(path, view, methods=[method]) for path, view, method in routes]
