"""Quay's JSON shapes for organizations, teams and members."""

from __future__ import annotations

from typing import Any

from berth.accounts.models import Account, AccountKind
from berth.lib.avatar import avatar
from berth.orgs.models import Team


def team_avatar(team: Team) -> dict[str, str]:
    """A team's avatar block."""
    return avatar(team.name, None, "team")


def team_view(team: Team, *, member_count: int, repo_count: int = 0) -> dict[str, Any]:
    """A team inside ``GET /organization/{orgname}``."""
    return {
        "name": team.name,
        "description": team.description,
        "role": team.role.value,
        "avatar": team_avatar(team),
        "can_view": True,
        "repo_count": repo_count,
        "member_count": member_count,
        "is_synced": False,
    }


def team_update_view(team: Team, *, new_team: bool) -> dict[str, Any]:
    """The answer of ``PUT /organization/{orgname}/team/{teamname}``."""
    return {
        "name": team.name,
        "description": team.description,
        "can_view": True,
        "role": team.role.value,
        "avatar": team_avatar(team),
        "new_team": new_team,
    }


def member_view(account: Account, *, invited: bool = False) -> dict[str, Any]:
    """A team member (user or robot), or a user invited to the team."""
    is_robot = account.kind == AccountKind.ROBOT
    return {
        "name": account.username,
        "kind": "user",
        "is_robot": is_robot,
        "avatar": avatar(
            account.username, None if is_robot else account.email, "robot" if is_robot else "user"
        ),
        "invited": invited,
    }


def email_invite_view(email: str) -> dict[str, Any]:
    """An e-mail address invited to a team."""
    return {"email": email, "kind": "invite", "avatar": avatar(email, email, "user"), "invited": True}


def organization_view(
    org: Account, *, is_admin: bool, is_member: bool, teams: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """``GET /organization/{orgname}``; ``teams`` only for members (and admins)."""
    view: dict[str, Any] = {
        "name": org.username,
        "email": org.email,
        "avatar": avatar(org.username, org.email, "user"),
        "is_admin": is_admin,
        "is_member": is_member,
    }
    if teams is not None:
        view["teams"] = {team["name"]: team for team in teams}
        view["ordered_teams"] = [team["name"] for team in teams]
    view.update(
        {
            "invoice_email": org.invoice_email,
            "invoice_email_address": org.invoice_email_address,
            "tag_expiration_s": org.tag_expiration_s,
            "is_free_account": True,
            "quotas": [],
            "quota_report": {
                "quota_bytes": 0,
                "configured_quota": None,
                "running_backfill": "waiting",
                "backfill_status": "waiting",
            },
        }
    )
    return view


def user_organization_view(org: Account, *, is_admin: bool, can_create_repo: bool) -> dict[str, Any]:
    """An organization in the ``organizations`` list of ``GET /api/v1/user/``."""
    return {
        "name": org.username,
        "avatar": avatar(org.username, org.email, "org"),
        "can_create_repo": can_create_repo,
        "public": False,
        "is_org_admin": is_admin,
        "preferred_namespace": False,
    }
