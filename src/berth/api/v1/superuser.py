"""Superuser management of users and organizations (Quay's ``superuser`` API section, in part)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from berth.accounts import superuser as users
from berth.auth.policy import Need
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint, QueryParam
from berth.http.responses import Reply
from berth.lib.dates import parse_duration
from berth.orgs import superuser as orgs
from berth.orgs.service import delete_organization, require_organization, update_organization

_FEATURE = "SUPER_USERS"
_SCOPE = "super:user"


class CreateInstallUser(BaseModel):
    """Data for creating a user"""

    username: str = Field(description="The username of the user being created")
    email: str | None = Field(default=None, description="The email address of the user being created")


class UpdateUser(BaseModel):
    """Description of updates for a user"""

    password: str | None = Field(default=None, description="The new password for the user")
    email: str | None = Field(default=None, description="The new e-mail address for the user")
    enabled: bool | None = Field(default=None, description="Whether the user is enabled")


class UpdateOrgName(BaseModel):
    """Description of updates for an organization"""

    name: str | None = Field(default=None, description="The new name for the organization")
    email: str | None = Field(default=None, description="Organization contact email (Berth)")
    invoice_email: bool | None = Field(default=None, description="Whether the organization desires invoices")
    invoice_email_address: str | None = Field(default=None, description="The email address for invoices")
    tag_expiration_s: int | None = Field(default=None, description="Seconds a deleted tag stays restorable")


def _page(ctx: RequestContext, items: list[Any], key: str, view: Any) -> dict[str, Any]:
    limit = users.parse_limit(ctx.query.get("limit"))
    body: dict[str, Any] = {key: [view(item) for item in items[:limit]]}
    if limit is not None and len(items) > limit:
        body["next_page"] = users.encode_page_token(items[limit - 1].id)
    return body


def list_users(ctx: RequestContext) -> dict[str, Any]:
    """Every user (``?disabled=false``: only enabled ones)."""
    limit = users.parse_limit(ctx.query.get("limit"))
    found = users.list_users(
        ctx.session,
        include_disabled=ctx.query_bool("disabled", default=True),
        after_id=users.decode_page_token(ctx.query.get("next_page")),
        limit=None if limit is None else limit + 1,
    )
    super_users = ctx.runtime.settings.super_users
    return _page(ctx, found, "users", lambda a: users.install_user_view(a, super_users=super_users))


def create_user(ctx: RequestContext) -> dict[str, Any]:
    """Create a user with a generated password (shown once) and a CLI client key."""
    body = ctx.body_as(CreateInstallUser)
    created = users.create_install_user(
        ctx.session,
        username=body.username,
        email=body.email,
        now=ctx.now,
        policy=ctx.runtime.password_policy,
        actor=ctx.actor,
    )
    return {
        "username": created.account.username,
        "email": created.account.email,
        "password": created.password,
        "encrypted_password": created.client_key,
    }


def get_user(ctx: RequestContext) -> dict[str, Any]:
    """One user."""
    account = users.require_install_user(ctx.session, str(ctx.path["username"]))
    return users.install_user_view(account, super_users=ctx.runtime.settings.super_users)


def change_user(ctx: RequestContext) -> dict[str, Any]:
    """Change a user's password, e-mail or enabled flag."""
    body = ctx.body_as(UpdateUser)
    account = users.require_install_user(ctx.session, str(ctx.path["username"]))
    super_users = ctx.runtime.settings.super_users
    key = users.change_install_user(
        ctx.session,
        account,
        password=body.password,
        email=body.email,
        enabled=body.enabled,
        super_users=super_users,
        now=ctx.now,
        policy=ctx.runtime.password_policy,
        actor=ctx.actor,
    )
    return users.install_user_view(account, super_users=super_users, client_key=key)


def delete_user(ctx: RequestContext) -> Reply:
    """Delete a user (never a superuser)."""
    account = users.require_install_user(ctx.session, str(ctx.path["username"]))
    users.delete_install_user(
        ctx.session, account, super_users=ctx.runtime.settings.super_users, now=ctx.now, actor=ctx.actor
    )
    return Reply(None, 204)


