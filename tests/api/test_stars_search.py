"""Stars, repository search, global search and entity autocompletion: only what the caller may see."""

from __future__ import annotations

from starlette.testclient import TestClient

from berth.auditlog.service import Actor
from berth.orgs.models import TeamRole
from berth.orgs.service import add_team_member, get_organization, upsert_team
from berth.runtime import Runtime
from tests.factories import user_with_token


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _setup(client: TestClient, runtime: Runtime) -> tuple[str, str, str, str]:
    owner, token = user_with_token(runtime)
    other, other_token = user_with_token(runtime)
    assert (
        client.post(
            "/api/v1/organization/", json={"name": "acme", "email": "a@x.com"}, headers=_h(token)
        ).status_code
        == 201
    )
    for name, visibility in (("app", "private"), ("site", "public")):
        body = {
            "namespace": "acme",
            "repository": name,
            "visibility": visibility,
            "description": f"{name} repo",
        }
        assert client.post("/api/v1/repository", json=body, headers=_h(token)).status_code == 201
    return owner, token, other, other_token


def test_star_list_unstar(client: TestClient, runtime: Runtime) -> None:
    _, token, _, other_token = _setup(client, runtime)
    starred = client.post(
        "/api/v1/user/starred", json={"namespace": "acme", "repository": "app"}, headers=_h(token)
    )
    assert starred.status_code == 201
    assert starred.json() == {"namespace": "acme", "repository": "app"}
    again = client.post(
        "/api/v1/user/starred", json={"namespace": "acme", "repository": "app"}, headers=_h(token)
    )
    assert again.status_code == 201
    assert client.get("/api/v1/user/starred", headers=_h(token)).json() == {
        "repositories": [{"namespace": "acme", "name": "app", "description": "app repo", "is_public": False}]
    }
    listed = client.get("/api/v1/repository?starred=true", headers=_h(token)).json()["repositories"]
    assert [(r["name"], r["is_starred"]) for r in listed] == [("app", True)]
    assert client.get("/api/v1/repository/acme/app", headers=_h(token)).json()["is_starred"] is True
    hidden = client.post(
        "/api/v1/user/starred", json={"namespace": "acme", "repository": "app"}, headers=_h(other_token)
    )
    assert hidden.status_code == 403
    missing = client.post(
        "/api/v1/user/starred", json={"namespace": "acme", "repository": "nope"}, headers=_h(token)
    )
    assert missing.status_code == 404
    assert client.get("/api/v1/user/starred").status_code == 401
    assert client.delete("/api/v1/user/starred/acme/app", headers=_h(token)).status_code == 204
    assert client.get("/api/v1/user/starred", headers=_h(token)).json() == {"repositories": []}
    assert client.delete("/api/v1/user/starred/acme/app", headers=_h(token)).status_code == 204


def test_repo_search_shows_only_visible(client: TestClient, runtime: Runtime) -> None:
    _, token, _, other_token = _setup(client, runtime)
    mine = client.get("/api/v1/find/repositories?query=", headers=_h(token)).json()
    assert [r["name"] for r in mine["results"]] == ["app", "site"]
    assert mine["has_additional"] is False
    assert mine["page"] == 1
    assert mine["page_size"] == 10
    assert mine["start_index"] == 0
    first = mine["results"][0]
    assert first["kind"] == "repository"
    assert first["title"] == "repo"
    assert first["href"] == "/repository/acme/app"
    assert first["score"] == 4
    assert first["namespace"]["kind"] == "organization"
    assert first["namespace"]["href"] == "/organization/acme"
    theirs = client.get("/api/v1/find/repositories?query=", headers=_h(other_token)).json()
    assert [r["name"] for r in theirs["results"]] == ["site"]
    anonymous = client.get("/api/v1/find/repositories?query=ap").json()
    assert anonymous["results"] == []
    usage = client.get("/api/v1/find/repositories?query=site&includeUsage=true").json()["results"][0]
    assert usage["stars"] == 0
    assert client.get("/api/v1/find/repositories?query=a&page=0").status_code == 400
    literal = client.get("/api/v1/find/repositories?query=%25", headers=_h(token)).json()
    assert literal["results"] == []


