"""Organization OAuth applications: create, read, update, delete, reset the client secret.

The client secret is 40 chars ``[A-Z0-9]`` as in Quay, but only its SHA-256 is stored: it is shown
once, when the application is created and when the secret is reset. Deleting an application revokes
every token, code and pending assignment issued through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account
from berth.auditlog.service import Actor, log_action
from berth.errors import InvalidRequest, NotFound
from berth.lib.secrets import random_code, secret_matches, sha256_hex
from berth.oauth.models import (
    OAuthAccessToken,
    OAuthApplication,
    OAuthAssignedToken,
    OAuthAuthorizationCode,
)

CLIENT_ID_LENGTH = 20
CLIENT_SECRET_LENGTH = 40
MAX_FIELD = 255


@dataclass(frozen=True)
class AppFields:
    """What a caller may set on an application."""

    name: str
    description: str | None = None
    application_uri: str | None = None
    redirect_uri: str | None = None
    avatar_email: str | None = None


def _check(fields: AppFields) -> None:
    if not fields.name.strip():
        raise InvalidRequest("Application name is required")
    for label, value in (
        ("name", fields.name),
        ("application_uri", fields.application_uri),
        ("redirect_uri", fields.redirect_uri),
        ("avatar_email", fields.avatar_email),
    ):
        if value is not None and len(value) > MAX_FIELD:
            raise InvalidRequest(f"'{label}' is too long (at most {MAX_FIELD} characters)")


def list_applications(session: Session, org: Account) -> list[OAuthApplication]:
    """An organization's applications in creation order."""
    return list(
        session.scalars(
            select(OAuthApplication)
            .where(OAuthApplication.organization_id == org.id)
            .order_by(OAuthApplication.id)
        )
    )


def find_application(session: Session, client_id: str) -> OAuthApplication | None:
    """An application by client id, whatever its organization."""
    return session.scalar(select(OAuthApplication).where(OAuthApplication.client_id == client_id))


def require_application(session: Session, org: Account, client_id: str) -> OAuthApplication:
    """The organization's application ``client_id``, else 404."""
    app = find_application(session, client_id)
    if app is None or app.organization_id != org.id:
        raise NotFound("Not Found")
    return app


def client_secret_matches(app: OAuthApplication, presented: str) -> bool:
    """Constant-time check of a presented client secret."""
    return bool(presented) and secret_matches(presented, app.client_secret_hash)


def create_application(
    session: Session, org: Account, fields: AppFields, *, actor: Actor | None, now: datetime
) -> tuple[OAuthApplication, str]:
    """Register an application; returns it and its client secret (the only time it is in clear)."""
    _check(fields)
    secret = random_code(CLIENT_SECRET_LENGTH)
    app = OAuthApplication(
        client_id=random_code(CLIENT_ID_LENGTH),
        client_secret_hash=sha256_hex(secret),
        organization_id=org.id,
        name=fields.name,
        description=fields.description or "",
        application_uri=fields.application_uri or "",
        redirect_uri=fields.redirect_uri or "",
        avatar_email=fields.avatar_email or None,
        created=now,
    )
    session.add(app)
    session.flush()
    log_action(
        session,
        "create_application",
        actor=actor,
        now=now,
        namespace_id=org.id,
        metadata={"application_name": app.name, "client_id": app.client_id},
    )
    return app, secret


def update_application(
    session: Session, app: OAuthApplication, fields: AppFields, *, actor: Actor | None, now: datetime
) -> OAuthApplication:
    """Replace the application's details (Quay's PUT: name, URIs, description, avatar e-mail)."""
    _check(fields)
    app.name = fields.name
    app.description = fields.description or ""
    app.application_uri = fields.application_uri or ""
    app.redirect_uri = fields.redirect_uri or ""
    app.avatar_email = fields.avatar_email or None
    session.flush()
    log_action(
        session,
        "update_application",
        actor=actor,
        now=now,
        namespace_id=app.organization_id,
        metadata={"application_name": app.name, "client_id": app.client_id},
    )
    return app


def reset_client_secret(
    session: Session, app: OAuthApplication, *, actor: Actor | None, now: datetime
) -> str:
    """A new client secret (returned once); the old one stops working at once."""
    secret = random_code(CLIENT_SECRET_LENGTH)
    app.client_secret_hash = sha256_hex(secret)
    session.flush()
    log_action(
        session,
        "reset_application_client_secret",
        actor=actor,
        now=now,
        namespace_id=app.organization_id,
        metadata={"application_name": app.name, "client_id": app.client_id},
    )
    return secret


def delete_application(
    session: Session, app: OAuthApplication, *, actor: Actor | None, now: datetime
) -> None:
    """Delete the application and revoke everything issued through it."""
    session.execute(delete(OAuthAuthorizationCode).where(OAuthAuthorizationCode.application_id == app.id))
    session.execute(delete(OAuthAssignedToken).where(OAuthAssignedToken.application_id == app.id))
    session.execute(delete(OAuthAccessToken).where(OAuthAccessToken.application_id == app.id))
    log_action(
        session,
        "delete_application",
        actor=actor,
        now=now,
        namespace_id=app.organization_id,
        metadata={"application_name": app.name, "client_id": app.client_id},
    )
    session.execute(delete(OAuthApplication).where(OAuthApplication.id == app.id))
    session.flush()
