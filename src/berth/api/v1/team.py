"""Teams of an organization: create/update, delete, members (Quay's ``team`` API section)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from berth.auth.access import is_org_admin
from berth.auth.policy import Need
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.orgs import service
from berth.orgs.models import TeamRole
from berth.orgs.schemas import member_view, team_update_view


class TeamDescription(BaseModel):
    """Description of a team."""

    role: Literal["member", "creator", "admin"] | None = Field(
        default=None, description="Org wide permissions that should apply to the team"
    )
    description: str | None = Field(default=None, description="Markdown description for the team")


def _org_and_team(ctx: RequestContext) -> tuple[Any, Any]:
    org = service.require_organization(ctx.session, str(ctx.path["orgname"]))
    return org, service.require_team(ctx.session, org, str(ctx.path["teamname"]))


def update_team(ctx: RequestContext) -> dict[str, Any]:
    """Create the team or change its role and description."""
    body = ctx.body_as(TeamDescription)
    org = service.require_organization(ctx.session, str(ctx.path["orgname"]))
    change = service.upsert_team(
        ctx.session,
        org,
        str(ctx.path["teamname"]),
        role=TeamRole(body.role) if body.role else None,
        description=body.description,
        actor=ctx.actor,
        now=ctx.now,
    )
    return team_update_view(change.team, new_team=change.created)


def delete_team(ctx: RequestContext) -> Reply:
    """Delete a team (never ``owners``)."""
    org, team = _org_and_team(ctx)
    service.delete_team(ctx.session, org, team, actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def get_team_members(ctx: RequestContext) -> dict[str, Any]:
    """The team's members; ``can_edit`` for org admins."""
    _, team = _org_and_team(ctx)
    members = [member_view(m) for m in service.team_members(ctx.session, team)]
    can_edit = is_org_admin(ctx.session, ctx.principal, str(ctx.path["orgname"]), ctx.runtime.policy_options)
    return {"name": team.name, "members": members, "can_edit": can_edit}


def add_team_member(ctx: RequestContext) -> dict[str, Any]:
    """Add a user or one of the org's robots to the team."""
    org, team = _org_and_team(ctx)
    member = service.add_team_member(
        ctx.session, org, team, str(ctx.path["membername"]), actor=ctx.actor, now=ctx.now
    )
    return member_view(member)


def remove_team_member(ctx: RequestContext) -> Reply:
    """Remove a member from the team."""
    org, team = _org_and_team(ctx)
    service.remove_team_member(
        ctx.session, org, team, str(ctx.path["membername"]), actor=ctx.actor, now=ctx.now
    )
    return Reply(None, 204)


_TEAM = "/api/v1/organization/{orgname}/team/{teamname}"
ENDPOINTS = (
    Endpoint(
        "PUT",
        _TEAM,
        update_team,
        Need.ORG_ADMIN,
        nickname="updateOrganizationTeam",
        description="Update the org-wide permission for the specified team.",
        tag="team",
        body=TeamDescription,
        scope="org:admin",
    ),
    Endpoint(
        "DELETE",
        _TEAM,
        delete_team,
        Need.ORG_ADMIN,
        nickname="deleteOrganizationTeam",
        description="Delete the specified team.",
        tag="team",
        status=204,
        scope="org:admin",
    ),
    Endpoint(
        "GET",
        f"{_TEAM}/members",
        get_team_members,
        Need.TEAM_MEMBER_OR_ORG_ADMIN,
        nickname="getOrganizationTeamMembers",
        description="Retrieve the list of members for the specified team.",
        tag="team",
        scope="org:admin",
    ),
    Endpoint(
        "PUT",
        f"{_TEAM}/members/{{membername}}",
        add_team_member,
        Need.ORG_ADMIN,
        nickname="updateOrganizationTeamMember",
        description="Adds or invites a member to an existing team.",
        tag="team",
        scope="org:admin",
    ),
    Endpoint(
        "DELETE",
        f"{_TEAM}/members/{{membername}}",
        remove_team_member,
        Need.ORG_ADMIN,
        nickname="deleteOrganizationTeamMember",
        description="Delete a member of a team.",
        tag="team",
        status=204,
        scope="org:admin",
    ),
)
