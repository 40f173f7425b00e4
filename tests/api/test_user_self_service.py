"""Account self-service as Quay answers it, driven over HTTP only: sign-up, details, deletion,
conversion, client keys and recovery mail, each through the caller's own cookie session."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from berth.accounts.clientkeys import verify_client_key
from berth.accounts.models import Account, AccountKind
from berth.app import create_app
from berth.auditlog.models import LogEntry
from berth.runtime import Runtime
from tests.api.browser import Browser, sign_up
from tests.conftest import Clock

CSRF_ERROR = {"error": "CSRF token was invalid or missing."}
BAD_PASSWORD = "Invalid password, password must be at least 8 characters and contain no whitespace."


def _app(runtime: Runtime) -> Starlette:
    return create_app(runtime.settings, runtime)


def _kinds(runtime: Runtime) -> list[str]:
    with runtime.db.transaction(write=False) as session:
        return list(session.scalars(select(LogEntry.kind).order_by(LogEntry.id)))


def _account(runtime: Runtime, username: str) -> Account | None:
    with runtime.db.transaction(write=False) as session:
        account = session.scalar(select(Account).where(Account.username == username))
        if account is not None:
            session.expunge(account)
        return account


def test_script_users_sign_up_sign_in_and_write_each_in_their_own_session(runtime: Runtime) -> None:
    app = _app(runtime)
    admin = Browser(app)
    init = admin.client.post(
        "/api/v1/user/initialize",
        json={"username": "admin", "password": "password-admin-1", "email": "admin@x.io"},
    )
    assert init.status_code == 200
    browsers = {name: sign_up(app, name) for name in ("alice", "bob", "carol")}
    browsers["admin"] = admin
    admin.signin("admin", "password-admin-1")
    for name, browser in browsers.items():
        assert browser.me().json()["username"] == name
        # A fresh browser can sign in as the same user with the password.
        if name != "admin":
            again = Browser(app)
            assert again.signin(name, f"pw-{name}-123").json() == {"success": True}
            assert again.me().json()["username"] == name
    cookies = {browser.cookie for browser in browsers.values()}
    assert len(cookies) == 4
    for name, browser in browsers.items():
        refused = browser.call("PUT", "/api/v1/user/", json={"company": f"{name} inc"}, csrf=False)
        assert refused.status_code == 403
        assert refused.json() == CSRF_ERROR
        assert browser.me().json()["company"] is None
        done = browser.call("PUT", "/api/v1/user/", json={"company": f"{name} inc"})
        assert done.status_code == 200
        assert done.json()["username"] == name
    for name, browser in browsers.items():
        assert browser.me().json()["company"] == f"{name} inc"
    # One user's CSRF token does not work with another user's cookie.
    alice, bob = browsers["alice"], browsers["bob"]
    crossed = alice.client.put(
        "/api/v1/user/", json={"company": "x"}, headers={"X-CSRF-Token": bob.csrf or ""}
    )
    assert crossed.status_code == 403
    assert _kinds(runtime).count("user_create") == 4
    assert _kinds(runtime).count("user_change_metadata") == 4


def test_create_user_needs_csrf_even_anonymously(runtime: Runtime) -> None:
    browser = Browser(_app(runtime))
    body = {"username": "dave", "password": "password-dave", "email": "dave@x.io"}
    response = browser.call("POST", "/api/v1/user/", json=body)
    assert response.status_code == 403
    assert response.json() == CSRF_ERROR
    assert _account(runtime, "dave") is None


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"username": "erin", "password": "short", "email": "erin@x.io"}, BAD_PASSWORD),
        ({"username": "erin", "password": "has a space in it", "email": "erin@x.io"}, BAD_PASSWORD),
        ({"username": "Erin!", "password": "password-erin", "email": "erin@x.io"}, None),
        ({"username": "erin", "password": "password-erin", "email": "not-an-email"}, None),
        ({"username": "erin", "password": 12345678, "email": "erin@x.io"}, None),
    ],
)
def test_create_user_bad_input_is_quay_400_and_creates_nothing(
    runtime: Runtime, body: dict[str, object], detail: str | None
) -> None:
    browser = Browser(_app(runtime))
    browser.fetch_csrf()
    response = browser.call("POST", "/api/v1/user/", json=body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["error_type"] == "invalid_request"
    assert payload["status"] == 400
    if detail is not None:
        assert payload["detail"] == payload["error_message"] == detail
    assert _account(runtime, "erin") is None
    assert browser.me().status_code == 401
    assert "user_create" not in _kinds(runtime)


def test_create_user_taken_name_and_email(runtime: Runtime) -> None:
    app = _app(runtime)
    sign_up(app, "frank")
    browser = Browser(app)
    browser.fetch_csrf()
    taken = browser.call(
        "POST", "/api/v1/user/", json={"username": "frank", "password": "password-xx", "email": "f2@x.io"}
    )
    assert taken.status_code == 400
    assert "already been taken" in taken.json()["detail"]
    email = browser.call(
        "POST", "/api/v1/user/", json={"username": "frank2", "password": "password-xx", "email": "frank@x.io"}
    )
    assert email.status_code == 400
    assert _account(runtime, "frank2") is None


def test_create_user_feature_off_is_404(runtime: Runtime) -> None:
    runtime.settings = replace(
        runtime.settings, features={**runtime.settings.features, "USER_CREATION": False}
    )
    browser = Browser(_app(runtime))
    browser.fetch_csrf()
    body = {"username": "gina", "password": "password-gina", "email": "gina@x.io"}
    assert browser.call("POST", "/api/v1/user/", json=body).status_code == 404


def test_change_details_validates_everything_first(runtime: Runtime) -> None:
    browser = sign_up(_app(runtime), "hank")
    bad = browser.call("PUT", "/api/v1/user/", json={"company": "Acme", "tag_expiration_s": 12345})
    assert bad.status_code == 400
    assert bad.json()["detail"] == "Invalid tag expiration option"
    bad_pw = browser.call("PUT", "/api/v1/user/", json={"given_name": "H", "password": "short"})
    assert bad_pw.json()["detail"] == BAD_PASSWORD
    me = browser.me().json()
    assert me["company"] is None
    assert me["given_name"] is None
    good = browser.call(
        "PUT",
        "/api/v1/user/",
        json={"tag_expiration_s": 86400, "email": "hank2@x.io", "invoice_email": True, "location": "Oslo"},
    )
    assert good.status_code == 200
    body = good.json()
    assert (body["tag_expiration_s"], body["email"], body["invoice_email"], body["location"]) == (
        86400,
        "hank2@x.io",
        True,
        "Oslo",
    )
    kinds = _kinds(runtime)
    for kind in (
        "user_change_tag_expiration",
        "user_change_email",
        "user_change_invoicing",
        "user_change_metadata",
    ):
        assert kind in kinds


def test_change_email_to_a_used_one_is_refused(runtime: Runtime) -> None:
    app = _app(runtime)
    sign_up(app, "ivan")
    browser = sign_up(app, "jane")
    response = browser.call("PUT", "/api/v1/user/", json={"email": "ivan@x.io"})
    assert response.status_code == 400
    assert response.json()["detail"] == "E-mail address already used"
    assert browser.me().json()["email"] == "jane@x.io"


def test_password_change_voids_other_sessions_and_keys(runtime: Runtime, clock: Clock) -> None:
    app = _app(runtime)
    browser = sign_up(app, "kate")
    other = Browser(app)
    other.signin("kate", "pw-kate-123")
    key = browser.call("POST", "/api/v1/user/clientkey", json={"password": "pw-kate-123"}).json()["key"]
    clock.advance(1)
    changed = browser.call("PUT", "/api/v1/user/", json={"password": "new-password-kate"})
    assert changed.status_code == 200
    assert browser.me().status_code == 200  # this session was re-signed
    assert other.me().status_code == 401
    assert Browser(app).signin("kate", "pw-kate-123").status_code == 403
    clock.advance(5)  # the failed attempt above is throttled like any other
    assert Browser(app).signin("kate", "new-password-kate").status_code == 200
    with runtime.db.transaction() as session:
        assert verify_client_key(session, "kate", key, now=clock()) is None
    assert "user_change_password" in _kinds(runtime)
    assert "new-password-kate" not in str(_kinds(runtime))


def test_delete_current_user(runtime: Runtime) -> None:
    app = _app(runtime)
    browser = sign_up(app, "liam")
    assert browser.call("DELETE", "/api/v1/user/", csrf=False).status_code == 403
    response = browser.call("DELETE", "/api/v1/user/")
    assert response.status_code == 204
    assert response.content == b""
    assert browser.me().status_code == 401
    assert browser.client.get("/api/v1/users/liam").status_code == 404
    assert Browser(app).signin("liam", "pw-liam-123").status_code == 403
    assert "user_delete" in _kinds(runtime)
    sign_up(app, "liam")  # the name and the e-mail address are free again


def test_convert_user_to_organization(runtime: Runtime, clock: Clock) -> None:
    app = _app(runtime)
    sign_up(app, "mona")
    browser = sign_up(app, "acme")
    wrong = browser.call(
        "POST", "/api/v1/user/convert", json={"adminUser": "mona", "adminPassword": "nope-nope"}
    )
    assert wrong.status_code == 400
    assert wrong.json()["reason"] == "invaliduser"
    assert wrong.json()["detail"] == "The admin user credentials are not valid"
    own = browser.call(
        "POST", "/api/v1/user/convert", json={"adminUser": "acme", "adminPassword": "pw-acme-123"}
    )
    assert own.status_code == 400
    assert own.json()["detail"] == "The admin user is not valid"
    converted = _account(runtime, "acme")
    assert converted is not None
    assert converted.kind == AccountKind.USER
    clock.advance(5)  # the wrong admin password above throttles "mona" for 5 seconds
    ok = browser.call(
        "POST",
        "/api/v1/user/convert",
        json={"adminUser": "mona", "adminPassword": "pw-mona-123", "plan": "free"},
    )
    assert ok.status_code == 200
    assert ok.json() == {"success": True}
    assert browser.me().json()["username"] == "mona"  # signed in as the admin now
    account = _account(runtime, "acme")
    assert account is not None
    assert account.kind == AccountKind.ORGANIZATION
    assert account.password_hash is None
    assert Browser(app).signin("acme", "pw-acme-123").status_code == 403
    assert "account_convert" in _kinds(runtime)
    # The admin holds the new organization through its owners team.
    orgs = browser.me().json()["organizations"]
    assert [(o["name"], o["is_org_admin"]) for o in orgs] == [("acme", True)]
    assert browser.call("GET", "/api/v1/organization/acme").status_code == 200


def test_sole_org_admin_cannot_delete_themselves(runtime: Runtime) -> None:
    app = _app(runtime)
    browser = sign_up(app, "quinn")
    created = browser.call("POST", "/api/v1/organization/", json={"name": "quinnco", "email": "q@co.io"})
    assert created.status_code == 201
    response = browser.call("DELETE", "/api/v1/user/")
    assert response.status_code == 400
    assert response.json() == {
        "message": "Cannot delete quinn as you are the only admin for organizations: quinnco"
    }
    assert browser.me().json()["username"] == "quinn"
    assert "user_delete" not in _kinds(runtime)


def test_client_key(runtime: Runtime, clock: Clock) -> None:
    app = _app(runtime)
    browser = sign_up(app, "nina")
    wrong = browser.call("POST", "/api/v1/user/clientkey", json={"password": "wrong-password"})
    assert wrong.status_code == 400
    assert wrong.json()["detail"] == "Invalid Username or Password"
    assert wrong.json()["error_type"] == "invalid_request"
    throttled = browser.call("POST", "/api/v1/user/clientkey", json={"password": "pw-nina-123"})
    assert throttled.status_code == 429  # the failure above was counted
    clock.advance(5)
    response = browser.call("POST", "/api/v1/user/clientkey", json={"password": "pw-nina-123"})
    assert response.status_code == 200
    key = response.json()["key"]
    assert len(key) == 64
    assert key.isalnum()
    assert "pw-nina-123" not in key
    with runtime.db.transaction() as session:
        account = verify_client_key(session, "nina", key, now=clock())
        assert account is not None
        assert account.username == "nina"
        assert verify_client_key(session, "other", key, now=clock()) is None
        assert (
            verify_client_key(session, "nina", key[:-1] + ("A" if key[-1] != "A" else "B"), now=clock())
            is None
        )
    assert "user_generate_client_key" in _kinds(runtime)


def test_initialize_returns_a_working_client_key(runtime: Runtime, clock: Clock) -> None:
    browser = Browser(_app(runtime))
    body = {"username": "root", "password": "password-root-1", "email": "root@x.io"}
    key = browser.client.post("/api/v1/user/initialize", json=body).json()["encrypted_password"]
    assert isinstance(key, str)
    assert len(key) == 64
    with runtime.db.transaction() as session:
        assert verify_client_key(session, "root", key, now=clock()) is not None
