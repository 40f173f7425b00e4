"""Quay's CSRF and browser-XHR rules for cookie-authenticated API calls."""

from __future__ import annotations

import hmac

from starlette.requests import Request

from berth.accounts.models import WebSession
from berth.errors import BrowserCallRefused, CsrfFailure

CSRF_HEADER = "X-CSRF-Token"
_BROWSER_MARKERS = ("mozilla/", "chrome/", "safari/", "firefox/", "edg/", "opera")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def looks_like_browser(user_agent: str | None) -> bool:
    """A User-Agent a web browser would send (curl, SDKs and registry clients do not match)."""
    ua = (user_agent or "").lower()
    return any(marker in ua for marker in _BROWSER_MARKERS)


def check_xhr(request: Request) -> None:
    """``BROWSER_API_CALLS_XHR_ONLY``: a browser's API GET must be an XMLHttpRequest."""
    if request.method != "GET" or not looks_like_browser(request.headers.get("user-agent")):
        return
    if request.headers.get("x-requested-with") != "XMLHttpRequest":
        raise BrowserCallRefused(
            "API calls must be invoked with an X-Requested-With header if called from a browser"
        )


def check_csrf(request: Request, web_session: WebSession | None) -> None:
    """A non-GET call without a validated OAuth token must echo the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    presented = request.headers.get(CSRF_HEADER) or request.query_params.get("_csrf_token") or ""
    expected = web_session.csrf_token if web_session is not None else ""
    if not expected or not presented or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise CsrfFailure("CSRF token was invalid or missing.")
