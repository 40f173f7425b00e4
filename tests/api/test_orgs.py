"""Organizations and teams as Quay answers them, including who may do what."""

from __future__ import annotations

from starlette.testclient import TestClient

from berth.lib.scopes import ALL_SCOPES, ORG_ADMIN, REPO_READ, USER_ADMIN
from berth.runtime import Runtime
from tests.factories import make_token, user_with_token


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _org(client: TestClient, token: str, name: str = "acme") -> None:
    response = client.post(
        "/api/v1/organization/", json={"name": name, "email": f"{name}@example.com"}, headers=_h(token)
    )
    assert response.status_code == 201
    assert response.json() == "Created"


def _join_team(client: TestClient, admin: str, user: str, user_token: str, team: str = "devs") -> None:
    """Add ``user`` to a team as Quay does with mailing on: an invitation the user accepts."""
    added = client.put(f"/api/v1/organization/acme/team/{team}/members/{user}", headers=_h(admin))
    assert added.status_code == 200
    if added.json()["invited"]:
        notes = client.get("/api/v1/user/notifications", headers=_h(user_token)).json()["notifications"]
        code = next(n["metadata"]["code"] for n in notes if n["kind"] == "org_team_invite")
        accepted = client.put(f"/api/v1/teaminvite/{code}", headers=_h(user_token))
        assert accepted.status_code == 200
        assert accepted.json() == {"org": "acme", "team": team}


def test_create_org_and_read_it_back(client: TestClient, runtime: Runtime) -> None:
    _owner, token = user_with_token(runtime)
    _org(client, token)
    org = client.get("/api/v1/organization/acme", headers=_h(token)).json()
    assert org["name"] == "acme"
    assert org["is_admin"] is True
    assert org["is_member"] is True
    assert org["ordered_teams"] == ["owners"]
    assert org["teams"]["owners"]["role"] == "admin"
    assert org["teams"]["owners"]["member_count"] == 1
    me = client.get("/api/v1/user/", headers=_h(token)).json()
    assert [o["name"] for o in me["organizations"]] == ["acme"]
    assert me["organizations"][0]["is_org_admin"] is True


