"""The browser's OAuth flows over HTTP: "Generate Token" (implicit grant to Berth's token page), the
authorization-code grant and its exchange, and every bad request answered with an OAuth error that
issues nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.testclient import TestClient

from tests.api.browser import Browser, sign_up
from tests.conftest import Clock
from tests.oauth.helpers import h

LOCAL = "http://testserver/oauth/localapp"


def _admin_with_app(client: TestClient, name: str = "owner") -> tuple[Browser, dict[str, Any]]:
    browser = sign_up(client.app, name)  # type: ignore[arg-type]
    made = browser.call("POST", "/api/v1/organization/", json={"name": "acme", "email": "acme@example.com"})
    assert made.status_code == 201, made.text
    app = browser.call(
        "POST",
        "/api/v1/organization/acme/applications",
        json={"name": "ci", "redirect_uri": "http://localhost/cb"},
    )
    assert app.status_code == 200, app.text
    return browser, dict(app.json())


def _consent(browser: Browser, **params: str) -> dict[str, Any]:
    response = browser.client.get("/oauth/authorize", params={**params, "format": "json"})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _approve(browser: Browser, fields: dict[str, str], csrf: str) -> str:
    response = browser.client.post(
        "/oauth/authorizeapp", data={**fields, "_csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 302, response.text
    return str(response.headers["location"])


def _fragment(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).fragment).items()}


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def test_generate_token_for_the_admin_and_use_it(client: TestClient) -> None:
    browser, app = _admin_with_app(client)
    consent = _consent(
        browser,
        response_type="token",
        client_id=app["client_id"],
        scope="repo:read user:read",
        redirect_uri=LOCAL,
    )
    assert [s["title"] for s in consent["scopes"]] == [
        "View all visible repositories",
        "Read User Information",
    ]
    page = browser.client.get(
        "/oauth/authorize",
        params={
            "response_type": "token",
            "client_id": app["client_id"],
            "scope": "repo:read",
            "redirect_uri": LOCAL,
        },
    )
    assert "Authorize Application" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    location = _approve(browser, consent["fields"], consent["csrf_token"])
    assert location.startswith(LOCAL + "#")
    issued = _fragment(location)
    assert issued["token_type"] == "Bearer"
    assert len(issued["access_token"]) == 40
    me = client.get("/api/v1/user/", headers=h(issued["access_token"]))
    assert me.status_code == 200
    assert me.json()["username"] == "owner"
    authorizations = browser.call("GET", "/api/v1/user/authorizations").json()["authorizations"]
    assert [a["application"]["name"] for a in authorizations] == ["ci"]
    assert {s["scope"] for s in authorizations[0]["scopes"]} == {"repo:read", "user:read"}
    token_page = browser.client.get("/oauth/localapp")
    assert token_page.status_code == 200
    revoked = browser.call("DELETE", f"/api/v1/user/authorizations/{authorizations[0]['uuid']}")
    assert revoked.status_code == 204
    assert client.get("/api/v1/user/", headers=h(issued["access_token"])).status_code == 401


def test_authorization_code_grant_single_use(client: TestClient, clock: Clock) -> None:
    _, app = _admin_with_app(client)
    user = sign_up(client.app, "carol")  # type: ignore[arg-type]
    redirect = "http://localhost/cb/done"
    consent = _consent(
        user, client_id=app["client_id"], scope="user:read", redirect_uri=redirect, state="xyz"
    )
    location = _approve(user, consent["fields"], consent["csrf_token"])
    query = _query(location)
    assert location.startswith(redirect + "?")
    assert query["state"] == "xyz"
    form = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": redirect}
    creds = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    wrong = client.post("/oauth/access_token", data={**form, **creds, "client_secret": "X" * 40})
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_client"
    other_uri = client.post(
        "/oauth/access_token", data={**form, **creds, "redirect_uri": "http://localhost/cb/other"}
    )
    assert other_uri.json()["error"] == "invalid_grant"
    exchanged = client.post("/oauth/access_token", data={**form, **creds})
    assert exchanged.status_code == 200, exchanged.text
    body = exchanged.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "user:read"
    assert exchanged.headers["cache-control"] == "no-store"
    assert client.get("/api/v1/user/", headers=h(body["access_token"])).json()["username"] == "carol"
    replay = client.post("/oauth/access_token", data={**form, **creds})
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # a replayed code revokes the token it produced
    assert client.get("/api/v1/user/", headers=h(body["access_token"])).status_code == 401
    consent = _consent(user, client_id=app["client_id"], scope="user:read", redirect_uri=redirect)
    late = _query(_approve(user, consent["fields"], consent["csrf_token"]))["code"]
    clock.advance(301)
    expired = client.post("/oauth/access_token", data={**form, **creds, "code": late})
    assert expired.json()["error"] == "invalid_grant"


def test_bad_requests_issue_nothing(client: TestClient) -> None:
    browser, app = _admin_with_app(client)
    cid = app["client_id"]
    base = {"response_type": "token", "client_id": cid, "scope": "repo:read", "redirect_uri": LOCAL}
    wrong_uri = browser.client.get(
        "/oauth/authorize", params={**base, "redirect_uri": "http://evil.example/cb"}
    )
    assert wrong_uri.status_code == 400
    assert wrong_uri.json()["error"] == "invalid_request"
    for sneaky in (
        "http://localhost/cb/../x",
        "http://localhost/cb%2F..",
        "http://user@localhost/cb",
        "https://localhost/cb",
    ):
        assert (
            browser.client.get("/oauth/authorize", params={**base, "redirect_uri": sneaky}).status_code == 400
        )
    too_long = browser.client.get(
        "/oauth/authorize", params={**base, "redirect_uri": "http://localhost/cb/" + "x" * 300}
    )
    assert too_long.status_code == 400
    unknown = browser.client.get("/oauth/authorize", params={**base, "client_id": "NOSUCHCLIENT"})
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "invalid_client"
    missing = browser.client.get("/oauth/authorize", params={"client_id": cid})
    assert missing.json()["error"] == "invalid_request"
    bad_scope = browser.client.get(
        "/oauth/authorize", params={**base, "scope": "repo:read everything"}, follow_redirects=False
    )
    assert bad_scope.status_code == 302
    assert _fragment(bad_scope.headers["location"])["error"] == "invalid_scope"
    anonymous = client.get("/oauth/authorize", params=base)
    assert anonymous.status_code == 401
    consent = _consent(browser, **base)
    no_csrf = browser.client.post("/oauth/authorizeapp", data=consent["fields"], follow_redirects=False)
    assert no_csrf.status_code == 403
    outsider = sign_up(client.app, "mallory")  # type: ignore[arg-type]
    their = _consent(outsider, **base)
    refused = _fragment(_approve(outsider, their["fields"], their["csrf_token"]))
    assert refused == {"error": "unauthorized_client"}
    assert (
        client.post("/oauth/access_token", data={"grant_type": "password"}).json()["error"]
        == "unsupported_grant_type"
    )
    assert (
        client.post("/oauth/access_token", data={"grant_type": "authorization_code"}).json()["error"]
        == "invalid_request"
    )
    garbage = client.post(
        "/oauth/access_token",
        data={
            "grant_type": "authorization_code",
            "code": "x",
            "redirect_uri": LOCAL,
            "client_id": cid,
            "client_secret": app["client_secret"],
        },
    )
    assert garbage.json()["error"] == "invalid_grant"
    denied = browser.client.post(
        "/oauth/denyapp",
        data={**consent["fields"], "_csrf_token": consent["csrf_token"]},
        follow_redirects=False,
    )
    assert _fragment(denied.headers["location"])["error"] == "access_denied"
    assert browser.call("GET", "/api/v1/user/authorizations").json() == {"authorizations": []}
    tokens = browser.call("GET", f"/api/v1/organization/acme/applications/{cid}/tokens").json()
    assert tokens == {"tokens": []}


def test_already_authorized_skips_consent(client: TestClient) -> None:
    browser, app = _admin_with_app(client)
    params = {
        "response_type": "token",
        "client_id": app["client_id"],
        "scope": "repo:read user:read",
        "redirect_uri": LOCAL,
    }
    consent = _consent(browser, **params)
    _approve(browser, consent["fields"], consent["csrf_token"])
    again = browser.client.get(
        "/oauth/authorize", params={**params, "scope": "user:read"}, follow_redirects=False
    )
    assert again.status_code == 302
    assert len(_fragment(again.headers["location"])["access_token"]) == 40
