"""The session cookie: its name, and writing the cookies a handler asked for onto the response."""

from __future__ import annotations

from starlette.responses import Response

from berth.http.context import RequestContext

SESSION_COOKIE = "berth_session"


def apply_cookies(response: Response, ctx: RequestContext, *, secure: bool) -> None:
    """Set or clear cookies: always ``HttpOnly`` and ``SameSite=Lax``, ``Secure`` under https."""
    for name, value, max_age in ctx.set_cookies:
        response.set_cookie(
            name, value, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/"
        )
    for name in ctx.clear_cookies:
        response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=secure)
