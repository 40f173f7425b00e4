"""``GET /v2/auth`` and ``GET /v2/``: credentials, scope granting and clamping, Quay's exact errors."""

from __future__ import annotations

from typing import Any

import jwt
from sqlalchemy import select
from starlette.testclient import TestClient

from berth.accounts.service import get_account
from berth.auditlog.models import LogEntry
from berth.auditlog.service import Actor
from berth.lib.scopes import REPO_CREATE, REPO_READ, REPO_WRITE
from berth.orgs.models import TeamRole
from berth.orgs.service import add_team_member, create_organization, upsert_team
from berth.repos.models import Repository, Visibility
from berth.runtime import Runtime
from tests.factories import make_token
from tests.registry.helpers import basic, bearer, make_repo, new_user

CHALLENGE = 'Bearer realm="http://testserver/v2/auth",service="testserver"'


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _auth(client: TestClient, scopes: list[str], headers: dict[str, str] | None = None) -> Any:
    params: list[tuple[str, str | int | float | bool | None]] = [("service", "testserver")]
    params += [("scope", s) for s in scopes]
    return client.get("/v2/auth", params=params, headers=headers or {})


def _actions(token: str) -> dict[str, list[str]]:
    return {entry["name"]: entry["actions"] for entry in _claims(token)["access"]}


def test_password_grants_push_and_pull_on_own_repository(runtime: Runtime, client: TestClient) -> None:
    user = new_user(runtime)
    make_repo(runtime, user, "app")
    response = _auth(client, [f"repository:{user}/app:push,pull"], basic(user))
    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    assert response.headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
    claims = _claims(response.json()["token"])
    assert claims["sub"] == user
    assert claims["aud"] == "testserver"
    assert claims["exp"] - claims["iat"] == runtime.settings.registry_token_lifetime_s
    assert claims["access"] == [{"type": "repository", "name": f"{user}/app", "actions": ["push", "pull"]}]


def test_bad_password_is_quays_401(runtime: Runtime, client: TestClient) -> None:
    user = new_user(runtime)
    response = _auth(client, [f"repository:{user}/app:push,pull"], basic(user, "wrong-password"))
    assert response.status_code == 401
    assert response.json() == {
        "errors": [{"code": "UNAUTHORIZED", "detail": {}, "message": "Invalid Username or Password"}]
    }
    assert response.headers["WWW-Authenticate"] == CHALLENGE
    assert response.headers["Docker-Distribution-API-Version"] == "registry/2.0"
    assert response.headers["Content-Length"] == "90"


def test_anonymous_without_scope_is_refused(client: TestClient) -> None:
    response = _auth(client, [])
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "access to the requested resource is not authorized"


def test_anonymous_pull_of_private_repo_is_downscoped_silently(runtime: Runtime, client: TestClient) -> None:
    user = new_user(runtime)
    make_repo(runtime, user, "secret")
    make_repo(runtime, user, "open", visibility=Visibility.PUBLIC)
    response = _auth(client, [f"repository:{user}/secret:pull", f"repository:{user}/open:pull"])
    assert response.status_code == 200
    token = response.json()["token"]
    assert _claims(token)["sub"] == "(anonymous)"
    assert _actions(token) == {f"{user}/secret": [], f"{user}/open": ["pull"]}


def test_other_users_repository_is_dropped_not_refused(runtime: Runtime, client: TestClient) -> None:
    owner, other = new_user(runtime), new_user(runtime)
    make_repo(runtime, owner, "app")
    token = _auth(client, [f"repository:{owner}/app:push,pull"], basic(other)).json()["token"]
    assert _actions(token) == {f"{owner}/app": []}
    token = _auth(client, [f"repository:{owner}/new:push,pull"], basic(other)).json()["token"]
    assert _actions(token) == {f"{owner}/new": []}
    with runtime.db.transaction(write=False) as session:
        assert session.scalar(select(Repository).where(Repository.name == "new")) is None


def test_push_scope_creates_missing_private_repository(runtime: Runtime, client: TestClient) -> None:
    user = new_user(runtime)
    token = _auth(client, [f"repository:{user}/fresh/nested:push,pull"], basic(user)).json()["token"]
    assert _actions(token) == {f"{user}/fresh/nested": ["push", "pull"]}
    with runtime.db.transaction(write=False) as session:
        repo = session.scalar(select(Repository).where(Repository.name == "fresh/nested"))
        assert repo is not None
        assert repo.visibility == Visibility.PRIVATE
        kinds = session.scalars(select(LogEntry.kind).where(LogEntry.repository_id == repo.id)).all()
        assert list(kinds) == ["create_repo"]


def test_oauth_token_scopes_clamp_actions(runtime: Runtime, client: TestClient) -> None:
    user = new_user(runtime)
    make_repo(runtime, user, "app")
    scope = [f"repository:{user}/app:push,pull"]
    read_only = make_token(runtime, user, frozenset({REPO_READ}))
    token = _auth(client, scope, basic("$oauthtoken", read_only)).json()["token"]
    assert _actions(token) == {f"{user}/app": ["pull"]}
    writer = make_token(runtime, user, frozenset({REPO_WRITE}))
    token = _auth(client, scope, basic("$oauthtoken", writer)).json()["token"]
    assert _actions(token) == {f"{user}/app": ["push", "pull"]}
    assert _claims(token)["context"]["entity_kind"] == "oauthtoken"


