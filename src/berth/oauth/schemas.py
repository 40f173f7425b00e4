"""Quay's JSON shapes for OAuth applications, authorizations, assignments and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from berth.accounts.models import Account
from berth.lib.avatar import avatar
from berth.lib.dates import as_utc, format_quay_date
from berth.lib.scopes import SCOPES, parse_scope_string, scope_string
from berth.oauth.models import AppSpecificToken, OAuthAccessToken, OAuthApplication, OAuthAssignedToken

# The Font Awesome icon Quay's UI shows for each scope (part of its scope views).
_ICONS = {
    "repo:read": "fa-hdd-o",
    "repo:write": "fa-hdd-o",
    "repo:admin": "fa-hdd-o",
    "repo:create": "fa-plus",
    "user:read": "fa-user",
    "user:admin": "fa-gear",
    "org:admin": "fa-gear",
    "super:user": "fa-street-view",
}


def scope_views(scope: str) -> list[dict[str, Any]]:
    """Quay's scope list: title, scope, description, icon and whether the scope is dangerous."""
    names = parse_scope_string(scope) or frozenset()
    return [
        {
            "title": SCOPES[name].title,
            "scope": name,
            "description": SCOPES[name].description,
            "icon": _ICONS.get(name, "fa-key"),
            "dangerous": SCOPES[name].dangerous,
        }
        for name in scope_string(names).split()
    ]


def iso_z(value: datetime | None) -> str | None:
    """ISO 8601 with a ``Z``, as Quay's application-token views write dates."""
    return None if value is None else as_utc(value).replace(tzinfo=None).isoformat() + "Z"


def application_view(app: OAuthApplication, *, client_secret: str | None = None) -> dict[str, Any]:
    """An organization application. ``client_secret`` is in clear only on create and reset (it is
    stored hashed); other views carry ``null`` there, a value Quay itself returns in some views."""
    return {
        "name": app.name,
        "description": app.description,
        "application_uri": app.application_uri,
        "client_id": app.client_id,
        "client_secret": client_secret,
        "redirect_uri": app.redirect_uri,
        "avatar_email": app.avatar_email,
    }


def _app_block(app: OAuthApplication, org: Account) -> dict[str, Any]:
    return {
        "name": app.name,
        "description": app.description,
        "url": app.application_uri,
        "avatar": avatar(app.name, app.avatar_email or org.email, "app"),
        "organization": {"name": org.username, "avatar": avatar(org.username, org.email, "org")},
    }


def public_application_view(app: OAuthApplication, organization: dict[str, Any]) -> dict[str, Any]:
    """``GET /api/v1/app/{client_id}``: the application with its organization's view."""
    org_email = organization.get("email")
    return {
        "name": app.name,
        "description": app.description,
        "uri": app.application_uri,
        "avatar": avatar(app.name, app.avatar_email or org_email, "app"),
        "organization": organization,
    }


def authorization_view(
    token: OAuthAccessToken, app: OAuthApplication | None, org: Account | None, owner: Account
) -> dict[str, Any]:
    """One application the user authorized (one token). Tokens issued without an application
    (``berth token create``, ``/api/v1/user/initialize``) name the user as their organization."""
    if app is not None and org is not None:
        application = _app_block(app, org)
    else:
        name = token.name or "berth"
        application = {
            "name": name,
            "description": "Token issued without an OAuth application",
            "url": "",
            "avatar": avatar(name, owner.email, "app"),
            "organization": {"name": owner.username, "avatar": avatar(owner.username, owner.email, "org")},
        }
    return {"application": application, "scopes": scope_views(token.scope), "uuid": token.uuid}


def assigned_authorization_view(
    assignment: OAuthAssignedToken, app: OAuthApplication, org: Account
) -> dict[str, Any]:
    """A token request assigned to the user, waiting for them to accept it."""
    application = _app_block(app, org)
    application = {
        "name": app.name,
        "clientId": app.client_id,
        **{k: v for k, v in application.items() if k != "name"},
    }
    return {
        "application": application,
        "uuid": assignment.uuid,
        "redirectUri": assignment.redirect_uri,
        "scopes": scope_views(assignment.scope),
        "responseType": assignment.response_type,
    }


def application_token_view(
    token: OAuthAccessToken, created_by: str | None, *, secret: str | None = None
) -> dict[str, Any]:
    """Quay's organization-application token view; ``token`` (the secret) only on creation."""
    view: dict[str, Any] = {
        "uuid": token.uuid,
        "name": token.name,
        "scope": token.scope,
        "expires_at": iso_z(token.expires_at),
        "created": iso_z(token.created),
        "created_by": created_by,
        "last_accessed": iso_z(token.last_accessed),
    }
    if secret is not None:
        view["token"] = secret
    return view


def app_token_view(
    token: AppSpecificToken, *, code: str | None = None, include_code: bool = False
) -> dict[str, Any]:
    """An app-specific token. ``token_code`` is in clear only on creation (it is stored hashed); the
    single-token view keeps the key, as Quay's does, with ``null``."""
    view: dict[str, Any] = {
        "uuid": token.uuid,
        "title": token.title,
        "last_accessed": format_quay_date(token.last_accessed),
        "created": format_quay_date(token.created),
        "expiration": format_quay_date(token.expires_at),
    }
    if include_code:
        view["token_code"] = code
    return view
