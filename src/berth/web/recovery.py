"""``GET /recovery?code=...``: the link of a password-recovery mail.

As in Quay, a valid code signs the browser in (a fresh login, so the password can be changed at
once with ``PUT /api/v1/user/``) and redirects to the user's password page. The code is consumed.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from berth.accounts.recovery import redeem_recovery_code
from berth.accounts.sessions import create_session, sign_in
from berth.http.sessions import SESSION_COOKIE
from berth.runtime import Runtime

INVALID_CODE = "Invalid recovery code: This code is invalid or may have already been used."


def recovery_routes(runtime: Runtime) -> list[Route]:
    """The recovery-link route."""
    settings = runtime.settings

    def redeem(code: str) -> tuple[str, str] | None:
        now = runtime.clock()
        with runtime.db.transaction(write=True) as session:
            account = redeem_recovery_code(session, code, now=now)
            if account is None:
                return None
            _, row = create_session(session, now=now, lifetime_s=settings.session_lifetime_s)
            cookie = sign_in(session, row, account, now=now, lifetime_s=settings.session_lifetime_s)
            return account.username, cookie

    async def recovery(request: Request) -> Response:
        code = request.query_params.get("code", "")
        found = await run_in_threadpool(redeem, code) if code else None
        if found is None:
            return PlainTextResponse(INVALID_CODE, status_code=400)
        username, cookie = found
        response = RedirectResponse(f"/user/{username}?tab=settings", status_code=302)
        response.set_cookie(
            SESSION_COOKIE,
            cookie,
            max_age=settings.session_lifetime_s,
            httponly=True,
            samesite="lax",
            secure=settings.preferred_url_scheme == "https",
        )
        return response

    return [Route("/recovery", recovery, methods=["GET"])]
