"""Operator views of credentials (``berth token list`` / ``revoke``) of users and robots: metadata
only, never secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account
from berth.auditlog.service import log_action
from berth.lib.names import parse_robot_username
from berth.oauth.apptokens import list_app_tokens, revoke_app_token
from berth.oauth.models import AppSpecificToken, OAuthApplication
from berth.oauth.schemas import iso_z
from berth.oauth.service import delete_token, find_token, list_account_tokens
from berth.robots.models import RobotToken
from berth.robots.service import RobotRecord, find_robot


def credentials_of(session: Session, account: Account) -> list[dict[str, Any]]:
    """Every OAuth and app-specific token of ``account`` with its lifecycle dates."""
    out: list[dict[str, Any]] = []
    for token in list_account_tokens(session, account.id):
        app = session.get(OAuthApplication, token.application_id) if token.application_id else None
        out.append(
            {
                "kind": "oauth",
                "uuid": token.uuid,
                "name": token.name or (app.name if app else None),
                "application": app.client_id if app else None,
                "scope": token.scope,
                "created": iso_z(token.created),
                "expires_at": iso_z(token.expires_at),
                "last_accessed": iso_z(token.last_accessed),
            }
        )
    for app_token in list_app_tokens(session, account):
        out.append(
            {
                "kind": "app",
                "uuid": app_token.uuid,
                "name": app_token.title,
                "created": iso_z(app_token.created),
                "expires_at": iso_z(app_token.expires_at),
                "last_accessed": iso_z(app_token.last_accessed),
            }
        )
    return out


def revoke_credential(session: Session, token_uuid: str, *, now: datetime) -> str | None:
    """Revoke the OAuth or app-specific token ``token_uuid``; returns its kind, None if unknown."""
    token = find_token(session, token_uuid)
    if token is not None:
        delete_token(session, token)
        log_action(
            session,
            "revoke_oauth_api_token",
            actor=None,
            now=now,
            namespace_id=token.account_id,
            metadata={"oauth_token_uuid": token.uuid, "via": "cli"},
        )
        return "oauth"
    app_token = session.scalar(select(AppSpecificToken).where(AppSpecificToken.uuid == token_uuid))
    if app_token is not None:
        revoke_app_token(session, app_token, actor=None, now=now)
        return "app"
    return None


def _robot(session: Session, username: str) -> RobotRecord | None:
    parsed = parse_robot_username(username)
    return find_robot(session, parsed[0], parsed[1]) if parsed else None


def robot_credentials(session: Session, username: str) -> list[dict[str, Any]] | None:
    """The robot's live tokens (created, expiry; the robot's last use), None if no such robot."""
    record = _robot(session, username)
    if record is None:
        return None
    rows = session.scalars(
        select(RobotToken).where(RobotToken.robot_account_id == record.account.id).order_by(RobotToken.id)
    )
    return [
        {
            "kind": "robot",
            "robot": record.account.username,
            "created": iso_z(row.created),
            "expires_at": iso_z(row.expires_at),
            "last_accessed": iso_z(record.robot.last_accessed),
        }
        for row in rows
    ]


def revoke_robot_tokens(session: Session, username: str, *, now: datetime) -> list[dict[str, Any]] | None:
    """Revoke every token of the robot (regenerating issues a new one); None if no such robot."""
    record = _robot(session, username)
    if record is None:
        return None
    revoked = len(
        list(session.scalars(select(RobotToken.id).where(RobotToken.robot_account_id == record.account.id)))
    )
    session.execute(delete(RobotToken).where(RobotToken.robot_account_id == record.account.id))
    log_action(
        session,
        "regenerate_robot_token",
        actor=None,
        now=now,
        namespace_id=record.robot.namespace_id,
        metadata={"robot": record.account.username, "revoked_only": True, "via": "cli"},
    )
    return [{"robot": record.account.username, "revoked": revoked}]
