"""``GET /csrf_token``: the session's CSRF token, creating an anonymous session when needed."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from berth.accounts.sessions import create_session, find_session
from berth.http.responses import JsonResponse
from berth.http.sessions import SESSION_COOKIE
from berth.runtime import Runtime


def csrf_routes(runtime: Runtime) -> list[Route]:
    """The CSRF token route."""

    def issue(cookie: str | None) -> tuple[str, str | None]:
        now = runtime.clock()
        with runtime.db.transaction(write=True) as session:
            if cookie:
                found = find_session(session, cookie, now=now)
                if found is not None:
                    return found[0].csrf_token, None
            new_cookie, row = create_session(session, now=now, lifetime_s=runtime.settings.session_lifetime_s)
            return row.csrf_token, new_cookie

    async def csrf_token(request: Request) -> Response:
        token, new_cookie = await run_in_threadpool(issue, request.cookies.get(SESSION_COOKIE))
        response = JsonResponse({"csrf_token": token})
        if new_cookie is not None:
            response.set_cookie(
                SESSION_COOKIE,
                new_cookie,
                max_age=runtime.settings.session_lifetime_s,
                httponly=True,
                samesite="lax",
                secure=runtime.settings.preferred_url_scheme == "https",
            )
        return response

    return [Route("/csrf_token", csrf_token, methods=["GET"])]
