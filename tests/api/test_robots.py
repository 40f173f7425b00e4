"""Robot accounts through ``/api/v1`` and their tokens at ``/v2/auth``, as Quay answers them."""

from __future__ import annotations

import re
from typing import Any

import jwt
from sqlalchemy import select
from starlette.testclient import TestClient

from berth.auditlog.models import LogEntry
from berth.auditlog.service import Actor
from berth.lib.scopes import ORG_ADMIN, REPO_READ, USER_ADMIN
from berth.orgs.service import add_team_member, require_organization, require_team
from berth.repos.models import RoleName
from berth.repos.service import get_repository, set_permission
from berth.robots.service import find_robot, issue_temporary_token
from berth.runtime import Runtime
from tests.factories import make_token, user_with_token
from tests.registry.helpers import basic, make_repo

TOKEN_RE = re.compile(r"^[A-Z0-9]{64}$")
NOT_FOUND = {"message": "Could not find robot with specified username"}


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _org(client: TestClient, token: str, name: str = "acme") -> None:
    response = client.post(
        "/api/v1/organization/", json={"name": name, "email": f"{name}@x.com"}, headers=_h(token)
    )
    assert response.status_code == 201


def _add_member(runtime: Runtime, org_name: str, team_name: str, member: str) -> None:
    with runtime.db.transaction() as session:
        org = require_organization(session, org_name)
        team = require_team(session, org, team_name)
        add_team_member(session, org, team, member, actor=Actor(None), now=runtime.clock())


def _pull_actions(client: TestClient, username: str, token: str, repo: str) -> list[str] | None:
    response = client.get(
        "/v2/auth",
        params=[("service", "testserver"), ("scope", f"repository:{repo}:pull,push")],
        headers=basic(username, token),
    )
    if response.status_code != 200:
        return None
    claims: dict[str, Any] = jwt.decode(response.json()["token"], options={"verify_signature": False})
    return list(claims["access"][0]["actions"])


