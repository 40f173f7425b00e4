"""Teams of an organization: create/update, delete, members (Quay's ``team`` API section)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from berth.accounts.models import Account
from berth.accounts.service import get_account
from berth.auth.access import is_org_admin
from berth.auth.policy import Need
from berth.errors import Unauthenticated
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.mail import mailer_for
from berth.orgs import invites, service
from berth.orgs.models import TeamRole
from berth.orgs.schemas import email_invite_view, member_view, team_update_view


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
    """The team's members; ``can_edit`` and, with ``includePending``, pending invitations for admins."""
    _, team = _org_and_team(ctx)
    members = [member_view(m) for m in service.team_members(ctx.session, team)]
    can_edit = is_org_admin(ctx.session, ctx.principal, str(ctx.path["orgname"]), ctx.runtime.policy_options)
    if can_edit and ctx.query_bool("includePending"):
        for invite, account in invites.pending_invites(ctx.session, team):
            members.append(
                member_view(account, invited=True) if account else email_invite_view(invite.email or "")
            )
    return {"name": team.name, "members": members, "can_edit": can_edit}


def _caller_account(ctx: RequestContext) -> Account:
    account = get_account(ctx.session, ctx.principal.username or "")
    if account is None:
        raise Unauthenticated("Requires authentication")
    return account


def add_team_member(ctx: RequestContext) -> dict[str, Any]:
    """Add a robot or an org member to the team; invite a user who is not in the organization yet."""
    org, team = _org_and_team(ctx)
    settings = ctx.runtime.settings
    outcome = invites.add_or_invite(
        ctx.session,
        org,
        team,
        str(ctx.path["membername"]),
        mailing=settings.feature("MAILING"),
        inviter=_caller_account(ctx),
        actor=ctx.actor,
        now=ctx.now,
    )
    if outcome.invited and outcome.account.email and settings.mail_server:
        body = (
            f"You have been invited to join the team {team.name} of the organization {org.username}.\n"
            "Accept it from your notifications, or with "
            f"PUT {settings.base_url}/api/v1/teaminvite/{outcome.code}\n"
        )
        mailer_for(settings).send(outcome.account.email, f"Invitation to join {org.username}", body)
    return member_view(outcome.account, invited=outcome.invited)


def remove_team_member(ctx: RequestContext) -> Reply:
    """Remove a member from the team; for a user who is only invited, withdraw the invitation."""
    org, team = _org_and_team(ctx)
    name = str(ctx.path["membername"])
    member = get_account(ctx.session, name)
    if member is not None and invites.delete_user_invite(
        ctx.session, org, team, member, actor=ctx.actor, now=ctx.now
    ):
        return Reply(None, 204)
    service.remove_team_member(ctx.session, org, team, name, actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def invite_team_member_email(ctx: RequestContext) -> dict[str, Any]:
    """Invite an e-mail address to the team (mailed when a mail server is configured)."""
    org, team = _org_and_team(ctx)
    email = str(ctx.path["email"])
    settings = ctx.runtime.settings
    delivery = invites.invite_email(
        ctx.session,
        org,
        team,
        email,
        inviter=_caller_account(ctx),
        actor=ctx.actor,
        now=ctx.now,
        base_url=settings.base_url,
    )
    if settings.mail_server:
        mailer_for(settings).send(delivery.to, delivery.subject, delivery.body)
    return email_invite_view(email)


def delete_team_member_email_invite(ctx: RequestContext) -> Reply:
    """Withdraw the invitation of an e-mail address."""
    org, team = _org_and_team(ctx)
    invites.delete_email_invite(ctx.session, org, team, str(ctx.path["email"]), actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def accept_team_invite(ctx: RequestContext) -> dict[str, Any]:
    """Join the team an invitation code names."""
    org, team = invites.accept_invite(
        ctx.session, str(ctx.path["code"]), _caller_account(ctx), actor=ctx.actor, now=ctx.now
    )
    return {"org": org.username, "team": team.name}


def decline_team_invite(ctx: RequestContext) -> Reply:
    """Refuse an invitation."""
    invites.decline_invite(
        ctx.session, str(ctx.path["code"]), _caller_account(ctx), actor=ctx.actor, now=ctx.now
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
        "PUT",
        f"{_TEAM}/invite/{{email}}",
        invite_team_member_email,
        Need.ORG_ADMIN,
        nickname="inviteTeamMemberEmail",
        description="Invites an email address to an existing team.",
        tag="team",
        feature="MAILING",
        scope="org:admin",
    ),
    Endpoint(
        "DELETE",
        f"{_TEAM}/invite/{{email}}",
        delete_team_member_email_invite,
        Need.ORG_ADMIN,
        nickname="deleteTeamMemberEmailInvite",
        description="Delete an invite of an email address to join a team.",
        tag="team",
        status=204,
        feature="MAILING",
        scope="org:admin",
    ),
    Endpoint(
        "PUT",
        "/api/v1/teaminvite/{code}",
        accept_team_invite,
        Need.USER_ADMIN,
        nickname="acceptOrganizationTeamInvite",
        description="Accepts an invite to join a team in an organization.",
        tag="team",
        feature="MAILING",
        scope="user:admin",
    ),
    Endpoint(
        "DELETE",
        "/api/v1/teaminvite/{code}",
        decline_team_invite,
        Need.USER_ADMIN,
        nickname="declineOrganizationTeamInvite",
        description="Rejects an invite to join a team in an organization.",
        tag="team",
        status=204,
        feature="MAILING",
        scope="user:admin",
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
