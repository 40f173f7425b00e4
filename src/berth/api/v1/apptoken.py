"""App-specific tokens (Quay's ``appspecifictokens`` section) and the superuser's list of them.

The token code is stored hashed, so it is shown once, by ``createAppToken``; ``getAppToken`` keeps
Quay's ``token_code`` key with ``null``. Tokens are docker/podman passwords for the username ``$app``.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field

from berth.accounts.models import Account
from berth.accounts.service import get_account
from berth.auth.policy import Need
from berth.errors import FeatureDisabled, NotFound, Unauthenticated
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint, QueryParam
from berth.http.responses import Reply
from berth.oauth import apptokens
from berth.oauth.schemas import app_token_view

_DEFAULT_EXPIRING_WINDOW_S = 4 * 7 * 86400


class NewAppToken(BaseModel):
    """Description of a new app-specific token."""

    title: str = Field(description="The user-defined title for the token")


def _me(ctx: RequestContext) -> Account:
    account = get_account(ctx.session, ctx.principal.username or "")
    if account is None:
        raise Unauthenticated("Requires authentication")
    return account


def _listing(ctx: RequestContext, account: Account | None) -> dict[str, Any]:
    expiring = ctx.query_bool("expiring") if "expiring" in ctx.query else None
    before = None
    if expiring:
        window = ctx.runtime.settings.app_specific_token_expiration_s or _DEFAULT_EXPIRING_WINDOW_S
        before = ctx.now + timedelta(seconds=max(1, math.ceil(window * 0.1)))
    tokens = apptokens.list_app_tokens(ctx.session, account, expiring_before=before)
    return {"tokens": [app_token_view(t) for t in tokens], "only_expiring": expiring}


def list_app_tokens(ctx: RequestContext) -> dict[str, Any]:
    """The caller's app-specific tokens (never their codes)."""
    return _listing(ctx, _me(ctx))


def create_app_token(ctx: RequestContext) -> dict[str, Any]:
    """A new token; its code is shown here once."""
    body = ctx.body_as(NewAppToken)
    token, code = apptokens.create_app_token(
        ctx.session,
        _me(ctx),
        body.title,
        lifetime_s=ctx.runtime.settings.app_specific_token_expiration_s,
        actor=ctx.actor,
        now=ctx.now,
    )
    return {"token": app_token_view(token, code=code, include_code=True)}


def get_app_token(ctx: RequestContext) -> dict[str, Any]:
    """One token; ``token_code`` is ``null`` because only its hash is kept."""
    token = apptokens.find_app_token(ctx.session, _me(ctx), str(ctx.path["token_uuid"]))
    if token is None:
        raise NotFound("Not Found")
    return {"token": app_token_view(token, include_code=True)}


def revoke_app_token(ctx: RequestContext) -> Reply:
    """Revoke one token."""
    token = apptokens.find_app_token(ctx.session, _me(ctx), str(ctx.path["token_uuid"]))
    if token is None:
        raise NotFound("Not Found")
    apptokens.revoke_app_token(ctx.session, token, actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def list_all_app_tokens(ctx: RequestContext) -> dict[str, Any]:
    """Every user's app-specific tokens (superusers)."""
    if not ctx.runtime.settings.feature("SUPER_USERS"):
        raise FeatureDisabled("The requested URL was not found on the server.")
    return _listing(ctx, None)


_EXPIRING = (QueryParam("expiring", "If true, only returns those tokens expiring soon", type="boolean"),)
_FEATURE = "APP_SPECIFIC_TOKENS"

ENDPOINTS = (
    Endpoint(
        "GET",
        "/api/v1/user/apptoken",
        list_app_tokens,
        Need.USER_ADMIN,
        nickname="listAppTokens",
        description="Lists the app specific tokens for the user.",
        tag="appspecifictokens",
        feature=_FEATURE,
        scope="user:admin",
        query=_EXPIRING,
    ),
    Endpoint(
        "POST",
        "/api/v1/user/apptoken",
        create_app_token,
        Need.USER_ADMIN,
        nickname="createAppToken",
        description="Create a new app specific token for user.",
        tag="appspecifictokens",
        feature=_FEATURE,
        scope="user:admin",
        body=NewAppToken,
        fresh_login=True,
    ),
    Endpoint(
        "GET",
        "/api/v1/user/apptoken/{token_uuid}",
        get_app_token,
        Need.USER_ADMIN,
        nickname="getAppToken",
        description="Returns a specific app token for the user.",
        tag="appspecifictokens",
        feature=_FEATURE,
        scope="user:admin",
        fresh_login=True,
    ),
    Endpoint(
        "DELETE",
        "/api/v1/user/apptoken/{token_uuid}",
        revoke_app_token,
        Need.USER_ADMIN,
        nickname="revokeAppToken",
        description="Revokes a specific app token for the user.",
        tag="appspecifictokens",
        feature=_FEATURE,
        scope="user:admin",
        fresh_login=True,
        status=204,
    ),
    Endpoint(
        "GET",
        "/api/v1/superuser/apptokens",
        list_all_app_tokens,
        Need.SUPERUSER,
        nickname="listAllAppTokens",
        description="Lists all app specific tokens in the system.",
        tag="superuser",
        feature=_FEATURE,
        scope="super:user",
        fresh_login=True,
        query=_EXPIRING,
    ),
)
