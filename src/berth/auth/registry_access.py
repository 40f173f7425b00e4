"""``/v2/auth``: who the Basic credentials name, and which requested scopes they may have.

Credential kinds dispatch on the Basic username, as in Quay: ``$oauthtoken`` (an OAuth access token,
its scopes clamping the roles), ``$app`` (app-specific tokens: the user's full identity),
``ns+name`` (robots, a later issue) and anything else (a user and password). Later issues plug
their checkers into ``SPECIAL_USERNAMES`` / :func:`register_robot_checker`. Scopes the caller may
not have are dropped silently;
a ``push`` on a missing repository in a namespace the caller may create in creates it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from berth.accounts.service import PasswordPolicy, get_account
from berth.accounts.signin import check_cli_credentials
from berth.auditlog.service import Actor
from berth.auth.credentials import principal_for_account
from berth.auth.principal import ANONYMOUS, AuthMethod, Principal, Role
from berth.errors import InvalidRequest, Unauthenticated
from berth.lib.names import is_valid_repository_name, parse_robot_username
from berth.lib.scopes import DIRECT_USER_LOGIN
from berth.oauth.apptokens import validate_app_token
from berth.oauth.service import validate_access_token
from berth.repos.models import RepoState, Visibility
from berth.repos.service import (
    RepoRole,
    can_create_in_namespace,
    create_repository,
    effective_repo_role,
    get_repository,
    split_repository_path,
)


@dataclass(frozen=True)
class CheckContext:
    """What a credential checker may need besides the credentials."""

    now: datetime
    password_policy: PasswordPolicy
    super_users: frozenset[str]
    app_tokens: bool = True  # FEATURE_APP_SPECIFIC_TOKENS


CredentialChecker = Callable[[Session, str, str, CheckContext], Principal | None]

BAD_CREDENTIALS = "Invalid Username or Password"


def _check_oauth(session: Session, _username: str, secret: str, ctx: CheckContext) -> Principal | None:
    token = validate_access_token(session, secret, now=ctx.now)
    if token is None:
        return None
    return principal_for_account(
        token.account,
        method=AuthMethod.OAUTH,
        scopes=token.scopes,
        super_users=ctx.super_users,
        oauth_token_id=token.token.id,
    )


def _check_password(session: Session, username: str, secret: str, ctx: CheckContext) -> Principal | None:
    # The password or an encrypted CLI client key, throttled after repeated failures.
    account = check_cli_credentials(session, username, secret, now=ctx.now, policy=ctx.password_policy)
    if account is None:
        return None
    return principal_for_account(
        account, method=AuthMethod.PASSWORD, scopes=frozenset(), super_users=ctx.super_users
    )


def _check_app_token(session: Session, _username: str, secret: str, ctx: CheckContext) -> Principal | None:
    # An app-specific token acts as its user with full access (Quay's ``direct_user_login``).
    if not ctx.app_tokens:
        return None
    found = validate_app_token(session, secret, now=ctx.now)
    if found is None:
        return None
    return principal_for_account(
        found[1],
        method=AuthMethod.APP_TOKEN,
        scopes=frozenset({DIRECT_USER_LOGIN}),
        super_users=ctx.super_users,
    )


# ``$token`` (legacy repository tokens) would register here.
SPECIAL_USERNAMES: dict[str, CredentialChecker] = {"$oauthtoken": _check_oauth, "$app": _check_app_token}
_ROBOT_CHECKER: list[CredentialChecker] = []


def register_robot_checker(checker: CredentialChecker) -> None:
    """Install the checker for ``namespace+shortname`` robot credentials (the robots issue)."""
    _ROBOT_CHECKER[:] = [checker]


def parse_basic(authorization: str | None) -> tuple[str, str] | None:
    """``(username, password)`` from a Basic header; None when there is no Basic header."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated(BAD_CREDENTIALS) from None
    username, sep, password = decoded.partition(":")
    if not sep:
        raise Unauthenticated(BAD_CREDENTIALS)
    return username, password


def authenticate_basic(session: Session, username: str, password: str, ctx: CheckContext) -> Principal | None:
    """The principal the credentials name, else None (the caller commits, then answers 401).

    Failed password attempts are recorded for throttling, so the transaction must be committed.
    """
    if username in SPECIAL_USERNAMES:
        checker: CredentialChecker | None = SPECIAL_USERNAMES[username]
    elif username.startswith("$"):
        checker = None
    elif parse_robot_username(username) is not None:
        checker = _ROBOT_CHECKER[0] if _ROBOT_CHECKER else None
    else:
        checker = _check_password
    return checker(session, username, password, ctx) if checker is not None else None


