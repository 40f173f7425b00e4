"""A user's self-service on ``/api/v1/user/``: sign-up, change details, delete, convert to an
organization, CLI client keys, and password recovery (Quay's ``user`` section)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import BaseModel, Field

from berth.accounts.clientkeys import create_client_key
from berth.accounts.models import Account
from berth.accounts.recovery import request_recovery
from berth.accounts.selfservice import (
    METADATA_FIELDS,
    UserChanges,
    change_details,
    convert_to_organization,
    delete_user,
    register_user,
)
from berth.accounts.service import get_user
from berth.accounts.signin import INVALID_CREDENTIALS, check_password, switch_session_user
from berth.api.errors import quay_error_body
from berth.api.v1.user import get_logged_in_user
from berth.auth.policy import Need
from berth.auth.principal import AuthMethod
from berth.errors import FeatureDisabled, InvalidRequest, Unauthenticated
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.http.sessions import SESSION_COOKIE
from berth.lib.dates import parse_duration
from berth.lib.scopes import DIRECT_USER_LOGIN
from berth.mail import mailer_for

NEXT_CSRF_HEADER = "X-Next-CSRF-Token"


def _me(ctx: RequestContext) -> Account:
    account = get_user(ctx.session, ctx.principal.username or "")
    if account is None:
        raise Unauthenticated("Requires authentication")
    return account


def _sign_session_into(ctx: RequestContext, account: Account) -> dict[str, str]:
    """Move the caller's browser session (if any) to ``account``; returns the headers to send."""
    if ctx.web_session is None:
        return {}
    lifetime = ctx.runtime.settings.session_lifetime_s
    signed = switch_session_user(ctx.session, ctx.web_session, account, now=ctx.now, lifetime_s=lifetime)
    ctx.set_cookies.append((SESSION_COOKIE, signed.cookie, lifetime))
    return {NEXT_CSRF_HEADER: signed.csrf_token}


def _refused(ctx: RequestContext, error: InvalidRequest) -> Reply:
    """A 400 that still commits (a failed password must stay counted by the throttle)."""
    status, body = quay_error_body(error, ctx.request)
    return Reply(body, status)


class NewUser(BaseModel):
    """Fields which must be specified for a new user."""

    username: str = Field(description="The user's username")
    password: str = Field(description="The user's password")
    email: str | None = Field(default=None, description="The user's email address")
    invite_code: str | None = Field(default=None, description="The optional invite code")
    recaptcha_response: str | None = Field(default=None, description="The (may be disabled) recaptcha")


def create_new_user(ctx: RequestContext) -> Reply:
    """Create a user and sign the caller's session in as it."""
    if not ctx.runtime.settings.feature("DIRECT_LOGIN"):
        raise FeatureDisabled("The requested URL was not found on the server.")
    body = ctx.body_as(NewUser)
    account = register_user(
        ctx.session,
        username=body.username,
        password=body.password,
        email=body.email,
        now=ctx.now,
        policy=ctx.runtime.password_policy,
        actor=ctx.actor,
        tag_expiration_s=ctx.runtime.settings.default_tag_expiration_s,
    )
    headers = _sign_session_into(ctx, account)
    return Reply(get_logged_in_user_for(ctx, account), 200, headers=headers)


def get_logged_in_user_for(ctx: RequestContext, account: Account) -> dict[str, Any]:
    """The ``getLoggedInUser`` view of ``account`` (the caller may have just become it)."""
    principal = ctx.principal
    if principal.account_id != account.id:
        principal = replace(
            principal,
            account_id=account.id,
            username=account.username,
            method=AuthMethod.SESSION,
            scopes=frozenset({DIRECT_USER_LOGIN}),
            configured_superuser=False,
        )
    return get_logged_in_user(replace(ctx, principal=principal))


class UpdateUser(BaseModel):
    """Fields which can be updated in a user."""

    password: str | None = Field(default=None, description="The user's password")
    invoice_email: bool | None = Field(default=None, description="Whether to send invoices by e-mail")
    email: str | None = Field(default=None, description="The user's email address")
    tag_expiration_s: int | None = Field(default=None, description="Seconds before deleted tags are GCed")
    username: str | None = Field(default=None, description="The user's username")
    invoice_email_address: str | None = Field(default=None, description="Custom invoice e-mail address")
    given_name: str | None = Field(default=None, description="The user's given name")
    family_name: str | None = Field(default=None, description="The user's family name")
    company: str | None = Field(default=None, description="The user's company")
    location: str | None = Field(default=None, description="The user's location")


def change_user_details(ctx: RequestContext) -> Reply:
    """Change the caller's details; a new password re-signs this session and ends all others."""
    body = ctx.body_as(UpdateUser)
    account = _me(ctx)
    sent = body.model_fields_set
    changes = UserChanges(
        password=body.password,
        email=body.email,
        tag_expiration_s=body.tag_expiration_s,
        invoice_email=body.invoice_email,
        metadata=tuple((name, getattr(body, name)) for name in METADATA_FIELDS if name in sent),
        username=body.username,
        **({"invoice_email_address": body.invoice_email_address} if "invoice_email_address" in sent else {}),
    )
    allowed = {parse_duration(option) for option in ctx.runtime.settings.tag_expiration_options}
    keep = ctx.web_session.id if ctx.web_session is not None else None
    password_changed = change_details(
        ctx.session,
        account,
        changes,
        now=ctx.now,
        policy=ctx.runtime.password_policy,
        actor=ctx.actor,
        allowed_expirations=allowed,
        keep_session_id=keep,
    )
    headers = _sign_session_into(ctx, account) if password_changed else {}
    return Reply(get_logged_in_user_for(ctx, account), 200, headers=headers)


