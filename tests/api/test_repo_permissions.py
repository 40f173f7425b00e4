"""Repository permissions of users, robots and teams as Quay answers them."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from berth.accounts.service import get_account
from berth.auditlog.models import LogEntry
from berth.auditlog.service import Actor
from berth.orgs.service import add_team_member, get_organization, require_team
from berth.robots.service import create_robot
from berth.runtime import Runtime
from tests.factories import user_with_token


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _world(client: TestClient, runtime: Runtime) -> tuple[str, str, str, str]:
    admin, token = user_with_token(runtime)
    bob, bob_token = user_with_token(runtime)
    assert (
        client.post(
            "/api/v1/organization/", json={"name": "acme", "email": "a@x.com"}, headers=_h(token)
        ).status_code
        == 201
    )
    body = {"namespace": "acme", "repository": "app", "visibility": "private", "description": ""}
    assert client.post("/api/v1/repository", json=body, headers=_h(token)).status_code == 201
    return admin, token, bob, bob_token


def test_user_permissions_lifecycle(client: TestClient, runtime: Runtime) -> None:
    admin, token, bob, bob_token = _world(client, runtime)
    base = "/api/v1/repository/acme/app/permissions/user"
    assert client.get(f"{base}/{bob}", headers=_h(token)).json() == {
        "message": "User does not have permission for repo."
    }
    assert client.get("/api/v1/repository/acme/app", headers=_h(bob_token)).status_code == 403
    put = client.put(f"{base}/{bob}", json={"role": "read"}, headers=_h(token))
    assert put.status_code == 200
    assert put.json()["role"] == "read"
    assert put.json()["name"] == bob
    assert put.json()["is_robot"] is False
    assert put.json()["is_org_member"] is False
    assert put.json()["avatar"]["kind"] == "user"
    assert client.get("/api/v1/repository/acme/app", headers=_h(bob_token)).status_code == 200
    assert (
        client.put(
            "/api/v1/repository/acme/app", json={"description": "x"}, headers=_h(bob_token)
        ).status_code
        == 403
    )
    listed = client.get(f"{base}/", headers=_h(token)).json()["permissions"]
    assert set(listed) == {admin, bob}
    assert listed[admin]["role"] == "admin"
    assert listed[admin]["is_org_member"] is True
    assert client.get(f"{base}/{bob}", headers=_h(token)).json()["role"] == "read"
    bad = client.put(f"{base}/{bob}", json={"role": "owner"}, headers=_h(token))
    assert bad.status_code == 400
    nobody = client.put(f"{base}/nosuchuser", json={"role": "read"}, headers=_h(token))
    assert nobody.status_code == 400
    assert nobody.json()["detail"] == "Invalid username: nosuchuser"
    assert client.get(f"{base}/", headers=_h(bob_token)).status_code == 403
    assert client.delete(f"{base}/{bob}", headers=_h(token)).status_code == 204
    gone = client.get(f"{base}/{bob}", headers=_h(token))
    assert gone.status_code == 400
    assert gone.json() == {"message": "User does not have permission for repo."}
    again = client.delete(f"{base}/{bob}", headers=_h(token))
    assert again.status_code == 400
    assert again.json()["detail"] == "User does not have permission for repo."
    with runtime.db.transaction() as session:
        kinds = session.scalars(select(LogEntry.kind).order_by(LogEntry.id)).all()
    assert kinds.count("change_repo_permission") == 1
    assert kinds.count("delete_repo_permission") == 1


def test_team_permissions_and_transitive(client: TestClient, runtime: Runtime) -> None:
    _, token, bob, bob_token = _world(client, runtime)
    assert (
        client.put(
            "/api/v1/organization/acme/team/devs", json={"role": "member"}, headers=_h(token)
        ).status_code
        == 200
    )
    with runtime.db.transaction() as session:  # a direct member, not an invitation
        org = get_organization(session, "acme")
        assert org is not None
        team = require_team(session, org, "devs")
        add_team_member(session, org, team, bob, actor=Actor(None), now=runtime.clock())
    base = "/api/v1/repository/acme/app/permissions/team"
    missing = client.get(f"{base}/devs", headers=_h(token))
    assert missing.status_code == 400
    assert missing.json() == {"message": "Team does not have permission for repo."}
    assert client.get("/api/v1/repository/acme/app", headers=_h(bob_token)).status_code == 403
    put = client.put(f"{base}/devs", json={"role": "write"}, headers=_h(token))
    assert put.json() == {"role": "write", "name": "devs", "avatar": put.json()["avatar"]}
    assert put.json()["avatar"]["kind"] == "team"
    assert client.get(f"{base}/devs", headers=_h(token)).json() == {"role": "write"}
    assert list(client.get(f"{base}/", headers=_h(token)).json()["permissions"]) == ["devs"]
    assert client.put(
        "/api/v1/repository/acme/app", json={"description": "by bob"}, headers=_h(bob_token)
    ).json() == {"success": True}
    transitive = client.get(
        f"/api/v1/repository/acme/app/permissions/user/{bob}/transitive", headers=_h(token)
    )
    assert transitive.json() == {"permissions": [{"role": "write"}]}
    assert (
        client.get(
            "/api/v1/repository/acme/app/permissions/user/nosuch/transitive", headers=_h(token)
        ).status_code
        == 404
    )
    team_repos = client.get("/api/v1/organization/acme/team/devs/permissions", headers=_h(token)).json()
    assert team_repos == {
        "permissions": [{"repository": {"name": "app", "is_public": False}, "role": "write"}]
    }
    assert (
        client.get("/api/v1/organization/acme/team/devs/permissions", headers=_h(bob_token)).status_code
        == 403
    )
    nope = client.put(f"{base}/nosuch", json={"role": "read"}, headers=_h(token))
    assert nope.status_code == 400
    assert nope.json()["detail"] == "No team nosuch in organization acme"
    assert client.delete(f"{base}/devs", headers=_h(token)).status_code == 204
    again = client.delete(f"{base}/devs", headers=_h(token))
    assert again.json()["detail"] == "Team does not have permission for repo."
    assert client.get("/api/v1/repository/acme/app", headers=_h(bob_token)).status_code == 403
    listing = client.get("/api/v1/repository?namespace=acme", headers=_h(bob_token)).json()
    assert listing == {"repositories": []}


def test_robot_permissions(client: TestClient, runtime: Runtime) -> None:
    _, token, bob, _ = _world(client, runtime)
    with runtime.db.transaction() as session:
        org = get_organization(session, "acme")
        bob_account = get_account(session, bob)
        assert org is not None
        assert bob_account is not None
        for namespace in (org, bob_account):
            create_robot(
                session,
                namespace,
                "builder",
                description=None,
                unstructured_metadata=None,
                actor=Actor(None),
                now=runtime.clock(),
            )
    base = "/api/v1/repository/acme/app/permissions/user"
    put = client.put(f"{base}/acme+builder", json={"role": "write"}, headers=_h(token))
    assert put.status_code == 200
    assert put.json()["is_robot"] is True
    assert put.json()["is_org_member"] is True
    assert put.json()["avatar"]["kind"] == "robot"
    listed = client.get(f"{base}/", headers=_h(token)).json()["permissions"]
    assert listed["acme+builder"]["role"] == "write"
    foreign = client.put(f"{base}/{bob}+builder", json={"role": "read"}, headers=_h(token))
    assert foreign.status_code == 400
    org_as_user = client.put(f"{base}/acme", json={"role": "read"}, headers=_h(token))
    assert org_as_user.status_code == 400
    assert org_as_user.json()["detail"] == "Invalid username: acme"