def list_organizations(ctx: RequestContext) -> dict[str, Any]:
    """Every organization."""
    limit = users.parse_limit(ctx.query.get("limit"))
    found = orgs.list_organizations(
        ctx.session,
        after_id=users.decode_page_token(ctx.query.get("next_page")),
        limit=None if limit is None else limit + 1,
    )
    return _page(ctx, found, "organizations", orgs.superuser_org_view)


def change_organization(ctx: RequestContext) -> dict[str, Any]:
    """Rename an organization; the guide's e-mail, invoicing and expiration fields apply too."""
    body = ctx.body_as(UpdateOrgName)
    org = require_organization(ctx.session, str(ctx.path["name"]))
    allowed = {parse_duration(option) for option in ctx.runtime.settings.tag_expiration_options}
    update_organization(
        ctx.session,
        org,
        email=body.email,
        invoice_email=body.invoice_email,
        invoice_email_address=body.invoice_email_address,
        tag_expiration_s=body.tag_expiration_s,
        allowed_expirations=allowed,
        actor=ctx.actor,
        now=ctx.now,
    )
    if body.name is not None:
        orgs.rename_organization(ctx.session, org, body.name, actor=ctx.actor, now=ctx.now)
    return orgs.superuser_org_view(org)


def remove_organization(ctx: RequestContext) -> Reply:
    """Delete an organization with its teams, robots and repositories."""
    org = require_organization(ctx.session, str(ctx.path["name"]))
    delete_organization(ctx.session, org, actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def registry_status(_ctx: RequestContext) -> dict[str, Any]:
    """Whether the registry is configured and ready (always, once it serves)."""
    return {"provider_id": "file", "status": "ready"}


_PAGING = (
    QueryParam("limit", "Limit to the number of results to return per page. Max 100.", "integer"),
    QueryParam("next_page", "The page token for the next page", "string"),
)
_DISABLED = QueryParam("disabled", "If false, only enabled users will be returned.", "boolean")
_USERS = "/api/v1/superuser/users/"
_USER = "/api/v1/superuser/users/{username}"
_ORGS = "/api/v1/superuser/organizations/"
_ORG = "/api/v1/superuser/organizations/{name}"
_COMMON: dict[str, Any] = {"tag": "superuser", "feature": _FEATURE, "scope": _SCOPE, "fresh_login": True}
ENDPOINTS = (
    Endpoint("GET", _USERS, list_users, Need.SUPERUSER, "listAllUsers",
             "Returns a list of all users in the system.",
             query=(_DISABLED, *_PAGING),
             **_COMMON),
    Endpoint("POST", _USERS, create_user, Need.SUPERUSER, "createInstallUser", "Creates a new user.",
             body=CreateInstallUser, **_COMMON),
    Endpoint("GET", _USER, get_user, Need.SUPERUSER, "getInstallUser",
             "Returns information about the specified user.", **_COMMON),
    Endpoint("PUT", _USER, change_user, Need.SUPERUSER, "changeInstallUser",
             "Updates information about the specified user.", body=UpdateUser, **_COMMON),
    Endpoint("DELETE", _USER, delete_user, Need.SUPERUSER, "deleteInstallUser", "Deletes the specified user.",
             status=204, **_COMMON),
    Endpoint("GET", _ORGS, list_organizations, Need.SUPERUSER, "listAllOrganizations",
             "Returns a list of all organizations in the system.", internal=True, query=_PAGING, **_COMMON),
    Endpoint("PUT", _ORG, change_organization, Need.SUPERUSER, "changeOrganization",
             "Updates information about the specified user.", body=UpdateOrgName, **_COMMON),
    Endpoint("DELETE", _ORG, remove_organization, Need.SUPERUSER, "deleteOrganization",
             "Deletes the specified organization.", status=204, **_COMMON),
    Endpoint("GET", "/api/v1/superuser/registrystatus", registry_status, Need.ANONYMOUS_IF_ENABLED,
             "scRegistryStatus", "Get the configuration status.", tag="superuser", feature=_FEATURE,
             internal=True),
)  # fmt: skip
