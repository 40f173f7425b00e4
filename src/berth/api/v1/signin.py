"""Browser sign-in: ``/api/v1/signin``, ``/signout`` and ``/signin/verify`` (Quay's ``user`` section).

A successful sign-in rotates the session (new cookie, new CSRF token sent back in Quay's
``X-Next-CSRF-Token`` header). Failed passwords answer 403 but still commit, so the failure is
counted by the login throttle and written to the usage log.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from berth.accounts.service import get_user
from berth.accounts.sessions import create_session
from berth.accounts.signin import INVALID_CREDENTIALS, sign_in_with_password, sign_out, verify_again
from berth.auth.policy import Need
from berth.errors import Unauthenticated
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.http.sessions import SESSION_COOKIE

NEXT_CSRF_HEADER = "X-Next-CSRF-Token"


class SigninUser(BaseModel):
    """Information required to sign in a user."""

    username: str = Field(description="The user's username or e-mail address")
    password: str = Field(description="The user's password")
    invite_code: str | None = Field(default=None, description="The optional invite code")


class VerifyUser(BaseModel):
    """Information required to verify the signed in user."""

    password: str = Field(description="The user's password")


def signin_user(ctx: RequestContext) -> Reply:
    """Sign in with username (or e-mail) and password, attaching the user to the session."""
    body = ctx.body_as(SigninUser)
    settings = ctx.runtime.settings
    web_session = ctx.web_session
    if web_session is None:  # a bearer-token caller without a cookie: give it a session of its own
        _, web_session = create_session(ctx.session, now=ctx.now, lifetime_s=settings.session_lifetime_s)
    signed_in = sign_in_with_password(
        ctx.session,
        web_session,
        username=body.username,
        password=body.password,
        now=ctx.now,
        policy=ctx.runtime.password_policy,
        actor=ctx.actor,
        lifetime_s=settings.session_lifetime_s,
        useragent=ctx.request.headers.get("user-agent"),
    )
    if signed_in is None:
        failure = {
            "needsEmailVerification": False,
            "invalidCredentials": True,
            "message": INVALID_CREDENTIALS,
        }
        return Reply(failure, 403)
    ctx.set_cookies.append((SESSION_COOKIE, signed_in.cookie, settings.session_lifetime_s))
    return Reply({"success": True}, 200, headers={NEXT_CSRF_HEADER: signed_in.csrf_token})


def logout(ctx: RequestContext) -> dict[str, Any]:
    """End the session and clear its cookie."""
    sign_out(ctx.session, ctx.web_session, now=ctx.now, actor=ctx.actor)
    ctx.clear_cookies.append(SESSION_COOKIE)
    return {"success": True}


def verify_user(ctx: RequestContext) -> Reply:
    """Re-enter the password: the session counts as freshly logged in again."""
    body = ctx.body_as(VerifyUser)
    account = get_user(ctx.session, ctx.principal.username or "")
    if account is None:
        raise Unauthenticated("Requires authentication")
    if not verify_again(
        ctx.session,
        account,
        body.password,
        web_session=ctx.web_session,
        now=ctx.now,
        policy=ctx.runtime.password_policy,
    ):
        return Reply({"message": INVALID_CREDENTIALS, "invalidCredentials": True}, 403)
    return Reply({"success": True}, 200)


ENDPOINTS = (
    Endpoint(
        "POST",
        "/api/v1/signin",
        signin_user,
        Need.ANYONE,
        nickname="signinUser",
        description="Sign in the user with the specified credentials.",
        tag="user",
        body=SigninUser,
        feature="DIRECT_LOGIN",
        internal=True,
    ),
    Endpoint(
        "POST",
        "/api/v1/signout",
        logout,
        Need.ANONYMOUS_IF_ENABLED,
        nickname="logout",
        description="Request that the current user be signed out.",
        tag="user",
        internal=True,
    ),
    Endpoint(
        "POST",
        "/api/v1/signin/verify",
        verify_user,
        Need.USER_ADMIN,
        nickname="verifyUser",
        description="Verifies the signed in user with the specified credentials.",
        tag="user",
        body=VerifyUser,
        internal=True,
        scope="user:admin",
    ),
)
