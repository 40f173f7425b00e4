"""Turning presented credentials (bearer token, session cookie) into a :class:`Principal`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from berth.accounts.bootstrap import is_superuser
from berth.accounts.models import Account, WebSession
from berth.accounts.sessions import find_session
from berth.auth.principal import ANONYMOUS, AuthMethod, Principal
from berth.lib.scopes import DIRECT_USER_LOGIN
from berth.oauth.service import (
    ValidToken,
    needs_last_accessed_update,
    touch_access_token,
    validate_access_token,
)


@dataclass(frozen=True)
class Authentication:
    """The outcome of reading a request's credentials."""

    principal: Principal
    web_session: WebSession | None = None
    token: ValidToken | None = None
    bearer_presented: bool = False


def principal_for_account(
    account: Account,
    *,
    method: AuthMethod,
    scopes: frozenset[str],
    super_users: frozenset[str],
    oauth_token_id: int | None = None,
    login_time: datetime | None = None,
) -> Principal:
    """A principal acting as ``account``."""
    return Principal(
        account_id=account.id,
        username=account.username,
        is_robot=account.kind.value == "robot",
        method=method,
        scopes=scopes,
        configured_superuser=is_superuser(account, super_users),
        oauth_token_id=oauth_token_id,
        login_time=login_time,
    )


def authenticate_api(
    session: Session,
    *,
    authorization: str | None,
    session_cookie: str | None,
    now: datetime,
    super_users: frozenset[str],
) -> Authentication:
    """Authenticate an ``/api/v1`` call: Bearer OAuth token first, then the session cookie.

    As in Quay, Basic credentials are ignored here and an invalid bearer token leaves the caller
    anonymous (the endpoint's permission check then answers 401).
    """
    web_session: WebSession | None = None
    if session_cookie:
        found = find_session(session, session_cookie, now=now)
        if found is not None:
            web_session, account = found
            if account is not None and authorization is None:
                principal = principal_for_account(
                    account,
                    method=AuthMethod.SESSION,
                    scopes=frozenset({DIRECT_USER_LOGIN}),
                    super_users=super_users,
                    login_time=web_session.login_time,
                )
                return Authentication(principal, web_session=web_session)
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            token = validate_access_token(session, value.strip(), now=now)
            if token is not None:
                principal = principal_for_account(
                    token.account,
                    method=AuthMethod.OAUTH,
                    scopes=token.scopes,
                    super_users=super_users,
                    oauth_token_id=token.token.id,
                )
                return Authentication(principal, web_session=web_session, token=token, bearer_presented=True)
            return Authentication(ANONYMOUS, web_session=web_session, bearer_presented=True)
    return Authentication(ANONYMOUS, web_session=web_session)


def token_use_needs_recording(auth: Authentication, now: datetime) -> bool:
    """Whether the OAuth token's ``last_accessed`` is stale (written at most once a minute)."""
    return auth.token is not None and needs_last_accessed_update(auth.token.token, now)


def record_token_use(session: Session, auth: Authentication, now: datetime) -> None:
    """Write the token's ``last_accessed`` when it is stale."""
    if auth.token is not None and needs_last_accessed_update(auth.token.token, now):
        touch_access_token(session, auth.token.token.id, now)