def test_find_all(client: TestClient, runtime: Runtime) -> None:
    _, token, _, other_token = _setup(client, runtime)
    assert client.get("/api/v1/find/all").json() == {"results": []}
    everything = client.get("/api/v1/find/all?query=a", headers=_h(token)).json()["results"]
    anonymous = client.get("/api/v1/find/all?query=acme").json()["results"]
    assert [(r["kind"], r["name"]) for r in anonymous] == [("organization", "acme")]
    public_only = client.get("/api/v1/find/all?query=s").json()["results"]
    assert [(r["kind"], r["name"]) for r in public_only] == [("repository", "site")]
    exact = client.get("/api/v1/find/all?query=site").json()["results"]
    assert exact[0]["score"] == 4.0
    assert exact[0]["namespace"]["score"] == 1
    nobody = client.get("/api/v1/find/all?query=user").json()["results"]
    assert nobody == []  # users owning no visible repository stay hidden
    kinds = {(r["kind"], r["name"]) for r in everything}
    assert ("organization", "acme") in kinds
    assert ("repository", "app") in kinds
    assert ("team", "owners") not in kinds  # "owners" does not contain "a"
    owners = client.get("/api/v1/find/all?query=own", headers=_h(token)).json()["results"]
    assert ("team", "owners") in {(r["kind"], r["name"]) for r in owners}
    outsider = client.get("/api/v1/find/all?query=a", headers=_h(other_token)).json()["results"]
    assert ("repository", "app") not in {(r["kind"], r["name"]) for r in outsider}
    assert not any(
        r["kind"] == "team"
        for r in client.get("/api/v1/find/all?query=own", headers=_h(other_token)).json()["results"]
    )


def test_matching_entities(client: TestClient, runtime: Runtime) -> None:
    owner, token, other, other_token = _setup(client, runtime)
    with runtime.db.transaction() as session:
        org = get_organization(session, "acme")
        assert org is not None
        team = upsert_team(
            session,
            org,
            "usergroup",
            role=TeamRole.MEMBER,
            description="",
            actor=Actor(None),
            now=runtime.clock(),
        ).team
        add_team_member(session, org, team, other, actor=Actor(None), now=runtime.clock())
    found = client.get("/api/v1/entities/user?namespace=acme&includeTeams=true", headers=_h(token)).json()[
        "results"
    ]
    assert found[0] == {
        "name": "usergroup",
        "kind": "team",
        "is_org_member": True,
        "avatar": found[0]["avatar"],
    }
    users = {r["name"]: r for r in found[1:]}
    assert users[owner]["is_org_member"] is True
    assert users[owner]["kind"] == "user"
    assert users[owner]["is_robot"] is False
    plain = client.get("/api/v1/entities/user").json()["results"]
    assert all("is_org_member" not in r for r in plain)
    assert {r["name"] for r in plain} >= {owner, other}
    assert client.get("/api/v1/entities/R9NZ").json() == {"results": []}
    orgs = client.get("/api/v1/entities/ac?namespace=acme&includeOrgs=true", headers=_h(token)).json()[
        "results"
    ]
    assert orgs == [{"name": "acme", "kind": "org", "is_org_member": True, "avatar": orgs[0]["avatar"]}]
    not_admin = client.get(
        "/api/v1/entities/ac?namespace=acme&includeOrgs=true", headers=_h(other_token)
    ).json()
    assert not_admin == {"results": []}
    outsider_teams = client.get("/api/v1/entities/user?namespace=acme&includeTeams=true").json()["results"]
    assert all(r["kind"] != "team" for r in outsider_teams)
