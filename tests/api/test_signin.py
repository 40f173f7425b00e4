"""``/api/v1/signin``, ``/signout`` and ``/signin/verify``: CSRF, session rotation, throttling,
fresh login and cookie flags, over HTTP only (the users come from the factories)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from starlette.applications import Starlette

from berth.accounts.models import WebSession
from berth.app import create_app
from berth.auditlog.models import LogEntry
from berth.runtime import Runtime
from tests.api.browser import Browser
from tests.conftest import Clock
from tests.factories import PASSWORD, make_token, make_user

CSRF_ERROR = {"error": "CSRF token was invalid or missing."}
BAD_LOGIN = {
    "needsEmailVerification": False,
    "invalidCredentials": True,
    "message": "Invalid Username or Password",
}
THROTTLED = "Too many login attempts. \nPlease reset your Quay password and try again."


def _app(runtime: Runtime) -> Starlette:
    return create_app(runtime.settings, runtime)


def _user(runtime: Runtime) -> str:
    with runtime.db.transaction() as session:
        return make_user(session, runtime.clock()).username


def _logs(runtime: Runtime, kind: str) -> list[LogEntry]:
    with runtime.db.transaction(write=False) as session:
        return list(session.scalars(select(LogEntry).where(LogEntry.kind == kind).order_by(LogEntry.id)))


def test_signin_needs_csrf_token(runtime: Runtime) -> None:
    name = _user(runtime)
    browser = Browser(_app(runtime))
    response = browser.call("POST", "/api/v1/signin", json={"username": name, "password": PASSWORD})
    assert response.status_code == 403
    assert response.json() == CSRF_ERROR
    browser.fetch_csrf()
    without = browser.call(
        "POST", "/api/v1/signin", json={"username": name, "password": PASSWORD}, csrf=False
    )
    assert without.status_code == 403
    assert without.json() == CSRF_ERROR
    assert browser.me().status_code == 401


def test_signin_rotates_session_and_csrf_token(runtime: Runtime) -> None:
    name = _user(runtime)
    browser = Browser(_app(runtime))
    old_token = browser.fetch_csrf()
    old_cookie = browser.cookie
    response = browser.signin(name, PASSWORD)
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert browser.cookie is not None
    assert browser.cookie != old_cookie
    assert browser.csrf != old_token
    me = browser.me()
    assert me.status_code == 200
    assert me.json()["username"] == name
    # /csrf_token hands out the new token for the new cookie.
    assert browser.client.get("/csrf_token").json() == {"csrf_token": browser.csrf}
    # The old token no longer passes the CSRF check ...
    stale = browser.client.post(
        "/api/v1/signin/verify", json={"password": PASSWORD}, headers={"X-CSRF-Token": old_token}
    )
    assert stale.status_code == 403
    assert stale.json() == CSRF_ERROR
    # ... and a fixated (pre-login) cookie is not signed in.
    attacker = Browser(_app(runtime))
    attacker.client.cookies.set("berth_session", old_cookie or "")
    assert attacker.me().status_code == 401
    success = _logs(runtime, "login_success")
    assert len(success) == 1
    assert success[0].performer_id is not None
    assert success[0].metadata_json["username"] == name


def test_signin_by_email(runtime: Runtime) -> None:
    name = _user(runtime)
    browser = Browser(_app(runtime))
    assert browser.signin(f"{name}@example.com", PASSWORD).json() == {"success": True}
    assert browser.me().json()["username"] == name


def test_bad_password_is_quay_403_and_logged(runtime: Runtime) -> None:
    name = _user(runtime)
    browser = Browser(_app(runtime))
    response = browser.signin(name, "wrong-password")
    assert response.status_code == 403
    assert response.json() == BAD_LOGIN
    assert browser.me().status_code == 401
    failures = _logs(runtime, "login_failure")
    assert len(failures) == 1
    assert failures[0].performer_id is None
    assert failures[0].metadata_json["username"] == name
    assert "wrong-password" not in str(failures[0].metadata_json)


def test_failed_logins_back_off_exponentially(runtime: Runtime, clock: Clock) -> None:
    name = _user(runtime)
    browser = Browser(_app(runtime))
    assert browser.signin(name, "wrong-password").status_code == 403
    throttled = browser.signin(name, PASSWORD)  # even the right password waits
    assert throttled.status_code == 429
    assert throttled.text == THROTTLED
    assert throttled.headers["retry-after"] == "5"
    assert throttled.headers["content-type"].startswith("text/plain")
    clock.advance(3)
    assert browser.signin(name, PASSWORD).headers["retry-after"] == "2"
    clock.advance(2)
    assert browser.signin(name, "wrong-password").status_code == 403
    assert browser.signin(name, PASSWORD).headers["retry-after"] == "15"
    clock.advance(15)
    assert browser.signin(name, "wrong-password").status_code == 403
    assert browser.signin(name, PASSWORD).headers["retry-after"] == "35"
    clock.advance(35)
    assert browser.signin(name, PASSWORD).json() == {"success": True}
    # Success reset the counter: one new failure waits 5 seconds again.
    other = Browser(_app(runtime))
    assert other.signin(name, "wrong-password").status_code == 403
    assert other.signin(name, PASSWORD).headers["retry-after"] == "5"
    assert len(_logs(runtime, "login_failure")) == 4


def test_unknown_names_are_throttled_alike(runtime: Runtime) -> None:
    browser = Browser(_app(runtime))
    assert browser.signin("nosuchuser", "wrong-password").json() == BAD_LOGIN
    response = browser.signin("nosuchuser", "wrong-password")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "5"


def test_signout_ends_session_and_clears_cookie(runtime: Runtime) -> None:
    name = _user(runtime)
    browser = Browser(_app(runtime))
    browser.signin(name, PASSWORD)
    cookie = browser.cookie
    response = browser.call("POST", "/api/v1/signout")
    assert response.status_code == 200
    assert response.json() == {"success": True}
    set_cookie = response.headers["set-cookie"]
    assert "berth_session=" in set_cookie
    assert "Max-Age=0" in set_cookie or "expires=" in set_cookie.lower()
    assert browser.me().status_code == 401
    replay = Browser(_app(runtime))
    replay.client.cookies.set("berth_session", cookie or "")
    assert replay.me().status_code == 401
    with runtime.db.transaction(write=False) as session:
        assert session.scalars(select(WebSession)).all() == []
    assert len(_logs(runtime, "logout_success")) == 1


def test_signout_needs_csrf(runtime: Runtime) -> None:
    name = _user(runtime)
    browser = Browser(_app(runtime))
    browser.signin(name, PASSWORD)
    assert browser.call("POST", "/api/v1/signout", csrf=False).status_code == 403
    assert browser.me().status_code == 200


def test_stale_session_needs_fresh_login_then_verify(runtime: Runtime, clock: Clock) -> None:
    name = _user(runtime)
    browser = Browser(_app(runtime))
    browser.signin(name, PASSWORD)
    assert browser.call("PUT", "/api/v1/user/", json={"company": "Acme"}).status_code == 200
    clock.advance(601)
    stale = browser.call("PUT", "/api/v1/user/", json={"company": "Other"})
    assert stale.status_code == 401
    assert stale.json()["error_type"] == "fresh_login_required"
    assert stale.json()["title"] == "fresh_login_required"
    assert browser.me().json()["company"] == "Acme"
    wrong = browser.call("POST", "/api/v1/signin/verify", json={"password": "wrong-password"})
    assert wrong.status_code == 403
    assert wrong.json() == {"message": "Invalid Username or Password", "invalidCredentials": True}
    clock.advance(5)
    assert browser.call("POST", "/api/v1/signin/verify", json={"password": PASSWORD}).json() == {
        "success": True
    }
    assert browser.call("PUT", "/api/v1/user/", json={"company": "Other"}).json()["company"] == "Other"


def test_bearer_tokens_never_need_fresh_login(runtime: Runtime, clock: Clock) -> None:
    name = _user(runtime)
    token = make_token(runtime, name)
    clock.advance(3600)
    browser = Browser(_app(runtime))
    response = browser.client.put(
        "/api/v1/user/", json={"company": "Acme"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


def test_verify_anonymous_is_401(runtime: Runtime) -> None:
    browser = Browser(_app(runtime))
    browser.fetch_csrf()
    response = browser.call("POST", "/api/v1/signin/verify", json={"password": PASSWORD})
    assert response.status_code == 401
    assert response.json()["error_type"] == "invalid_token"


def test_cookie_flags(runtime: Runtime) -> None:
    name = _user(runtime)
    browser = Browser(_app(runtime))
    browser.fetch_csrf()
    response = browser.signin(name, PASSWORD)
    set_cookie = response.headers["set-cookie"].lower()
    assert "httponly" in set_cookie
    assert "samesite=lax" in set_cookie
    assert "secure" not in set_cookie


def test_cookie_secure_under_https(runtime: Runtime) -> None:
    name = _user(runtime)
    runtime.settings = replace(runtime.settings, preferred_url_scheme="https")
    browser = Browser(_app(runtime), base_url="https://testserver")
    first = browser.client.get("/csrf_token")
    browser.csrf = first.json()["csrf_token"]
    assert "secure" in first.headers["set-cookie"].lower()
    response = browser.signin(name, PASSWORD)
    assert response.status_code == 200
    set_cookie = response.headers["set-cookie"].lower()
    assert "secure" in set_cookie
    assert "httponly" in set_cookie
    assert "samesite=lax" in set_cookie
    assert browser.me().status_code == 200


def test_signin_disabled_without_direct_login(runtime: Runtime) -> None:
    name = _user(runtime)
    runtime.settings = replace(
        runtime.settings, features={**runtime.settings.features, "DIRECT_LOGIN": False}
    )
    browser = Browser(_app(runtime))
    assert browser.signin(name, PASSWORD).status_code == 404
