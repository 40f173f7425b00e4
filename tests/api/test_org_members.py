"""One organization member, removing a member everywhere, and outside collaborators."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from berth.accounts.service import get_account
from berth.auditlog.service import Actor
from berth.orgs.service import add_team_member, require_organization, require_team
from berth.repos.models import RepositoryPermission, RoleName
from berth.repos.service import get_repository, set_permission
from berth.runtime import Runtime
from tests.factories import user_with_token
from tests.registry.helpers import make_repo


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _add(runtime: Runtime, team: str, member: str) -> None:
    with runtime.db.transaction() as session:
        org = require_organization(session, "acme")
        add_team_member(
            session, org, require_team(session, org, team), member, actor=Actor(None), now=runtime.clock()
        )


def _grant(runtime: Runtime, repo: str, member: str, role: RoleName) -> None:
    with runtime.db.transaction() as session:
        found = get_repository(session, "acme", repo)
        account = get_account(session, member)
        assert found is not None
        assert account is not None
        set_permission(session, found, account.id, role)


def _world(client: TestClient, runtime: Runtime) -> tuple[str, str, str, str, str]:
    owner, token = user_with_token(runtime)
    dev, dev_token = user_with_token(runtime)
    outsider, _ = user_with_token(runtime)
    client.post("/api/v1/organization/", json={"name": "acme", "email": "a@x.com"}, headers=_h(token))
    client.put("/api/v1/organization/acme/team/devs", json={"role": "member"}, headers=_h(token))
    client.put("/api/v1/organization/acme/team/ops", json={"role": "member"}, headers=_h(token))
    _add(runtime, "devs", dev)
    _add(runtime, "ops", dev)
    make_repo(runtime, "acme", "app")
    make_repo(runtime, "acme", "lib")
    _grant(runtime, "app", dev, RoleName.WRITE)
    _grant(runtime, "lib", outsider, RoleName.READ)
    _grant(runtime, "app", outsider, RoleName.READ)
    return owner, token, dev, outsider, dev_token


def test_get_member_and_collaborators(client: TestClient, runtime: Runtime) -> None:
    owner, token, dev, outsider, dev_token = _world(client, runtime)
    member = client.get(f"/api/v1/organization/acme/members/{dev}", headers=_h(token))
    assert member.status_code == 200
    body = member.json()
    assert list(body) == ["name", "kind", "avatar", "teams", "repositories"]
    assert body["kind"] == "user"
    assert [t["name"] for t in body["teams"]] == ["devs", "ops"]
    assert body["teams"][0]["avatar"]["kind"] == "team"
    assert body["repositories"] == ["app"]
    listed = client.get("/api/v1/organization/acme/members", headers=_h(token)).json()["members"]
    assert {m["name"]: m["repositories"] for m in listed} == {owner: [], dev: ["app"]}
    assert client.get(f"/api/v1/organization/acme/members/{outsider}", headers=_h(token)).status_code == 404
    assert client.get("/api/v1/organization/acme/members/someuser", headers=_h(token)).status_code == 404
    assert client.get(f"/api/v1/organization/acme/members/{owner}", headers=_h(dev_token)).status_code == 403
    assert client.get("/api/v1/organization/acme/members/someuser").status_code == 401
    collaborators = client.get("/api/v1/organization/acme/collaborators", headers=_h(token))
    assert collaborators.status_code == 200
    assert collaborators.json() == {
        "collaborators": [
            {
                "kind": "user",
                "name": outsider,
                "avatar": collaborators.json()["collaborators"][0]["avatar"],
                "repositories": ["app", "lib"],
            }
        ]
    }
    assert client.get("/api/v1/organization/acme/collaborators", headers=_h(dev_token)).status_code == 403


def test_remove_member_everywhere(client: TestClient, runtime: Runtime) -> None:
    owner, token, dev, _outsider, _dev_token = _world(client, runtime)
    assert client.delete(f"/api/v1/organization/acme/members/{dev}", headers=_h(token)).status_code == 204
    assert client.get(f"/api/v1/organization/acme/members/{dev}", headers=_h(token)).status_code == 404
    with runtime.db.transaction() as session:
        account = get_account(session, dev)
        assert account is not None
        left = session.scalars(
            select(RepositoryPermission).where(RepositoryPermission.account_id == account.id)
        ).all()
    assert left == []
    members = client.get("/api/v1/organization/acme/members", headers=_h(token)).json()["members"]
    assert [m["name"] for m in members] == [owner]
    # Not a member: nothing to do; unknown user: 404; the last admin stays.
    assert client.delete(f"/api/v1/organization/acme/members/{dev}", headers=_h(token)).status_code == 204
    assert client.delete("/api/v1/organization/acme/members/someuser", headers=_h(token)).status_code == 404
    last = client.delete(f"/api/v1/organization/acme/members/{owner}", headers=_h(token))
    assert last.status_code == 400
    assert last.json() == {"message": "Cannot remove user as they are the only organization admin"}
    assert client.get(f"/api/v1/organization/acme/members/{owner}", headers=_h(token)).status_code == 200