def delete_current_user(ctx: RequestContext) -> None:
    """Delete the caller's account (marked for deletion, signed out everywhere)."""
    delete_user(ctx.session, _me(ctx), now=ctx.now, actor=ctx.actor)
    ctx.clear_cookies.append(SESSION_COOKIE)


class ConvertUser(BaseModel):
    """Information required to convert a user to an organization."""

    adminUser: str = Field(description="The user who will become an org admin's username")  # noqa: N815
    adminPassword: str = Field(description="The user who will become an org admin's password")  # noqa: N815
    plan: str | None = Field(default=None, description="The plan to which the organization should subscribe")


def convert_user_to_organization(ctx: RequestContext) -> Reply:
    """Turn the caller's account into an organization administered by ``adminUser``."""
    body = ctx.body_as(ConvertUser)
    account = _me(ctx)
    policy = ctx.runtime.password_policy
    admin = check_password(ctx.session, body.adminUser, body.adminPassword, now=ctx.now, policy=policy)
    if admin is None:
        error = InvalidRequest("The admin user credentials are not valid", extra={"reason": "invaliduser"})
        return _refused(ctx, error)
    keep = ctx.web_session.id if ctx.web_session is not None else None
    convert_to_organization(ctx.session, account, admin, now=ctx.now, actor=ctx.actor, keep_session_id=keep)
    return Reply({"success": True}, 200, headers=_sign_session_into(ctx, admin))


class GenerateClientKey(BaseModel):
    """Fields which must be specified for the generate client key."""

    password: str = Field(description="The user's password")


def generate_user_client_key(ctx: RequestContext) -> Reply:
    """A CLI key usable in place of the password (revocable; dies with a password change)."""
    body = ctx.body_as(GenerateClientKey)
    account = _me(ctx)
    policy = ctx.runtime.password_policy
    checked = check_password(ctx.session, account.username, body.password, now=ctx.now, policy=policy)
    if checked is None or checked.id != account.id:
        return _refused(ctx, InvalidRequest(INVALID_CREDENTIALS))
    return Reply({"key": create_client_key(ctx.session, account, now=ctx.now, actor=ctx.actor)}, 200)


class RequestRecovery(BaseModel):
    """Information required to sent a recovery email."""

    email: str = Field(description="The user's email address")
    recaptcha_response: str | None = Field(default=None, description="The (may be disabled) recaptcha")


def request_recovery_email(ctx: RequestContext) -> dict[str, Any]:
    """Mail a password-recovery link; the answer does not reveal whether the address is known."""
    body = ctx.body_as(RequestRecovery)
    settings = ctx.runtime.settings
    return request_recovery(
        ctx.session,
        body.email,
        now=ctx.now,
        mailer=mailer_for(settings),
        base_url=settings.base_url,
        title=settings.registry_title,
    )


ENDPOINTS = (
    Endpoint(
        "POST",
        "/api/v1/user/",
        create_new_user,
        Need.ANONYMOUS_IF_ENABLED,
        nickname="createNewUser",
        description="Create a new user.",
        tag="user",
        body=NewUser,
        feature="USER_CREATION",
        internal=True,
    ),
    Endpoint(
        "PUT",
        "/api/v1/user/",
        change_user_details,
        Need.USER_ADMIN,
        nickname="changeUserDetails",
        description="Update a users details such as password or email.",
        tag="user",
        body=UpdateUser,
        internal=True,
        fresh_login=True,
        scope="user:admin",
    ),
    Endpoint(
        "DELETE",
        "/api/v1/user/",
        delete_current_user,
        Need.USER_ADMIN,
        nickname="deleteCurrentUser",
        description="Deletes the current user.",
        tag="user",
        internal=True,
        fresh_login=True,
        status=204,
        scope="user:admin",
    ),
    Endpoint(
        "POST",
        "/api/v1/user/convert",
        convert_user_to_organization,
        Need.USER_ADMIN,
        nickname="convertUserToOrganization",
        description="Convert the user to an organization.",
        tag="user",
        body=ConvertUser,
        internal=True,
        scope="user:admin",
    ),
    Endpoint(
        "POST",
        "/api/v1/user/clientkey",
        generate_user_client_key,
        Need.USER_ADMIN,
        nickname="generateUserClientKey",
        description="Return's the user's private client key.",
        tag="user",
        body=GenerateClientKey,
        internal=True,
        scope="user:admin",
    ),
    Endpoint(
        "POST",
        "/api/v1/recovery",
        request_recovery_email,
        Need.ANYONE,
        nickname="requestRecoveryEmail",
        description="Request a password recovery email.",
        tag="user",
        body=RequestRecovery,
        feature="MAILING",
        internal=True,
    ),
)