@dataclass(frozen=True)
class ScopeRequest:
    """One requested scope ``type:name:actions``."""

    type: str
    name: str
    actions: tuple[str, ...]


_SCOPE_RE = re.compile(r"^(repository|registry):(.+):([a-z*]+(?:,[a-z*]+)*)?$")


def parse_scopes(values: list[str], server_hostname: str) -> list[ScopeRequest]:
    """Parse ``scope`` parameters (several per request, space-separated entries allowed)."""
    out: list[ScopeRequest] = []
    for value in values:
        for item in value.split():
            match = _SCOPE_RE.match(item)
            if match is None:
                raise InvalidRequest("Unable to parse scope", detail={"scope": item})
            kind, name, actions = match.group(1), match.group(2), match.group(3) or ""
            if kind == "repository" and name.startswith(server_hostname + "/"):
                name = name[len(server_hostname) + 1 :]
            out.append(ScopeRequest(kind, name, tuple(a for a in actions.split(",") if a)))
    return out


_ACTION_ROLE = {"pull": RepoRole.READ, "push": RepoRole.WRITE, "*": RepoRole.ADMIN, "delete": RepoRole.ADMIN}


def _clamp(principal: Principal, role: RepoRole) -> RepoRole:
    if principal.is_anonymous:
        return role
    return RepoRole(min(int(role), int(principal.repo_role_cap())))


def _repository_actions(
    session: Session,
    principal: Principal,
    request: ScopeRequest,
    *,
    anonymous_access: bool,
    actor: Actor | None,
    now: datetime,
) -> list[str]:
    ref = split_repository_path(request.name)
    if ref is None or not is_valid_repository_name(ref.name):
        return []
    repo = get_repository(session, ref.namespace, ref.name)
    if repo is None:
        if "push" not in request.actions or principal.account_id is None:
            return []
        namespace = get_account(session, ref.namespace)
        if namespace is None or not can_create_in_namespace(session, principal.account_id, namespace):
            return []
        if principal.method is AuthMethod.OAUTH and principal.org_role_cap() < Role.CREATOR:
            return []
        try:
            with session.begin_nested():
                repo = create_repository(
                    session,
                    namespace=namespace,
                    name=ref.name,
                    visibility=Visibility.PRIVATE,
                    description=None,
                    actor=actor,
                    now=now,
                    creator_id=principal.account_id,
                )
        except IntegrityError:  # a concurrent push created it first
            repo = get_repository(session, ref.namespace, ref.name)
            if repo is None:
                return []
    role = _clamp(principal, effective_repo_role(session, principal.account_id, repo))
    if repo.visibility == Visibility.PUBLIC and (anonymous_access or not principal.is_anonymous):
        role = max(role, RepoRole.READ)
    if repo.state != RepoState.NORMAL:
        role = RepoRole(min(int(role), int(RepoRole.READ)))
    granted = [a for a in request.actions if a in _ACTION_ROLE and role >= _ACTION_ROLE[a]]
    return list(dict.fromkeys(granted))


def grant_access(
    session: Session,
    principal: Principal,
    requests: list[ScopeRequest],
    *,
    anonymous_access: bool,
    actor: Actor | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """The JWT ``access`` entries: each requested scope with the actions the caller may have."""
    access: list[dict[str, Any]] = []
    for request in requests:
        if request.type == "registry":
            allowed = [a for a in request.actions if request.name == "catalog" and not principal.is_anonymous]
            access.append({"type": "registry", "name": request.name, "actions": allowed})
            continue
        actions = _repository_actions(
            session, principal, request, anonymous_access=anonymous_access, actor=actor, now=now
        )
        access.append({"type": "repository", "name": request.name, "actions": actions})
    return access


def token_context(principal: Principal) -> dict[str, Any]:
    """The ``context`` claim: who the token speaks for."""
    if principal.is_anonymous:
        return {}
    kind = {AuthMethod.OAUTH: "oauth", AuthMethod.ROBOT: "robot"}.get(principal.method, "user")
    context: dict[str, Any] = {
        "version": 2,
        "entity_kind": {"oauth": "oauthtoken"}.get(kind, kind),
        "kind": "oauth" if kind == "oauth" else "user",
        "user": principal.username,
        "berth.account_id": principal.account_id,
    }
    if principal.oauth_token_id is not None:
        context["berth.oauth_token_id"] = principal.oauth_token_id
    return context


__all__ = [
    "ANONYMOUS",
    "BAD_CREDENTIALS",
    "CheckContext",
    "ScopeRequest",
    "authenticate_basic",
    "grant_access",
    "parse_basic",
    "parse_scopes",
    "register_robot_checker",
    "token_context",
]
