"""Organization OAuth applications and their tokens (Quay's ``organization`` application operations
and ``getApplicationInformation``).

Client secrets are stored hashed, so ``client_secret`` is in clear only in the answers of create and
reset; list, get and update answer ``null`` there. Tokens of an application are listed (metadata
only) and revoked one by one with Quay's own ``*OrganizationApplicationToken*`` operations.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from berth.accounts.models import Account
from berth.accounts.service import get_account
from berth.auditlog.service import log_action
from berth.auth.access import is_org_admin, is_org_member
from berth.auth.policy import Need
from berth.auth.principal import AuthMethod
from berth.errors import DataModelError, Forbidden, NotFound, Unauthenticated
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.lib import scopes as sc
from berth.oauth import applications as apps
from berth.oauth.grants import log_token_issued
from berth.oauth.schemas import application_token_view, application_view, public_application_view
from berth.oauth.service import (
    bounded_lifetime,
    create_access_token,
    delete_token,
    find_token,
    list_application_tokens,
)
from berth.orgs.schemas import organization_view
from berth.orgs.service import require_organization


class NewApplication(BaseModel):
    """Description of a new organization application."""

    name: str = Field(description="The name of the application")
    redirect_uri: str | None = Field(default=None, description="The URI for the application's OAuth redirect")
    application_uri: str | None = Field(default=None, description="The URI for the application's homepage")
    description: str | None = Field(
        default=None, description="The human-readable description for the application"
    )
    avatar_email: str | None = Field(default=None, description="The e-mail address of the avatar to use")


class UpdateApplication(BaseModel):
    """Description of an updated application."""

    name: str = Field(description="The name of the application")
    redirect_uri: str = Field(description="The URI for the application's OAuth redirect")
    application_uri: str = Field(description="The URI for the application's homepage")
    description: str | None = Field(
        default=None, description="The human-readable description for the application"
    )
    avatar_email: str | None = Field(default=None, description="The e-mail address of the avatar to use")


class NewApplicationToken(BaseModel):
    """Description of a new OAuth API token. Duplicate names are allowed within an application."""

    name: str = Field(description="User-facing token name (trimmed)")
    scope: str = Field(description="Space- or comma-separated scope string")
    expiration: float | None = Field(
        default=None, description="Token lifetime in seconds; capped at OAUTH_TOKEN_MAX_LIFETIME"
    )


def _fields(body: NewApplication | UpdateApplication) -> apps.AppFields:
    return apps.AppFields(
        name=body.name,
        description=body.description,
        application_uri=body.application_uri,
        redirect_uri=body.redirect_uri,
        avatar_email=body.avatar_email,
    )


def _app(ctx: RequestContext) -> Any:
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    return apps.require_application(ctx.session, org, str(ctx.path["client_id"]))


def _me(ctx: RequestContext) -> Account:
    account = get_account(ctx.session, ctx.principal.username or "")
    if account is None:
        raise Unauthenticated("Requires authentication")
    return account


def list_applications(ctx: RequestContext) -> dict[str, Any]:
    """The organization's applications."""
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    return {"applications": [application_view(a) for a in apps.list_applications(ctx.session, org)]}


def create_application(ctx: RequestContext) -> dict[str, Any]:
    """Register an application; its client secret is shown here once."""
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    app, secret = apps.create_application(
        ctx.session, org, _fields(ctx.body_as(NewApplication)), actor=ctx.actor, now=ctx.now
    )
    return application_view(app, client_secret=secret)


def get_application(ctx: RequestContext) -> dict[str, Any]:
    """One application (its secret is not stored, so it is ``null``)."""
    return application_view(_app(ctx))


def update_application(ctx: RequestContext) -> dict[str, Any]:
    """Replace the application's details."""
    app = apps.update_application(
        ctx.session, _app(ctx), _fields(ctx.body_as(UpdateApplication)), actor=ctx.actor, now=ctx.now
    )
    return application_view(app)