def test_create_org_errors_create_nothing(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    _org(client, token)
    dup = client.post(
        "/api/v1/organization/", json={"name": "acme", "email": "other@example.com"}, headers=_h(token)
    )
    assert dup.status_code == 400
    assert dup.json()["detail"] == "A user or organization with this name already exists"
    bad = client.post(
        "/api/v1/organization/", json={"name": "Bad Name!", "email": "bad@example.com"}, headers=_h(token)
    )
    assert bad.status_code == 400
    assert bad.json()["detail"].startswith("Invalid namespace Bad Name!")
    bad_email = client.post(
        "/api/v1/organization/", json={"name": "other", "email": "nope"}, headers=_h(token)
    )
    assert bad_email.status_code == 400
    assert client.get("/api/v1/organization/other", headers=_h(token)).status_code == 404
    anonymous = client.post("/api/v1/organization/", json={"name": "anon"})
    assert anonymous.status_code == 403  # no CSRF token and no bearer: Quay's CSRF refusal


def test_get_org_missing_and_outsider_view(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    _, outsider = user_with_token(runtime)
    _org(client, token)
    missing = client.get("/api/v1/organization/nosuchorg", headers=_h(token))
    assert missing.status_code == 404
    assert missing.json()["error_type"] == "not_found"
    view = client.get("/api/v1/organization/acme", headers=_h(outsider)).json()
    assert view["is_member"] is False
    assert "teams" not in view


def test_teams_and_members(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    alice, alice_token = user_with_token(runtime)
    _org(client, token)
    created = client.put(
        "/api/v1/organization/acme/team/devs",
        json={"role": "member", "description": "developers"},
        headers=_h(token),
    )
    assert created.status_code == 200
    assert created.json()["new_team"] is True
    assert created.json()["avatar"]["kind"] == "team"
    updated = client.put("/api/v1/organization/acme/team/devs", json={"role": "creator"}, headers=_h(token))
    assert updated.json() == {**created.json(), "role": "creator", "new_team": False}
    bad_role = client.put("/api/v1/organization/acme/team/bad", json={"role": "owner"}, headers=_h(token))
    assert bad_role.status_code == 400
    assert client.get("/api/v1/organization/acme", headers=_h(token)).json()["ordered_teams"] == [
        "devs",
        "owners",
    ]

    added = client.put(f"/api/v1/organization/acme/team/devs/members/{alice}", headers=_h(token))
    assert added.status_code == 200
    assert added.json()["name"] == alice
    assert added.json()["is_robot"] is False
    assert added.json()["invited"] is True  # not yet in the organization: invited, as Quay with mailing
    pending = client.get("/api/v1/organization/acme/team/devs/members?includePending=true", headers=_h(token))
    assert [(m["name"], m["invited"]) for m in pending.json()["members"]] == [(alice, True)]
    assert (
        client.get("/api/v1/organization/acme/team/devs/members", headers=_h(token)).json()["members"] == []
    )
    _join_team(client, token, alice, alice_token)
    again = client.put(f"/api/v1/organization/acme/team/devs/members/{alice}", headers=_h(token))
    assert again.status_code == 400
    assert again.json() == {"message": f"User {alice} is already a member of team devs"}
    unknown = client.put("/api/v1/organization/acme/team/devs/members/nosuchuser", headers=_h(token))
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == "Unknown user"
    members = client.get("/api/v1/organization/acme/team/devs/members", headers=_h(token)).json()
    assert [m["name"] for m in members["members"]] == [alice]
    assert members["can_edit"] is True
    # a team member may list the team but not edit it
    as_member = client.get("/api/v1/organization/acme/team/devs/members", headers=_h(alice_token))
    assert as_member.status_code == 200
    assert as_member.json()["can_edit"] is False
    org_members = client.get("/api/v1/organization/acme/members", headers=_h(token)).json()["members"]
    assert {m["name"] for m in org_members} == {
        alice,
        *[m["name"] for m in org_members if m["name"] != alice],
    }
    assert any(t["name"] == "devs" for m in org_members if m["name"] == alice for t in m["teams"])
    alice_orgs = client.get("/api/v1/user/", headers=_h(alice_token)).json()["organizations"]
    assert alice_orgs[0]["can_create_repo"] is True
    assert alice_orgs[0]["is_org_admin"] is False

    removed = client.delete(f"/api/v1/organization/acme/team/devs/members/{alice}", headers=_h(token))
    assert removed.status_code == 204
    assert (
        client.get("/api/v1/organization/acme/team/devs/members", headers=_h(token)).json()["members"] == []
    )
    assert client.delete("/api/v1/organization/acme/team/devs", headers=_h(token)).status_code == 204


def test_owners_team_keeps_an_owner(client: TestClient, runtime: Runtime) -> None:
    owner, token = user_with_token(runtime)
    _org(client, token)
    last = client.delete(f"/api/v1/organization/acme/team/owners/members/{owner}", headers=_h(token))
    assert last.status_code == 400
    assert client.delete("/api/v1/organization/acme/team/owners", headers=_h(token)).status_code == 400
    assert client.get("/api/v1/organization/acme", headers=_h(token)).json()["is_admin"] is True


def test_permission_is_checked_before_existence(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    member, member_token = user_with_token(runtime)
    _, outsider = user_with_token(runtime)
    _org(client, token)
    client.put("/api/v1/organization/acme/team/devs", json={"role": "member"}, headers=_h(token))
    _join_team(client, token, member, member_token)
    for path in ("/api/v1/organization/acme/members", "/api/v1/organization/nosuchorg/members"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=_h(outsider)).status_code == 403
        assert client.get(path, headers=_h(member_token)).status_code == 403
    assert client.get("/api/v1/organization/acme/members", headers=_h(token)).status_code == 200
    put = client.put("/api/v1/organization/acme/team/x", json={"role": "admin"}, headers=_h(member_token))
    assert put.status_code == 403
    assert put.json()["error_type"] == "insufficient_scope"
    assert client.delete("/api/v1/organization/acme", headers=_h(outsider)).status_code == 403


def test_scopes_clamp_org_roles(client: TestClient, runtime: Runtime) -> None:
    owner, token = user_with_token(runtime)
    _org(client, token)
    read_only = make_token(runtime, owner, frozenset({REPO_READ}))
    org_admin = make_token(runtime, owner, frozenset({ORG_ADMIN}))
    assert client.get("/api/v1/organization/acme/members", headers=_h(read_only)).status_code == 403
    assert client.get("/api/v1/organization/acme/members", headers=_h(org_admin)).status_code == 200
    no_user_admin = make_token(runtime, owner, ALL_SCOPES - {USER_ADMIN})
    refused = client.post("/api/v1/organization/", json={"name": "other"}, headers=_h(no_user_admin))
    assert refused.status_code == 403


def test_update_and_delete_org(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    _org(client, token)
    changed = client.put(
        "/api/v1/organization/acme",
        json={"email": "new@example.com", "tag_expiration_s": 86400},
        headers=_h(token),
    )
    assert changed.status_code == 200
    assert changed.json()["email"] == "new@example.com"
    assert changed.json()["tag_expiration_s"] == 86400
    bad = client.put("/api/v1/organization/acme", json={"tag_expiration_s": 12345}, headers=_h(token))
    assert bad.status_code == 400
    assert client.get("/api/v1/organization/acme", headers=_h(token)).json()["tag_expiration_s"] == 86400
    assert client.delete("/api/v1/organization/acme", headers=_h(token)).status_code == 204
    assert client.get("/api/v1/organization/acme", headers=_h(token)).status_code == 404


def test_org_actions_are_audited(client: TestClient, runtime: Runtime) -> None:
    from sqlalchemy import select

    from berth.auditlog.models import LogEntry

    alice, alice_token = user_with_token(runtime)
    _, token = user_with_token(runtime)
    _org(client, token)
    client.put("/api/v1/organization/acme/team/devs", json={"role": "member"}, headers=_h(token))
    _join_team(client, token, alice, alice_token)
    client.put("/api/v1/organization/acme/team/owners", json={"description": "x"}, headers=_h(token))
    client.put(f"/api/v1/organization/acme/team/owners/members/{alice}", headers=_h(token))
    with runtime.db.transaction(write=False) as session:
        kinds = session.scalars(select(LogEntry.kind).order_by(LogEntry.id)).all()
    assert {
        "org_create",
        "org_create_team",
        "org_invite_team_member",
        "org_team_member_invite_accepted",
        "org_add_team_member",
    } <= set(kinds)


def test_invites_by_email_and_for_users(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    bob, bob_token = user_with_token(runtime)
    carol, carol_token = user_with_token(runtime)
    _org(client, token)
    client.put("/api/v1/organization/acme/team/devs", json={"role": "member"}, headers=_h(token))
    by_mail = client.put("/api/v1/organization/acme/team/devs/invite/a@example.com", headers=_h(token))
    assert by_mail.status_code == 200
    assert by_mail.json()["email"] == "a@example.com"
    assert by_mail.json()["kind"] == "invite"
    assert by_mail.json()["invited"] is True
    members = client.get("/api/v1/organization/acme/team/devs/members?includePending=true", headers=_h(token))
    assert [m.get("email") for m in members.json()["members"]] == ["a@example.com"]
    withdrawn = client.delete("/api/v1/organization/acme/team/devs/invite/a@example.com", headers=_h(token))
    assert withdrawn.status_code == 204
    members = client.get("/api/v1/organization/acme/team/devs/members?includePending=true", headers=_h(token))
    assert members.json()["members"] == []

    # a user's invitation can only be used by that user, and declining removes it
    client.put(f"/api/v1/organization/acme/team/devs/members/{bob}", headers=_h(token))
    notes = client.get("/api/v1/user/notifications", headers=_h(bob_token)).json()["notifications"]
    code = next(n["metadata"]["code"] for n in notes if n["kind"] == "org_team_invite")
    stolen = client.put(f"/api/v1/teaminvite/{code}", headers=_h(carol_token))
    assert stolen.status_code == 400
    assert carol not in [
        m["name"]
        for m in client.get("/api/v1/organization/acme/team/devs/members", headers=_h(token)).json()[
            "members"
        ]
    ]
    assert client.delete(f"/api/v1/teaminvite/{code}", headers=_h(bob_token)).status_code == 204
    gone = client.put(f"/api/v1/teaminvite/{code}", headers=_h(bob_token))
    assert gone.status_code == 400
    assert gone.json() == {"message": "Invalid confirmation code."}
    assert client.put("/api/v1/teaminvite/foobarbaz").status_code in (401, 403)


def test_invite_withdrawn_through_member_delete(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime)
    bob, bob_token = user_with_token(runtime)
    _org(client, token)
    client.put("/api/v1/organization/acme/team/devs", json={"role": "member"}, headers=_h(token))
    assert client.put(f"/api/v1/organization/acme/team/devs/members/{bob}", headers=_h(token)).json()[
        "invited"
    ]
    assert (
        client.delete(f"/api/v1/organization/acme/team/devs/members/{bob}", headers=_h(token)).status_code
        == 204
    )
    notes = client.get("/api/v1/user/notifications", headers=_h(bob_token)).json()["notifications"]
    code = next(n["metadata"]["code"] for n in notes if n["kind"] == "org_team_invite")
    assert client.put(f"/api/v1/teaminvite/{code}", headers=_h(bob_token)).status_code == 400


def test_without_mailing_users_join_directly(runtime: Runtime) -> None:
    from dataclasses import replace

    from berth.app import create_app

    runtime.settings = replace(runtime.settings, features={**runtime.settings.features, "MAILING": False})
    with TestClient(create_app(runtime.settings, runtime)) as client:
        _, token = user_with_token(runtime)
        bob, _ = user_with_token(runtime)
        _org(client, token)
        client.put("/api/v1/organization/acme/team/devs", json={"role": "member"}, headers=_h(token))
        added = client.put(f"/api/v1/organization/acme/team/devs/members/{bob}", headers=_h(token))
        assert added.json()["invited"] is False
        members = client.get("/api/v1/organization/acme/team/devs/members", headers=_h(token)).json()[
            "members"
        ]
        assert [m["name"] for m in members] == [bob]
        assert (
            client.put(
                "/api/v1/organization/acme/team/devs/invite/a@example.com", headers=_h(token)
            ).status_code
            == 404
        )
