"""Default permissions (prototypes) of organizations, and their effect on new repositories."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from berth.accounts.service import get_account
from berth.auditlog.models import LogEntry
from berth.auditlog.service import Actor
from berth.orgs.service import add_team_member, require_organization, require_team
from berth.repos.models import RepositoryPermission, RoleName, TeamRepositoryPermission, Visibility
from berth.repos.service import create_repository, get_repository
from berth.runtime import Runtime
from tests.factories import user_with_token


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _setup(client: TestClient, runtime: Runtime) -> tuple[str, str, str]:
    owner, token = user_with_token(runtime)
    other, _ = user_with_token(runtime)
    assert (
        client.post(
            "/api/v1/organization/", json={"name": "acme", "email": "a@x.com"}, headers=_h(token)
        ).status_code
        == 201
    )
    client.put("/api/v1/organization/acme/team/readers", json={"role": "member"}, headers=_h(token))
    return owner, token, other


def _create_repo(runtime: Runtime, name: str, creator: str) -> dict[str, RoleName]:
    with runtime.db.transaction() as session:
        org = get_account(session, "acme")
        creator_account = get_account(session, creator)
        assert org is not None
        assert creator_account is not None
        repo = create_repository(
            session,
            namespace=org,
            name=name,
            visibility=Visibility.PRIVATE,
            description=None,
            actor=None,
            now=runtime.clock(),
            creator_id=creator_account.id,
        )
        rows = session.execute(
            select(RepositoryPermission.account_id, RepositoryPermission.role).where(
                RepositoryPermission.repository_id == repo.id
            )
        ).all()
        names = {}
        for account_id, role in rows:
            account = session.get(type(org), account_id)
            assert account is not None
            names[account.username] = role
        return names


def test_prototype_crud_matches_quay(client: TestClient, runtime: Runtime) -> None:
    owner, token, other = _setup(client, runtime)
    assert client.get("/api/v1/organization/acme/prototypes", headers=_h(token)).json() == {"prototypes": []}
    created = client.post(
        "/api/v1/organization/acme/prototypes",
        json={
            "role": "read",
            "delegate": {"kind": "user", "name": other, "is_robot": False},
            "activating_user": {"name": owner},
        },
        headers=_h(token),
    )
    assert created.status_code == 200
    body = created.json()
    assert list(body) == ["activating_user", "delegate", "role", "id"]
    assert body["activating_user"]["name"] == owner
    assert body["activating_user"]["is_org_member"] is True
    assert list(body["delegate"]) == ["name", "is_robot", "kind", "is_org_member", "avatar"]
    assert body["delegate"] == {
        **body["delegate"],
        "name": other,
        "is_robot": False,
        "kind": "user",
        "is_org_member": False,
    }
    assert body["role"] == "read"
    team = client.post(
        "/api/v1/organization/acme/prototypes",
        json={"role": "write", "delegate": {"kind": "team", "name": "readers"}},
        headers=_h(token),
    ).json()
    assert team["activating_user"] is None
    assert team["delegate"]["kind"] == "team"
    assert set(team["delegate"]) == {"name", "kind", "avatar"}
    listed = client.get("/api/v1/organization/acme/prototypes", headers=_h(token)).json()["prototypes"]
    assert [p["id"] for p in listed] == [body["id"], team["id"]]

    changed = client.put(
        f"/api/v1/organization/acme/prototypes/{body['id']}", json={"role": "admin"}, headers=_h(token)
    )
    assert changed.status_code == 200
    assert changed.json()["role"] == "admin"
    missing = client.put(
        "/api/v1/organization/acme/prototypes/L24B", json={"role": "read"}, headers=_h(token)
    )
    assert missing.status_code == 404
    assert missing.json()["error_type"] == "not_found"
    assert (
        client.delete(f"/api/v1/organization/acme/prototypes/{team['id']}", headers=_h(token)).status_code
        == 204
    )
    assert (
        client.delete(f"/api/v1/organization/acme/prototypes/{team['id']}", headers=_h(token)).status_code
        == 404
    )
    assert (
        len(client.get("/api/v1/organization/acme/prototypes", headers=_h(token)).json()["prototypes"]) == 1
    )
    with runtime.db.transaction() as session:
        kinds = session.scalars(select(LogEntry.kind)).all()
    assert kinds.count("create_prototype_permission") == 2
    assert kinds.count("modify_prototype_permission") == 1
    assert kinds.count("delete_prototype_permission") == 1


def test_prototype_errors_and_permissions(client: TestClient, runtime: Runtime) -> None:
    _, token, other = _setup(client, runtime)
    _, outsider = user_with_token(runtime)
    url = "/api/v1/organization/acme/prototypes"
    unknown = client.post(
        url, json={"role": "read", "delegate": {"kind": "user", "name": "7dgp"}}, headers=_h(token)
    )
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == "Missing delegate user or team"
    bad_activating = client.post(
        url,
        json={
            "role": "read",
            "delegate": {"kind": "user", "name": other},
            "activating_user": {"name": "ghost"},
        },
        headers=_h(token),
    )
    assert bad_activating.json()["detail"] == "Unknown activating user"
    assert (
        client.post(
            url, json={"role": "owner", "delegate": {"kind": "user", "name": other}}, headers=_h(token)
        ).status_code
        == 400
    )
    assert client.post(url, json={"role": "read"}, headers=_h(token)).status_code == 400
    assert (
        client.post(
            url, json={"role": "read", "delegate": {"kind": "x", "name": other}}, headers=_h(token)
        ).status_code
        == 400
    )
    assert client.get(url, headers=_h(token)).json() == {"prototypes": []}
    assert client.get(url, headers=_h(outsider)).status_code == 403
    assert client.get(url).status_code == 401
    assert client.get("/api/v1/organization/nosuchorg/prototypes", headers=_h(outsider)).status_code == 403


def test_prototypes_apply_to_new_repositories(client: TestClient, runtime: Runtime) -> None:
    owner, token, other = _setup(client, runtime)
    creator, _ = user_with_token(runtime)
    client.put("/api/v1/organization/acme/team/makers", json={"role": "creator"}, headers=_h(token))
    with runtime.db.transaction() as session:
        org = require_organization(session, "acme")
        add_team_member(
            session,
            org,
            require_team(session, org, "makers"),
            creator,
            actor=Actor(None),
            now=runtime.clock(),
        )
    robot = client.put("/api/v1/organization/acme/robots/deployer", headers=_h(token)).json()["name"]
    url = "/api/v1/organization/acme/prototypes"
    client.post(url, json={"role": "read", "delegate": {"kind": "user", "name": other}}, headers=_h(token))
    client.post(
        url,
        json={
            "role": "write",
            "delegate": {"kind": "user", "name": other},
            "activating_user": {"name": creator},
        },
        headers=_h(token),
    )
    client.post(url, json={"role": "read", "delegate": {"kind": "user", "name": robot}}, headers=_h(token))
    client.post(url, json={"role": "read", "delegate": {"kind": "user", "name": creator}}, headers=_h(token))
    by_creator = _create_repo(runtime, "one", creator)
    # The creator keeps admin; the creator-specific prototype beats the general one for ``other``.
    assert by_creator == {creator: RoleName.ADMIN, other: RoleName.WRITE, robot: RoleName.READ}
    by_owner = _create_repo(runtime, "two", owner)
    assert by_owner == {
        owner: RoleName.ADMIN,
        other: RoleName.READ,
        robot: RoleName.READ,
        creator: RoleName.READ,
    }


def test_team_prototypes_apply_to_new_repositories(client: TestClient, runtime: Runtime) -> None:
    owner, token, _other = _setup(client, runtime)
    url = "/api/v1/organization/acme/prototypes"
    client.post(
        url, json={"role": "write", "delegate": {"kind": "team", "name": "readers"}}, headers=_h(token)
    )
    _create_repo(runtime, "three", owner)
    with runtime.db.transaction() as session:
        org = require_organization(session, "acme")
        team = require_team(session, org, "readers")
        repo = get_repository(session, "acme", "three")
        assert repo is not None
        role = session.scalar(
            select(TeamRepositoryPermission.role).where(
                TeamRepositoryPermission.repository_id == repo.id, TeamRepositoryPermission.team_id == team.id
            )
        )
    assert role == RoleName.WRITE