def test_oauth_token_needs_repo_create_to_create(runtime: Runtime, client: TestClient) -> None:
    user = new_user(runtime)
    writer = make_token(runtime, user, frozenset({REPO_WRITE}))
    token = _auth(client, [f"repository:{user}/one:push,pull"], basic("$oauthtoken", writer)).json()["token"]
    assert _actions(token) == {f"{user}/one": []}
    creator = make_token(runtime, user, frozenset({REPO_WRITE, REPO_CREATE}))
    token = _auth(client, [f"repository:{user}/two:push,pull"], basic("$oauthtoken", creator)).json()["token"]
    assert _actions(token) == {f"{user}/two": ["push", "pull"]}


def test_bad_oauth_token_and_unknown_credential_kinds_are_401(runtime: Runtime, client: TestClient) -> None:
    user = new_user(runtime)
    for username, password in (("$oauthtoken", "X" * 40), (f"{user}+robot", "Y" * 64), ("$app", "Z" * 120)):
        response = _auth(client, [f"repository:{user}/app:pull"], basic(username, password))
        assert response.status_code == 401
        assert response.json()["errors"][0]["message"] == "Invalid Username or Password"


def test_catalog_scope_and_hostname_prefixed_scopes(runtime: Runtime, client: TestClient) -> None:
    user = new_user(runtime)
    make_repo(runtime, user, "app")
    scopes = ["registry:catalog:*", f"repository:testserver/{user}/app:pull"]
    token = _auth(client, scopes, basic(user)).json()["token"]
    assert _claims(token)["access"] == [
        {"type": "registry", "name": "catalog", "actions": ["*"]},
        {"type": "repository", "name": f"{user}/app", "actions": ["pull"]},
    ]


def test_malformed_scope_is_400(runtime: Runtime, client: TestClient) -> None:
    user = new_user(runtime)
    response = _auth(client, ["repository:nonsense"], basic(user))
    assert response.status_code == 400
    assert "errors" in response.json()


def test_base_endpoint_challenges_and_accepts_only_registry_tokens(
    runtime: Runtime, client: TestClient
) -> None:
    user = new_user(runtime)
    anonymous = client.get("/v2/")
    assert anonymous.status_code == 401
    assert anonymous.text == "true"
    assert anonymous.headers["WWW-Authenticate"] == CHALLENGE
    assert anonymous.headers["Docker-Distribution-API-Version"] == "registry/2.0"
    with_basic = client.get("/v2/", headers=basic(user))
    assert with_basic.status_code == 401
    assert with_basic.json() == {"error": "Invalid bearer token format"}
    assert with_basic.headers["Content-Length"] == "40"
    assert client.get("/v2/", headers=bearer("not.a.jwt")).status_code == 401
    token = _auth(client, [], basic(user)).json()["token"]
    ok = client.get("/v2/", headers=bearer(token))
    assert ok.status_code == 200
    assert ok.json() is True


def test_expired_token_is_refused(runtime: Runtime, client: TestClient, clock: Any) -> None:
    user = new_user(runtime)
    token = _auth(client, [], basic(user)).json()["token"]
    clock.advance(runtime.settings.registry_token_lifetime_s + 1)
    assert client.get("/v2/", headers=bearer(token)).status_code == 401


def test_tokens_from_another_installation_are_refused(runtime: Runtime, client: TestClient) -> None:
    user = new_user(runtime)
    claims = {"iss": "quay", "aud": "testserver", "sub": user, "exp": 4102444800, "access": []}
    forged = jwt.encode(claims, "a-shared-secret-key-that-is-long-enough", algorithm="HS256")
    assert client.get("/v2/", headers=bearer(forged)).status_code == 401


def test_repeated_bad_passwords_are_throttled(runtime: Runtime, client: TestClient, clock: Any) -> None:
    user = new_user(runtime)
    scope = [f"repository:{user}/app:pull"]
    statuses = [_auth(client, scope, basic(user, "wrong-password")).status_code for _ in range(3)]
    assert statuses[0] == 401
    assert 429 in statuses
    throttled = _auth(client, scope, basic(user))
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert throttled.json()["errors"][0]["code"] == "TOOMANYREQUESTS"
    clock.advance(3600)
    assert _auth(client, scope, basic(user)).status_code == 200


def test_organization_teams_decide_repository_access(runtime: Runtime, client: TestClient) -> None:
    admin, creator, member = new_user(runtime), new_user(runtime), new_user(runtime)
    now = runtime.clock()
    with runtime.db.transaction() as session:
        admin_account = get_account(session, admin)
        assert admin_account is not None
        org = create_organization(
            session, name="acme", email=None, creator=admin_account, actor=Actor(None), now=now
        )
        for team_name, role, user in (
            ("builders", TeamRole.CREATOR, creator),
            ("readers", TeamRole.MEMBER, member),
        ):
            change = upsert_team(
                session, org, team_name, role=role, description=None, actor=Actor(None), now=now
            )
            add_team_member(session, org, change.team, user, actor=Actor(None), now=now)
    scope = ["repository:acme/app:push,pull"]
    assert _actions(_auth(client, scope, basic(member)).json()["token"]) == {"acme/app": []}
    assert _actions(_auth(client, scope, basic(creator)).json()["token"]) == {"acme/app": ["push", "pull"]}
    assert _actions(_auth(client, scope, basic(admin)).json()["token"]) == {"acme/app": ["push", "pull"]}
    assert _actions(_auth(client, scope, basic(member)).json()["token"]) == {"acme/app": []}
    catalog = client.get("/v2/_catalog", headers=bearer(_auth(client, [], basic(admin)).json()["token"]))
    assert catalog.json() == {"repositories": ["acme/app"]}
