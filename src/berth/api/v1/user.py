"""The caller's own account and public user information (Quay's ``user`` API section)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from berth.accounts.bootstrap import initialize_first_user, is_superuser
from berth.accounts.schemas import logged_in_user_view, public_user_view
from berth.accounts.service import get_account, get_user
from berth.auth.policy import Need
from berth.auth.principal import Role
from berth.errors import NotFound, Unauthenticated
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.lib.scopes import ALL_SCOPES, SUPER_USER
from berth.oauth.service import create_access_token
from berth.orgs.models import TeamRole
from berth.orgs.schemas import user_organization_view
from berth.orgs.service import organizations_of
from berth.quotas import service as quotas


def get_logged_in_user(ctx: RequestContext) -> dict[str, Any]:
    """Quay answers 401 (``session_required: false``) both to anonymous callers and to tokens
    lacking ``user:read``."""
    principal = ctx.principal
    account = get_account(ctx.session, principal.username) if principal.username else None
    if account is None or principal.is_robot or principal.user_role_cap() < Role.READ:
        raise Unauthenticated("Requires authentication", extra={"session_required": False})
    organizations = [
        user_organization_view(
            org,
            is_admin=role is TeamRole.ADMIN,
            can_create_repo=role in (TeamRole.ADMIN, TeamRole.CREATOR),
        )
        for org, role in organizations_of(ctx.session, account.id)
    ]
    view = logged_in_user_view(account, is_superuser=principal.is_superuser, organizations=organizations)
    if ctx.runtime.settings.feature("QUOTA_MANAGEMENT"):
        view["quotas"] = quotas.quotas_brief(ctx.session, account)
        view["quota_report"] = quotas.quota_report(ctx.session, account)
    return view


def get_user_information(ctx: RequestContext) -> dict[str, Any]:
    """Public information about one user."""
    account = get_user(ctx.session, str(ctx.path["username"]))
    if account is None:
        raise NotFound("User not found")
    return public_user_view(
        account,
        show_superuser=ctx.principal.is_superuser,
        is_superuser=is_superuser(account, ctx.runtime.settings.super_users),
    )


class InitializeUser(BaseModel):
    """Body of ``POST /api/v1/user/initialize``."""

    username: str = Field(description="The username of the first user")
    password: str = Field(description="The password of the first user")
    email: str = Field(description="The e-mail address of the first user")
    access_token: bool = Field(default=False, description="Also return an OAuth token with every scope")


def initialize_user(ctx: RequestContext) -> dict[str, Any]:
    """Create the first user of an empty install, optionally with an all-scopes OAuth token."""
    body = ctx.body_as(InitializeUser)
    settings = ctx.runtime.settings
    created = initialize_first_user(
        ctx.session,
        username=body.username,
        email=body.email,
        password=body.password,
        now=ctx.now,
        policy=ctx.runtime.password_policy,
    )
    result: dict[str, Any] = {
        "username": created.account.username,
        "email": created.account.email,
        "encrypted_password": created.client_key,
    }
    if body.access_token:
        scopes = ALL_SCOPES if settings.feature("SUPER_USERS") else ALL_SCOPES - {SUPER_USER}
        token, _ = create_access_token(
            ctx.session, created.account, scopes, now=ctx.now, lifetime_s=settings.access_token_lifetime_s
        )
        result = {"access_token": token, **result}
    return result


ENDPOINTS = (
    Endpoint(
        "GET",
        "/api/v1/user/",
        get_logged_in_user,
        Need.ANYONE,
        nickname="getLoggedInUser",
        description="Get user information for the authenticated user.",
        tag="user",
        scope="user:read",
    ),
    Endpoint(
        "GET",
        "/api/v1/users/{username}",
        get_user_information,
        Need.ANONYMOUS_IF_ENABLED,
        nickname="getUserInformation",
        description="Get user information for the specified user.",
        tag="user",
    ),
    Endpoint(
        "POST",
        "/api/v1/user/initialize",
        initialize_user,
        Need.ANYONE,
        nickname="initializeUser",
        description="Create the first user of an empty installation (FEATURE_USER_INITIALIZE).",
        tag="user",
        body=InitializeUser,
        feature="USER_INITIALIZE",
        internal=True,
        csrf_exempt=True,
    ),
)
