"""One member of an organization, removing a member everywhere, and outside collaborators
(Quay's ``organization`` API section, member operations)."""

from __future__ import annotations

from typing import Any

from berth.accounts.models import Account, AccountKind
from berth.auth.policy import Need
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.lib.avatar import avatar
from berth.orgs import members
from berth.orgs.service import require_organization


def _avatar(account: Account) -> dict[str, str]:
    robot = account.kind == AccountKind.ROBOT
    return avatar(account.username, account.email, "robot" if robot else "user")


def get_member(ctx: RequestContext) -> dict[str, Any]:
    """A member with its teams and the repositories it holds a direct permission on."""
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    member = members.get_member(ctx.session, org, str(ctx.path["membername"]))
    return {
        "name": member.account.username,
        "kind": "robot" if member.account.kind == AccountKind.ROBOT else "user",
        "avatar": _avatar(member.account),
        "teams": [{"name": t.name, "avatar": avatar(t.name, None, "team")} for t in member.teams],
        "repositories": member.repositories,
    }


def remove_member(ctx: RequestContext) -> Reply:
    """Remove a user from every team and repository permission of the organization."""
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    members.remove_member(ctx.session, org, str(ctx.path["membername"]), actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def get_collaborators(ctx: RequestContext) -> dict[str, Any]:
    """Users with permissions on the organization's repositories who are not in any of its teams."""
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    found = members.collaborators(ctx.session, org)
    return {
        "collaborators": [
            {"kind": "user", "name": account.username, "avatar": _avatar(account), "repositories": repos}
            for account, repos in found
        ]
    }


_MEMBER = "/api/v1/organization/{orgname}/members/{membername}"
ENDPOINTS = (
    Endpoint(
        "GET",
        _MEMBER,
        get_member,
        Need.ORG_ADMIN,
        nickname="getOrganizationMember",
        description="Retrieves the details of a member of the organization.",
        tag="organization",
        scope="org:admin",
    ),
    Endpoint(
        "DELETE",
        _MEMBER,
        remove_member,
        Need.ORG_ADMIN,
        nickname="removeOrganizationMember",
        description=(
            "Removes a member from an organization, revoking all its repository priviledges and removing "
            "it from all teams in the organization."
        ),
        tag="organization",
        status=204,
        scope="org:admin",
    ),
    Endpoint(
        "GET",
        "/api/v1/organization/{orgname}/collaborators",
        get_collaborators,
        Need.ORG_ADMIN,
        nickname="getOrganizationCollaborators",
        description="List outside collaborators of the specified organization.",
        tag="organization",
        scope="org:admin",
    ),
)
