"""The OAuth 2 grants a browser drives: redirect-URI checks, the implicit grant (Quay's "Generate
Token"), authorization codes (single use, short-lived, stored hashed) and their exchange, and token
requests an organization admin assigns to another user.

Failures raise :class:`GrantError` carrying an RFC 6749 error code; the ``/oauth`` edge renders it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, Notification
from berth.accounts.notifications import create_notification
from berth.auditlog.service import Actor, log_action
from berth.lib.scopes import parse_scope_string, scope_string
from berth.lib.secrets import random_code, secret_matches, sha256_hex, split_token
from berth.oauth.applications import client_secret_matches, find_application
from berth.oauth.models import OAuthAccessToken, OAuthApplication, OAuthAssignedToken, OAuthAuthorizationCode
from berth.oauth.service import create_access_token
from berth.orgs.models import TeamRole
from berth.orgs.service import org_team_role

LOCAL_HANDLER_PATH = "/oauth/localapp"
CODE_LOOKUP_LENGTH = 20
CODE_SECRET_LENGTH = 20
CODE_LIFETIME = timedelta(minutes=5)
RESPONSE_TYPES = ("code", "token")
MAX_REDIRECT_URI = 255


class GrantError(Exception):
    """An OAuth 2 error (``invalid_request``, ``invalid_client``, ``invalid_grant``, ...)."""

    def __init__(self, error: str, description: str = "") -> None:
        super().__init__(error)
        self.error = error
        self.description = description


def redirect_uri_allowed(app: OAuthApplication, redirect_uri: str, local_handler_url: str) -> bool:
    """Berth's own token page, or a URI under the application's registered redirect URI: same scheme
    and host, the registered path as a prefix, no credentials, fragments, traversal or encoded tail."""
    if not redirect_uri or len(redirect_uri) > MAX_REDIRECT_URI:
        return False
    if redirect_uri == local_handler_url:
        return True
    if not app.redirect_uri:
        return False
    registered, given = urlsplit(app.redirect_uri), urlsplit(redirect_uri)
    if (given.scheme, given.netloc) != (registered.scheme, registered.netloc) or given.fragment:
        return False
    if given.username or given.password or "@" in given.path or ".." in unquote(given.path):
        return False
    if not given.path.startswith(registered.path):
        return False
    return "%" not in given.path[len(registered.path) :]


def parse_requested_scopes(scope: str | None) -> frozenset[str]:
    """The requested scopes; any unknown scope invalidates the request."""
    parsed = parse_scope_string(scope or "")
    if parsed is None:
        raise GrantError("invalid_scope", "unknown or empty scope")
    return parsed


def is_app_org_admin(session: Session, app: OAuthApplication, account: Account) -> bool:
    """Whether ``account`` administers the organization owning ``app``."""
    return org_team_role(session, account.id, app.organization_id) is TeamRole.ADMIN


def has_authorized(
    session: Session, app: OAuthApplication, account: Account, scopes: frozenset[str], now: datetime
) -> bool:
    """Whether live tokens of this user for this application already cover ``scopes`` (no consent)."""
    rows = session.scalars(
        select(OAuthAccessToken.scope).where(
            OAuthAccessToken.application_id == app.id,
            OAuthAccessToken.account_id == account.id,
            (OAuthAccessToken.expires_at.is_(None)) | (OAuthAccessToken.expires_at > now),
        )
    )
    granted: set[str] = set()
    for row in rows:
        granted |= parse_scope_string(row) or frozenset()
    return scopes <= granted


def log_token_issued(
    session: Session,
    token: OAuthAccessToken,
    app: OAuthApplication,
    *,
    actor: Actor | None,
    now: datetime,
    **extra: str,
) -> None:
    """Record a token issued through an application (never the secret)."""
    log_action(
        session,
        "create_oauth_api_token",
        actor=actor,
        now=now,
        namespace_id=app.organization_id,
        metadata={
            "oauth_token_uuid": token.uuid,
            "scope": token.scope,
            "application_name": app.name,
            "client_id": app.client_id,
            **extra,
        },
    )


def issue_implicit_token(
    session: Session,
    app: OAuthApplication,
    account: Account,
    scopes: frozenset[str],
    *,
    assignment_uuid: str | None,
    lifetime_s: int,
    actor: Actor | None,
    now: datetime,
) -> tuple[str, OAuthAccessToken]:
    """The implicit grant: only the application's organization admins, or the assignee of a pending
    assignment of this application, may mint a token this way. An accepted assignment is consumed."""
    assignment = None
    if assignment_uuid:
        assignment = session.scalar(
            select(OAuthAssignedToken).where(
                OAuthAssignedToken.uuid == assignment_uuid,
                OAuthAssignedToken.assigned_user_id == account.id,
                OAuthAssignedToken.application_id == app.id,
            )
        )
    if assignment is None and not is_app_org_admin(session, app, account):
        raise GrantError("unauthorized_client", "only organization admins or assignees may generate tokens")
    token, row = create_access_token(
        session, account, scopes, now=now, lifetime_s=lifetime_s, application_id=app.id, name=app.name
    )
    extra: dict[str, str] = {"grant": "implicit"}
    if assignment is not None:
        assigner = session.get(Account, assignment.assigned_by_id) if assignment.assigned_by_id else None
        extra["assigned_by"] = assigner.username if assigner else ""
        extra["assigned_user"] = account.username
        session.execute(delete(OAuthAssignedToken).where(OAuthAssignedToken.id == assignment.id))
    log_token_issued(session, row, app, actor=actor, now=now, **extra)
    return token, row


def create_code(
    session: Session,
    app: OAuthApplication,
    account: Account,
    scopes: frozenset[str],
    redirect_uri: str,
    *,
    now: datetime,
) -> str:
    """A single-use authorization code bound to the application, user, scopes and redirect URI."""
    lookup, secret = random_code(CODE_LOOKUP_LENGTH), random_code(CODE_SECRET_LENGTH)
    session.add(
        OAuthAuthorizationCode(
            lookup=lookup,
            secret_hash=sha256_hex(secret),
            application_id=app.id,
            account_id=account.id,
            scope=scope_string(scopes),
            redirect_uri=redirect_uri,
            created=now,
            expires_at=now + CODE_LIFETIME,
            used_at=None,
            token_id=None,
        )
    )
    session.flush()
    return lookup + secret


def exchange_code(
    session: Session,
    *,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    scope: str | None,
    lifetime_s: int,
    actor_ip: str | None,
    now: datetime,
) -> tuple[str, OAuthAccessToken]:
    """Trade a code for a token. A code replayed after use revokes the token it produced (RFC 6749
    10.5); an expired or unknown code, or a different redirect URI or scope, is ``invalid_grant``."""
    app = find_application(session, client_id) if client_id else None
    if app is None or not client_secret_matches(app, client_secret):
        raise GrantError("invalid_client", "unknown client or wrong client secret")
    parts = (
        split_token(code, CODE_LOOKUP_LENGTH)
        if len(code) == CODE_LOOKUP_LENGTH + CODE_SECRET_LENGTH
        else None
    )
    row = None
    if parts is not None:
        row = session.scalar(
            select(OAuthAuthorizationCode).where(
                OAuthAuthorizationCode.lookup == parts[0], OAuthAuthorizationCode.application_id == app.id
            )
        )
    if row is None or parts is None or not secret_matches(parts[1], row.secret_hash):
        raise GrantError("invalid_grant", "unknown authorization code")
    if row.used_at is not None:
        if row.token_id is not None:
            session.execute(delete(OAuthAccessToken).where(OAuthAccessToken.id == row.token_id))
        row.token_id = None
        session.flush()
        raise GrantError("invalid_grant", "authorization code already used")
    if row.expires_at <= now or row.redirect_uri != redirect_uri:
        raise GrantError("invalid_grant", "expired code or redirect_uri mismatch")
    if scope and parse_scope_string(scope) != parse_scope_string(row.scope):
        raise GrantError("invalid_scope", "scope differs from the authorized scope")
    account = session.get(Account, row.account_id)
    if account is None or not account.enabled:
        raise GrantError("invalid_grant", "the authorizing user no longer exists")
    scopes = parse_scope_string(row.scope) or frozenset()
    token, token_row = create_access_token(
        session, account, scopes, now=now, lifetime_s=lifetime_s, application_id=app.id, name=app.name
    )
    row.used_at = now
    row.token_id = token_row.id
    session.flush()
    log_token_issued(
        session, token_row, app, actor=Actor(account.id, actor_ip), now=now, grant="authorization_code"
    )
    return token, token_row


def assign_token(
    session: Session,
    app: OAuthApplication,
    assignee: Account,
    *,
    assigner: Account,
    scopes: frozenset[str],
    redirect_uri: str,
    response_type: str,
    actor: Actor | None,
    now: datetime,
) -> OAuthAssignedToken:
    """An organization admin asks ``assignee`` to generate a token with ``scopes`` (they are notified)."""
    row = OAuthAssignedToken(
        uuid=str(uuid.uuid4()),
        application_id=app.id,
        assigned_user_id=assignee.id,
        assigned_by_id=assigner.id,
        redirect_uri=redirect_uri,
        scope=scope_string(scopes),
        response_type=response_type,
        created=now,
    )
    session.add(row)
    session.flush()
    create_notification(
        session, assignee, "assigned_authorization", now=now, metadata={"username": assignee.username}
    )
    log_action(
        session,
        "oauth_token_assigned",
        actor=actor,
        now=now,
        namespace_id=app.organization_id,
        metadata={
            "assigned_user": assignee.username,
            "assigned_by": assigner.username,
            "application_name": app.name,
            "client_id": app.client_id,
            "scope": row.scope,
            "assignment_uuid": row.uuid,
        },
    )
    return row


def list_assignments(
    session: Session, account: Account
) -> list[tuple[OAuthAssignedToken, OAuthApplication, Account]]:
    """Pending assignments addressed to ``account`` with their application and organization."""
    rows = session.execute(
        select(OAuthAssignedToken, OAuthApplication, Account)
        .join(OAuthApplication, OAuthApplication.id == OAuthAssignedToken.application_id)
        .join(Account, Account.id == OAuthApplication.organization_id)
        .where(OAuthAssignedToken.assigned_user_id == account.id)
        .order_by(OAuthAssignedToken.id)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def find_assignment(session: Session, account: Account, assignment_uuid: str) -> OAuthAssignedToken | None:
    """One of ``account``'s pending assignments."""
    return session.scalar(
        select(OAuthAssignedToken).where(
            OAuthAssignedToken.uuid == assignment_uuid, OAuthAssignedToken.assigned_user_id == account.id
        )
    )


def delete_assignment(session: Session, assignment: OAuthAssignedToken) -> None:
    """Decline a pending assignment."""
    session.execute(delete(OAuthAssignedToken).where(OAuthAssignedToken.id == assignment.id))
    session.flush()


def clear_assignment_notifications(session: Session, account: Account) -> None:
    """The user has seen their assignments: drop the ``assigned_authorization`` notifications."""
    session.execute(
        delete(Notification).where(
            Notification.target_id == account.id, Notification.kind == "assigned_authorization"
        )
    )