def delete_application(ctx: RequestContext) -> Reply:
    """Delete the application, revoking every token issued through it."""
    apps.delete_application(ctx.session, _app(ctx), actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def reset_client_secret(ctx: RequestContext) -> dict[str, Any]:
    """A new client secret, shown once."""
    app = _app(ctx)
    secret = apps.reset_client_secret(ctx.session, app, actor=ctx.actor, now=ctx.now)
    return application_view(app, client_secret=secret)


def get_application_information(ctx: RequestContext) -> dict[str, Any]:
    """Public information about an application and its organization."""
    app = apps.find_application(ctx.session, str(ctx.path["client_id"]))
    if app is None:
        raise NotFound("Not Found")
    org = ctx.session.get(Account, app.organization_id)
    if org is None:
        raise NotFound("Not Found")
    options = ctx.runtime.policy_options
    admin = is_org_admin(ctx.session, ctx.principal, org.username, options)
    member = admin or is_org_member(ctx.session, ctx.principal, org.username, options)
    org_view = organization_view(org, is_admin=admin, is_member=member, teams=[] if member else None)
    return public_application_view(app, org_view)


def list_tokens(ctx: RequestContext) -> dict[str, Any]:
    """The application's tokens: metadata only, never a secret."""
    app = _app(ctx)
    tokens = list_application_tokens(ctx.session, app)
    ids = {t.account_id for t in tokens}
    rows = ctx.session.execute(select(Account.id, Account.username).where(Account.id.in_(ids)))
    names = {row[0]: row[1] for row in rows}
    return {"tokens": [application_token_view(t, names.get(t.account_id)) for t in tokens]}


def _check_mint(ctx: RequestContext, scopes: frozenset[str]) -> None:
    principal = ctx.principal
    if principal.method is AuthMethod.OAUTH and not scopes <= sc.expand(principal.scopes):
        raise Forbidden("Unauthorized")
    if sc.SUPER_USER in scopes and not principal.is_superuser:
        raise Forbidden("Unauthorized")


def create_token(ctx: RequestContext) -> dict[str, Any]:
    """Mint a token for the caller through this application (shown once), without a browser."""
    body = ctx.body_as(NewApplicationToken)
    app = _app(ctx)
    name = body.name.strip()
    if not name or len(name) > apps.MAX_FIELD:
        raise DataModelError(f"Token name must be 1 to {apps.MAX_FIELD} characters")
    scopes = sc.parse_scope_string(body.scope)
    if scopes is None:
        raise DataModelError(f"Invalid scope: {body.scope}")
    _check_mint(ctx, scopes)
    if body.expiration is not None and not body.expiration >= 1:
        raise DataModelError("'expiration' must be a positive number of seconds")
    settings = ctx.runtime.settings
    lifetime = bounded_lifetime(
        int(body.expiration) if body.expiration is not None else None,
        default_s=settings.oauth_token_lifetime_s,
        max_s=settings.oauth_token_max_lifetime_s,
    )
    me = _me(ctx)
    secret, row = create_access_token(
        ctx.session,
        me,
        scopes,
        now=ctx.now,
        lifetime_s=lifetime,
        application_id=app.id,
        name=name,
        created_by_id=me.id,
    )
    log_token_issued(
        ctx.session, row, app, actor=ctx.actor, now=ctx.now, grant="api", token_display_name=name
    )
    return application_token_view(row, me.username, secret=secret)


def delete_app_token(ctx: RequestContext) -> Reply:
    """Revoke one token of the application; its siblings keep working."""
    app = _app(ctx)
    token = find_token(ctx.session, str(ctx.path["token_uuid"]))
    if token is None or token.application_id != app.id:
        raise NotFound("Not Found")
    delete_token(ctx.session, token)
    log_action(
        ctx.session,
        "revoke_oauth_api_token",
        actor=ctx.actor,
        now=ctx.now,
        namespace_id=app.organization_id,
        metadata={"oauth_token_uuid": token.uuid, "application_name": app.name, "client_id": app.client_id},
    )
    return Reply(None, 204)


_BASE = "/api/v1/organization/{orgname}/applications"


def _row(method: str, path: str, handler: Any, nickname: str, description: str, **kw: Any) -> Endpoint:
    return Endpoint(
        method,
        path,
        handler,
        Need.ORG_ADMIN,
        nickname=nickname,
        description=description,
        tag="organization",
        scope="org:admin",
        **kw,
    )


ENDPOINTS = (
    _row(
        "GET",
        _BASE,
        list_applications,
        "getOrganizationApplications",
        "List the applications for the specified organization",
    ),
    _row(
        "POST",
        _BASE,
        create_application,
        "createOrganizationApplication",
        "Creates a new application under this organization.",
        body=NewApplication,
    ),
    _row(
        "GET",
        _BASE + "/{client_id}",
        get_application,
        "getOrganizationApplication",
        "Retrieves the application with the specified client_id under the specified organization",
    ),
    _row(
        "PUT",
        _BASE + "/{client_id}",
        update_application,
        "updateOrganizationApplication",
        "Updates an application under this organization.",
        body=UpdateApplication,
    ),
    _row(
        "DELETE",
        _BASE + "/{client_id}",
        delete_application,
        "deleteOrganizationApplication",
        "Deletes the application under this organization.",
        status=204,
    ),
    _row(
        "POST",
        _BASE + "/{client_id}/resetclientsecret",
        reset_client_secret,
        "resetOrganizationApplicationClientSecret",
        "Resets the client secret of the application.",
        internal=True,
    ),
    _row(
        "GET",
        _BASE + "/{client_id}/tokens",
        list_tokens,
        "listOrganizationApplicationTokens",
        "List all tokens for the specified application.",
    ),
    _row(
        "POST",
        _BASE + "/{client_id}/tokens",
        create_token,
        "createOrganizationApplicationToken",
        "Create a new token for the specified application.",
        body=NewApplicationToken,
    ),
    _row(
        "DELETE",
        _BASE + "/{client_id}/tokens/{token_uuid}",
        delete_app_token,
        "deleteOrganizationApplicationToken",
        "Revoke a specific token for the specified application.",
        status=204,
    ),
    Endpoint(
        "GET",
        "/api/v1/app/{client_id}",
        get_application_information,
        Need.ANONYMOUS_IF_ENABLED,
        nickname="getApplicationInformation",
        description="Get information on the specified application",
        tag="organization",
    ),
)
