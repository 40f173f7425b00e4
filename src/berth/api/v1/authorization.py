"""A user's authorized applications (one per OAuth token) and the token requests assigned to them
(Quay's ``listUserAuthorizations`` and ``*AssignedAuthorization`` operations)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from berth.accounts.models import Account
from berth.accounts.service import get_account
from berth.auditlog.service import log_action
from berth.auth.policy import Need
from berth.errors import NotFound, Unauthenticated
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.oauth import grants
from berth.oauth.models import OAuthAccessToken, OAuthApplication
from berth.oauth.schemas import assigned_authorization_view, authorization_view
from berth.oauth.service import delete_token, list_account_tokens


def _me(ctx: RequestContext) -> Account:
    account = get_account(ctx.session, ctx.principal.username or "")
    if account is None:
        raise Unauthenticated("Requires authentication")
    return account


def _view(ctx: RequestContext, token: OAuthAccessToken, owner: Account) -> dict[str, Any]:
    app = ctx.session.get(OAuthApplication, token.application_id) if token.application_id else None
    org = ctx.session.get(Account, app.organization_id) if app is not None else None
    return authorization_view(token, app, org, owner)


def _token(ctx: RequestContext, owner: Account) -> OAuthAccessToken:
    token = ctx.session.scalar(
        select(OAuthAccessToken).where(
            OAuthAccessToken.uuid == str(ctx.path["access_token_uuid"]),
            OAuthAccessToken.account_id == owner.id,
        )
    )
    if token is None:
        raise NotFound("Not Found")
    return token


def list_authorizations(ctx: RequestContext) -> dict[str, Any]:
    """Every OAuth token the user holds, as the application it authorizes."""
    me = _me(ctx)
    return {"authorizations": [_view(ctx, t, me) for t in list_account_tokens(ctx.session, me.id)]}


def get_authorization(ctx: RequestContext) -> dict[str, Any]:
    """One of the user's authorizations."""
    me = _me(ctx)
    return _view(ctx, _token(ctx, me), me)


def delete_authorization(ctx: RequestContext) -> Reply:
    """Revoke one of the user's tokens."""
    me = _me(ctx)
    token = _token(ctx, me)
    delete_token(ctx.session, token)
    log_action(
        ctx.session,
        "oauth_token_revoked",
        actor=ctx.actor,
        now=ctx.now,
        namespace_id=me.id,
        metadata={"oauth_token_uuid": token.uuid, "scope": token.scope},
    )
    return Reply(None, 204)


def list_assigned(ctx: RequestContext) -> dict[str, Any]:
    """Token requests organization admins assigned to the user; seeing them clears the notifications."""
    me = _me(ctx)
    rows = grants.list_assignments(ctx.session, me)
    grants.clear_assignment_notifications(ctx.session, me)
    return {"authorizations": [assigned_authorization_view(a, app, org) for a, app, org in rows]}


def delete_assigned(ctx: RequestContext) -> Reply:
    """Decline an assigned token request."""
    assignment = grants.find_assignment(ctx.session, _me(ctx), str(ctx.path["assigned_authorization_uuid"]))
    if assignment is None:
        raise NotFound("Not Found")
    grants.delete_assignment(ctx.session, assignment)
    return Reply(None, 204)


def _row(method: str, path: str, handler: Any, nickname: str, description: str, **kw: Any) -> Endpoint:
    return Endpoint(
        method,
        path,
        handler,
        Need.USER_ADMIN,
        nickname=nickname,
        description=description,
        tag="user",
        scope="user:admin",
        internal=True,
        **kw,
    )


_AUTH = "/api/v1/user/authorizations"
_ASSIGNED = "/api/v1/user/assignedauthorization"

ENDPOINTS = (
    _row(
        "GET",
        _AUTH,
        list_authorizations,
        "listUserAuthorizations",
        "List the user's authorized applications.",
    ),
    _row(
        "GET", _AUTH + "/{access_token_uuid}", get_authorization, "getUserAuthorization", "One authorization."
    ),
    _row(
        "DELETE",
        _AUTH + "/{access_token_uuid}",
        delete_authorization,
        "deleteUserAuthorization",
        "Revoke one authorization (its token).",
        status=204,
    ),
    _row(
        "GET",
        _ASSIGNED,
        list_assigned,
        "listAssignedAuthorizations",
        "List the token requests assigned to the user.",
        feature="ASSIGN_OAUTH_TOKEN",
    ),
    _row(
        "DELETE",
        _ASSIGNED + "/{assigned_authorization_uuid}",
        delete_assigned,
        "deleteAssignedAuthorization",
        "Decline an assigned token request.",
        feature="ASSIGN_OAUTH_TOKEN",
        status=204,
    ),
)