def test_org_robot_lifecycle_matches_quay(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    _org(client, token)
    created = client.put(
        "/api/v1/organization/acme/robots/builder",
        json={"description": "CI robot", "unstructured_metadata": {"team": "ci"}},
        headers=_h(token),
    )
    assert created.status_code == 201
    body = created.json()
    assert list(body) == ["name", "created", "last_accessed", "description", "token", "unstructured_metadata"]
    assert body["name"] == "acme+builder"
    assert body["created"] == "Thu, 15 Jan 2026 12:00:00 -0000"
    assert body["last_accessed"] is None
    assert body["description"] == "CI robot"
    assert TOKEN_RE.match(body["token"])
    assert body["unstructured_metadata"] == {"team": "ci"}

    dup = client.put("/api/v1/organization/acme/robots/builder", json={"description": "x"}, headers=_h(token))
    assert dup.status_code == 400
    assert dup.json()["detail"] == "Existing robot with name: acme+builder"
    assert dup.json()["error_type"] == "invalid_request"
    bad = client.put("/api/v1/organization/acme/robots/Bad-Name", headers=_h(token))
    assert bad.status_code == 400
    assert bad.json()["detail"] == (
        "The name for the robot 'Bad-Name' is invalid: "
        "Namespace must match expression ^([a-z0-9]+(?:[._-][a-z0-9]+)*)$"
    )

    got = client.get("/api/v1/organization/acme/robots/builder", headers=_h(token)).json()
    assert got["token"] == ""  # stored as a hash: shown only when issued
    assert got["unstructured_metadata"] == {"team": "ci"}
    listed = client.get("/api/v1/organization/acme/robots", headers=_h(token)).json()
    assert listed == {
        "robots": [
            {
                "name": "acme+builder",
                "created": body["created"],
                "last_accessed": None,
                "description": "CI robot",
                "token": "",
            }
        ]
    }
    with_perms = client.get(
        "/api/v1/organization/acme/robots?permissions=true&token=false", headers=_h(token)
    ).json()
    assert with_perms["robots"][0] == {
        "name": "acme+builder",
        "created": body["created"],
        "last_accessed": None,
        "teams": [],
        "repositories": [],
        "description": "CI robot",
    }
    missing = client.get("/api/v1/organization/acme/robots/nobody", headers=_h(token))
    assert missing.status_code == 400
    assert missing.json() == NOT_FOUND
    assert client.delete("/api/v1/organization/acme/robots/builder", headers=_h(token)).status_code == 204
    assert client.delete("/api/v1/organization/acme/robots/builder", headers=_h(token)).json() == NOT_FOUND
    assert client.get("/api/v1/organization/acme/robots", headers=_h(token)).json() == {"robots": []}
    with runtime.db.transaction() as session:
        kinds = session.scalars(select(LogEntry.kind).order_by(LogEntry.id)).all()
    assert kinds.count("create_robot") == 1
    assert kinds.count("delete_robot") == 1


def test_user_robot_create_without_body_and_regenerate(client: TestClient, runtime: Runtime) -> None:
    me, token = user_with_token(runtime)
    created = client.put("/api/v1/user/robots/mybot", headers=_h(token))
    assert created.status_code == 201
    assert created.json()["name"] == f"{me}+mybot"
    assert created.json()["unstructured_metadata"] is None
    assert client.get("/api/v1/user/robots/mybot", headers=_h(token)).json()["unstructured_metadata"] == {}
    regenerated = client.post("/api/v1/user/robots/mybot/regenerate", headers=_h(token))
    assert regenerated.status_code == 200
    assert list(regenerated.json()) == ["name", "created", "last_accessed", "description", "token"]
    assert TOKEN_RE.match(regenerated.json()["token"])
    assert regenerated.json()["token"] != created.json()["token"]
    assert client.get("/api/v1/user/robots/mybot/permissions", headers=_h(token)).json() == {
        "permissions": []
    }
    assert client.get("/api/v1/user/robots/other/permissions", headers=_h(token)).json() == NOT_FOUND
    with runtime.db.transaction() as session:
        kinds = session.scalars(select(LogEntry.kind)).all()
    assert "regenerate_robot_token" in kinds


def test_robot_token_works_at_v2_auth_and_dies_on_regenerate(client: TestClient, runtime: Runtime) -> None:
    me, token = user_with_token(runtime)
    make_repo(runtime, me, "app")
    first = client.put("/api/v1/user/robots/ci", headers=_h(token)).json()["token"]
    robot = f"{me}+ci"
    assert _pull_actions(client, robot, first, f"{me}/app") == []  # no permission yet
    with runtime.db.transaction() as session:
        repo = get_repository(session, me, "app")
        found = find_robot(session, me, "ci")
        assert repo is not None
        assert found is not None
        set_permission(session, repo, found.account.id, RoleName.WRITE)
    assert _pull_actions(client, robot, first, f"{me}/app") == ["pull", "push"]
    assert _pull_actions(client, robot, first.lower(), f"{me}/app") is None
    assert _pull_actions(client, f"{me}+other", first, f"{me}/app") is None
    perms = client.get("/api/v1/user/robots/ci/permissions", headers=_h(token)).json()
    assert perms == {"permissions": [{"repository": {"name": "app", "is_public": False}, "role": "write"}]}
    got = client.get("/api/v1/user/robots/ci", headers=_h(token)).json()
    assert got["last_accessed"] == "Thu, 15 Jan 2026 12:00:00 -0000"

    second = client.post("/api/v1/user/robots/ci/regenerate", headers=_h(token)).json()["token"]
    assert _pull_actions(client, robot, first, f"{me}/app") is None
    assert _pull_actions(client, robot, second, f"{me}/app") == ["pull", "push"]

    third = client.post("/api/v1/user/robots/ci/regenerate?overlap=60", headers=_h(token)).json()["token"]
    assert _pull_actions(client, robot, second, f"{me}/app") == ["pull", "push"]  # overlap window
    assert _pull_actions(client, robot, third, f"{me}/app") == ["pull", "push"]
    runtime.clock.advance(61)  # type: ignore[attr-defined]
    assert _pull_actions(client, robot, second, f"{me}/app") is None
    assert _pull_actions(client, robot, third, f"{me}/app") == ["pull", "push"]
    bad = client.post("/api/v1/user/robots/ci/regenerate?overlap=-1", headers=_h(token))
    assert bad.status_code == 400
    assert _pull_actions(client, robot, third, f"{me}/app") == ["pull", "push"]  # nothing changed

    assert client.delete("/api/v1/user/robots/ci", headers=_h(token)).status_code == 204
    assert _pull_actions(client, robot, third, f"{me}/app") is None


def test_temporary_token_expires(client: TestClient, runtime: Runtime) -> None:
    me, token = user_with_token(runtime)
    make_repo(runtime, me, "app")
    client.put("/api/v1/user/robots/fed", headers=_h(token))
    with runtime.db.transaction() as session:
        found = find_robot(session, me, "fed")
        assert found is not None
        temporary = issue_temporary_token(session, found, now=runtime.clock(), lifetime_s=3600)
    assert TOKEN_RE.match(temporary)
    assert _pull_actions(client, f"{me}+fed", temporary, f"{me}/app") == []
    runtime.clock.advance(3600)  # type: ignore[attr-defined]
    assert _pull_actions(client, f"{me}+fed", temporary, f"{me}/app") is None


def test_org_robot_in_team_and_who_may_see_tokens(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    member, member_token = user_with_token(runtime)
    _, outsider = user_with_token(runtime)
    _org(client, token)
    robot_token = client.put("/api/v1/organization/acme/robots/pusher", headers=_h(token)).json()["token"]
    client.put("/api/v1/organization/acme/team/builders", json={"role": "creator"}, headers=_h(token))
    added = client.put("/api/v1/organization/acme/team/builders/members/acme+pusher", headers=_h(token))
    assert added.status_code == 200
    _add_member(runtime, "acme", "builders", member)
    # A creator-team robot may create repositories by pushing.
    assert _pull_actions(client, "acme+pusher", robot_token, "acme/newrepo") == ["pull", "push"]
    admin_view = client.get("/api/v1/organization/acme/robots?permissions=true", headers=_h(token)).json()
    entry = admin_view["robots"][0]
    assert [t["name"] for t in entry["teams"]] == ["builders"]
    assert entry["repositories"] == ["newrepo"]
    assert entry["token"] == ""
    member_view = client.get("/api/v1/organization/acme/robots?permissions=true", headers=_h(member_token))
    assert member_view.status_code == 200
    assert set(member_view.json()["robots"][0]) == {"name", "created", "last_accessed", "description"}
    assert client.get("/api/v1/organization/acme/robots/pusher", headers=_h(member_token)).status_code == 403
    assert client.get("/api/v1/organization/acme/robots", headers=_h(outsider)).status_code == 403
    assert client.get("/api/v1/organization/acme/robots").status_code == 401
    assert client.put("/api/v1/organization/acme/robots/x1", headers=_h(outsider)).status_code == 403
    # Deleting the organization removes its robots and their credentials.
    assert client.delete("/api/v1/organization/acme", headers=_h(token)).status_code == 204
    assert _pull_actions(client, "acme+pusher", robot_token, "acme/newrepo") is None
    _org(client, token)
    assert client.put("/api/v1/organization/acme/robots/pusher", headers=_h(token)).status_code == 201


def test_scopes_clamp_robot_management(client: TestClient, runtime: Runtime) -> None:
    me, _ = user_with_token(runtime)
    reader = make_token(runtime, me, frozenset({REPO_READ}))
    assert client.put("/api/v1/user/robots/bot", headers=_h(reader)).status_code == 403
    admin = make_token(runtime, me, frozenset({USER_ADMIN}))
    assert client.put("/api/v1/user/robots/bot", headers=_h(admin)).status_code == 201
    org_owner, owner_token = user_with_token(runtime)
    _org(client, owner_token, "beta")
    org_reader = make_token(runtime, org_owner, frozenset({REPO_READ}))
    assert client.put("/api/v1/organization/beta/robots/bot", headers=_h(org_reader)).status_code == 403
    org_admin = make_token(runtime, org_owner, frozenset({ORG_ADMIN}))
    assert client.put("/api/v1/organization/beta/robots/bot", headers=_h(org_admin)).status_code == 201


def test_bad_bodies_and_limits(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    bodies: list[dict[str, Any]] = [
        {"description": 5},
        {"unstructured_metadata": []},
        {"description": "x" * 256},
    ]
    for body in bodies:
        response = client.put("/api/v1/user/robots/bot", json=body, headers=_h(token))
        assert response.status_code == 400, body
    assert client.put("/api/v1/user/robots/a", headers=_h(token)).status_code == 400
    for name in ("one", "two", "three"):
        assert client.put(f"/api/v1/user/robots/{name}", headers=_h(token)).status_code == 201
    limited = client.get("/api/v1/user/robots?limit=2", headers=_h(token)).json()
    assert [r["name"].split("+")[1] for r in limited["robots"]] == ["one", "two"]
    assert client.get("/api/v1/user/robots?limit=x", headers=_h(token)).status_code == 400
