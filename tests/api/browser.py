"""A browser-like API client: its own cookie jar, CSRF token fetched from ``/csrf_token`` and kept
up to date from ``X-Next-CSRF-Token``, as Quay's web UI does."""

from __future__ import annotations

from typing import Any

from httpx2 import Response
from starlette.applications import Starlette
from starlette.testclient import TestClient

from berth.http.sessions import SESSION_COOKIE


class Browser:
    """One visitor with a session cookie of its own."""

    def __init__(self, app: Starlette, base_url: str = "http://testserver") -> None:
        self.client = TestClient(app, base_url=base_url)
        self.csrf: str | None = None

    def fetch_csrf(self) -> str:
        """``GET /csrf_token``: creates the anonymous session on first use."""
        response = self.client.get("/csrf_token")
        assert response.status_code == 200
        self.csrf = str(response.json()["csrf_token"])
        return self.csrf

    @property
    def cookie(self) -> str | None:
        """The current session cookie value."""
        return self.client.cookies.get(SESSION_COOKIE)

    def call(self, method: str, path: str, *, json: Any = None, csrf: bool = True) -> Response:
        """An API call carrying the session cookie and (unless told not to) the CSRF token."""
        headers = {"X-CSRF-Token": self.csrf} if csrf and self.csrf else {}
        response = self.client.request(method, path, json=json, headers=headers)
        if "x-next-csrf-token" in response.headers:
            self.csrf = response.headers["x-next-csrf-token"]
        return response

    def signin(self, username: str, password: str) -> Response:
        """Get a CSRF token if needed, then ``POST /api/v1/signin``."""
        if self.csrf is None:
            self.fetch_csrf()
        return self.call("POST", "/api/v1/signin", json={"username": username, "password": password})

    def me(self) -> Response:
        """``GET /api/v1/user/``."""
        return self.call("GET", "/api/v1/user/")


def sign_up(app: Starlette, username: str, password: str | None = None) -> Browser:
    """A new browser that signs up as ``username`` (password ``pw-<username>-123``) via ``createNewUser``."""
    browser = Browser(app)
    browser.fetch_csrf()
    body = {"username": username, "password": password or f"pw-{username}-123", "email": f"{username}@x.io"}
    response = browser.call("POST", "/api/v1/user/", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["username"] == username
    return browser
