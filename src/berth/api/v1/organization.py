"""Organizations: create, read, update, delete, members (Quay's ``organization`` API section)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from berth.accounts.service import get_account
from berth.auth.access import is_org_admin, is_org_member
from berth.auth.policy import Need
from berth.errors import NotFound, Unauthenticated
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.lib.avatar import avatar
from berth.lib.dates import parse_duration
from berth.orgs import service
from berth.orgs.members import direct_repositories
from berth.orgs.models import Team
from berth.orgs.schemas import organization_view, team_view
from berth.orgs.service import member_counts, org_members, require_organization
from berth.quotas import service as quotas


class NewOrg(BaseModel):
    """Description of a new organization."""

    name: str = Field(description="Organization username")
    email: str | None = Field(default=None, description="Organization contact email")
    contact_email: str | None = Field(default=None, description="Organization contact email (alias)")
    recaptcha_response: str | None = Field(
        default=None, description="The (may be disabled) recaptcha response"
    )


class UpdateOrg(BaseModel):
    """Description of updates for an existing organization."""

    email: str | None = Field(default=None, description="Organization contact email")
    contact_email: str | None = Field(default=None, description="Organization contact email (alias)")
    invoice_email: bool | None = Field(default=None, description="Whether the organization desires invoices")
    invoice_email_address: str | None = Field(default=None, description="The email address for invoices")
    tag_expiration_s: int | None = Field(default=None, description="Seconds a deleted tag stays restorable")


def create_organization(ctx: RequestContext) -> str:
    """Create an organization owned by the caller; answers ``"Created"`` (201) as Quay."""
    body = ctx.body_as(NewOrg)
    creator = get_account(ctx.session, ctx.principal.username or "")
    if creator is None:
        raise Unauthenticated("Requires authentication")
    service.create_organization(
        ctx.session,
        name=body.name,
        email=body.email or body.contact_email,
        creator=creator,
        actor=ctx.actor,
        now=ctx.now,
    )
    return "Created"


def _teams(ctx: RequestContext, org_id: int) -> list[Team]:
    return list(ctx.session.scalars(select(Team).where(Team.organization_id == org_id).order_by(Team.name)))


def get_organization(ctx: RequestContext) -> dict[str, Any]:
    """An organization; its teams only for members."""
    name = str(ctx.path["orgname"])
    org = service.get_organization(ctx.session, name)
    if org is None:
        raise NotFound("Not Found")
    options = ctx.runtime.policy_options
    admin = is_org_admin(ctx.session, ctx.principal, name, options)
    member = admin or is_org_member(ctx.session, ctx.principal, name, options)
    teams = None
    if member or ctx.principal.is_superuser:
        counts = member_counts(ctx.session, org)
        teams = [team_view(t, member_count=counts.get(t.id, 0)) for t in _teams(ctx, org.id)]
    view = organization_view(org, is_admin=admin, is_member=member, teams=teams)
    if ctx.runtime.settings.feature("QUOTA_MANAGEMENT"):
        view["quotas"] = quotas.quotas_brief(ctx.session, org)
        view["quota_report"] = quotas.quota_report(ctx.session, org)
    return view


def change_organization_details(ctx: RequestContext) -> dict[str, Any]:
    """Change e-mail, invoicing and tag expiration."""
    body = ctx.body_as(UpdateOrg)
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    allowed = {parse_duration(option) for option in ctx.runtime.settings.tag_expiration_options}
    service.update_organization(
        ctx.session,
        org,
        email=body.email or body.contact_email,
        invoice_email=body.invoice_email,
        invoice_email_address=body.invoice_email_address,
        tag_expiration_s=body.tag_expiration_s,
        allowed_expirations=allowed,
        actor=ctx.actor,
        now=ctx.now,
    )
    return get_organization(ctx)


def delete_organization(ctx: RequestContext) -> Reply:
    """Delete the organization."""
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    service.delete_organization(ctx.session, org, actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def get_organization_members(ctx: RequestContext) -> dict[str, Any]:
    """Every member with the teams they belong to."""
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    repositories = direct_repositories(ctx.session, org)
    members = []
    for account, teams in org_members(ctx.session, org):
        kind = "robot" if account.kind.value == "robot" else "user"
        members.append(
            {
                "name": account.username,
                "kind": kind,
                "avatar": avatar(account.username, account.email if kind == "user" else None, kind),
                "teams": [{"name": t.name, "avatar": avatar(t.name, None, "team")} for t in teams],
                "repositories": repositories.get(account.id, []),
            }
        )
    return {"members": members}


ENDPOINTS = (
    Endpoint(
        "POST",
        "/api/v1/organization/",
        create_organization,
        Need.USER_ADMIN,
        nickname="createOrganization",
        description="Create a new organization.",
        tag="organization",
        body=NewOrg,
        status=201,
        scope="user:admin",
    ),
    Endpoint(
        "GET",
        "/api/v1/organization/{orgname}",
        get_organization,
        Need.ANONYMOUS_IF_ENABLED,
        nickname="getOrganization",
        description="Get the details for the specified organization",
        tag="organization",
    ),
    Endpoint(
        "PUT",
        "/api/v1/organization/{orgname}",
        change_organization_details,
        Need.ORG_ADMIN,
        nickname="changeOrganizationDetails",
        description="Change the details for the specified organization.",
        tag="organization",
        body=UpdateOrg,
        scope="org:admin",
    ),
    Endpoint(
        "DELETE",
        "/api/v1/organization/{orgname}",
        delete_organization,
        Need.ORG_ADMIN,
        nickname="deleteAdminedOrganization",
        description="Deletes the specified organization.",
        tag="organization",
        status=204,
        scope="org:admin",
        fresh_login=True,
    ),
    Endpoint(
        "GET",
        "/api/v1/organization/{orgname}/members",
        get_organization_members,
        Need.ORG_ADMIN,
        nickname="getOrganizationMembers",
        description="List the human members of the specified organization.",
        tag="organization",
        scope="org:admin",
    ),
)
