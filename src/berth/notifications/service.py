"""Repository notifications: Quay's validation of events and methods, storage, audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from berth.accounts.models import AccountKind
from berth.accounts.service import get_account
from berth.auditlog.service import Actor, log_action
from berth.errors import InvalidRequest
from berth.notifications.models import RepoNotification
from berth.orgs.service import get_organization, get_team
from berth.repos.service import get_repository

# Quay's notification events and methods, by their API names.
EVENTS = (
    "repo_push",
    "repo_mirror_sync_started",
    "repo_mirror_sync_success",
    "repo_mirror_sync_failed",
    "build_queued",
    "build_start",
    "build_success",
    "build_failure",
    "build_cancelled",
    "vulnerability_found",
    "repo_image_expiry",
)
METHODS = ("quay_notification", "email", "webhook", "flowdock", "hipchat", "slack")


def _check_target(session: Session, namespace: str, config: dict[str, Any]) -> None:
    target = config.get("target")
    if not isinstance(target, dict) or not target.get("kind"):
        raise InvalidRequest("Missing target")
    kind, name = target["kind"], str(target.get("name", ""))
    if kind == "user":
        account = get_account(session, name)
        if account is None or account.kind != AccountKind.USER:
            raise InvalidRequest(f"Unknown user {name}")
    elif kind == "org":
        if get_organization(session, name) is None:
            raise InvalidRequest(f"Unknown organization {name}")
        if name != namespace:
            raise InvalidRequest("Organization name must match repository namespace")
    elif kind == "team":
        org = get_organization(session, namespace)
        if org is None or get_team(session, org, name) is None:
            raise InvalidRequest(f"Unknown team {name}")


def _required(config: dict[str, Any], key: str, message: str) -> None:
    if not config.get(key):
        raise InvalidRequest(message)


def validate(session: Session, namespace: str, method: str, event: str, config: dict[str, Any]) -> None:
    """Check a notification as Quay does (method, then its config, then the event).

    :class:`InvalidRequest` carries Quay's message.
    """
    if method not in METHODS:
        raise InvalidRequest(f"Unable to find method: {method}")
    if method == "quay_notification":
        _check_target(session, namespace, config)
    elif method == "email":
        _required(config, "email", "Missing e-mail address")
    elif method == "webhook":
        _required(config, "url", "Missing webhook URL")
    elif method == "slack":
        _required(config, "url", "Missing Slack Callback URL")
    elif method == "flowdock":
        _required(config, "flow_api_token", "Missing Flowdock API Token")
    elif method == "hipchat":
        _required(config, "notification_token", "Missing Hipchat Room Notification Token")
        _required(config, "room_id", "Missing Hipchat Room ID")
    if event not in EVENTS:
        raise InvalidRequest(f"Unable to find event: {event}")


def repository_id(session: Session, namespace: str, name: str) -> int | None:
    """The id of the live repository ``namespace/name``, if any."""
    repo = get_repository(session, namespace, name)
    return repo.id if repo is not None else None


def list_notifications(session: Session, repo_id: int | None) -> list[RepoNotification]:
    """The repository's notifications, oldest first (none for a missing repository)."""
    if repo_id is None:
        return []
    return list(
        session.scalars(
            select(RepoNotification)
            .where(RepoNotification.repository_id == repo_id)
            .order_by(RepoNotification.id)
        ).all()
    )


def find_notification(
    session: Session, repo_id: int | None, notification_uuid: str
) -> RepoNotification | None:
    """The notification ``notification_uuid`` of the repository, if it has one."""
    if repo_id is None:
        return None
    return session.scalar(
        select(RepoNotification).where(
            RepoNotification.repository_id == repo_id, RepoNotification.uuid == notification_uuid
        )
    )


def require_notification(
    session: Session, namespace: str, name: str, notification_uuid: str
) -> RepoNotification:
    """The notification, or Quay's 400 ``No repository notification found for: ...``."""
    found = find_notification(session, repository_id(session, namespace, name), notification_uuid)
    if found is None:
        raise InvalidRequest(
            f"No repository notification found for: {namespace}, {name}, {notification_uuid}"
        )
    return found


def _log(
    session: Session,
    kind: str,
    notification: RepoNotification,
    namespace: str,
    name: str,
    *,
    actor: Actor,
    now: datetime,
    namespace_id: int | None,
) -> None:
    log_action(
        session,
        kind,
        actor=actor,
        now=now,
        namespace_id=namespace_id,
        repository_id=notification.repository_id,
        metadata={
            "repo": name,
            "namespace": namespace,
            "notification_id": notification.uuid,
            "event": notification.event,
            "method": notification.method,
        },
    )


def create_notification(
    session: Session,
    namespace: str,
    name: str,
    *,
    event: str,
    method: str,
    config: dict[str, Any],
    event_config: dict[str, Any],
    title: str | None,
    actor: Actor,
    now: datetime,
) -> RepoNotification:
    """Validate and add a notification to the repository (``add_repo_notification``)."""
    repo = get_repository(session, namespace, name)
    if repo is None:
        raise InvalidRequest(f"Repository {namespace}/{name} not found")
    validate(session, namespace, method, event, config)
    notification = RepoNotification(
        uuid=str(uuid.uuid4()),
        repository_id=repo.id,
        event=event,
        method=method,
        title=title,
        config_json=config,
        event_config_json=event_config,
        number_of_failures=0,
        created=now,
    )
    session.add(notification)
    session.flush()
    _log(
        session,
        "add_repo_notification",
        notification,
        namespace,
        name,
        actor=actor,
        now=now,
        namespace_id=repo.namespace_id,
    )
    return notification


def delete_notification(
    session: Session, namespace: str, name: str, notification_uuid: str, *, actor: Actor, now: datetime
) -> None:
    """Remove the notification (``delete_repo_notification``)."""
    notification = require_notification(session, namespace, name, notification_uuid)
    account = get_account(session, namespace)
    _log(
        session,
        "delete_repo_notification",
        notification,
        namespace,
        name,
        actor=actor,
        now=now,
        namespace_id=account.id if account is not None else None,
    )
    session.delete(notification)


def reset_failures(
    session: Session, namespace: str, name: str, notification_uuid: str, *, actor: Actor, now: datetime
) -> None:
    """Set the notification's failure count back to zero (``reset_repo_notification``)."""
    notification = require_notification(session, namespace, name, notification_uuid)
    notification.number_of_failures = 0
    account = get_account(session, namespace)
    _log(
        session,
        "reset_repo_notification",
        notification,
        namespace,
        name,
        actor=actor,
        now=now,
        namespace_id=account.id if account is not None else None,
    )
