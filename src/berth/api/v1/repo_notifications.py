"""Notifications of a repository (Quay's ``repositorynotification`` section, repository admins only).

Not to be confused with :mod:`berth.api.v1.notifications`, the in-app notifications of a user.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from berth.auth.policy import Need
from berth.errors import NotFound
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.notifications import delivery, service
from berth.notifications.schemas import notification_view
from berth.repos.service import RepoRef, split_repository_path


class NotificationCreateRequest(BaseModel):
    """Information for creating a notification on a repository"""

    event: str = Field(description="The event on which the notification will respond")
    method: str = Field(description="The method of notification (such as email or web callback)")
    config: dict[str, Any] = Field(
        description="JSON config information for the specific method of notification"
    )
    eventConfig: dict[str, Any] = Field(  # noqa: N815 - Quay's field name
        description="JSON config information for the specific event of notification"
    )
    title: str | None = Field(default=None, description="The human-readable title of the notification")


def _ref(ctx: RequestContext) -> RepoRef:
    ref = split_repository_path(str(ctx.path["repository"]))
    if ref is None:
        raise NotFound("Not Found")
    return ref


def list_notifications(ctx: RequestContext) -> dict[str, Any]:
    """The repository's notifications."""
    ref = _ref(ctx)
    repo_id = service.repository_id(ctx.session, ref.namespace, ref.name)
    return {"notifications": [notification_view(n) for n in service.list_notifications(ctx.session, repo_id)]}


def create_notification(ctx: RequestContext) -> Reply:
    """Add a notification to the repository."""
    ref = _ref(ctx)
    body = ctx.body_as(NotificationCreateRequest)
    created = service.create_notification(
        ctx.session,
        ref.namespace,
        ref.name,
        event=body.event,
        method=body.method,
        config=body.config,
        event_config=body.eventConfig,
        title=body.title,
        actor=ctx.actor,
        now=ctx.now,
    )
    return Reply(notification_view(created), 201)


def get_notification(ctx: RequestContext) -> dict[str, Any]:
    """One notification of the repository (404 when it has none of that id, as Quay)."""
    ref = _ref(ctx)
    repo_id = service.repository_id(ctx.session, ref.namespace, ref.name)
    found = service.find_notification(ctx.session, repo_id, str(ctx.path["uuid"]))
    if found is None:
        raise NotFound("Not Found")
    return notification_view(found)


def delete_notification(ctx: RequestContext) -> Reply:
    """Remove one notification of the repository."""
    ref = _ref(ctx)
    service.delete_notification(
        ctx.session, ref.namespace, ref.name, str(ctx.path["uuid"]), actor=ctx.actor, now=ctx.now
    )
    return Reply(None, 204)


def reset_failures(ctx: RequestContext) -> Reply:
    """Set the notification's failure count back to zero."""
    ref = _ref(ctx)
    service.reset_failures(
        ctx.session, ref.namespace, ref.name, str(ctx.path["uuid"]), actor=ctx.actor, now=ctx.now
    )
    return Reply(None, 204)


def test_notification(ctx: RequestContext) -> dict[str, Any]:
    """Send a sample of the notification's event by its method, once the request has committed."""
    ref = _ref(ctx)
    found = service.require_notification(ctx.session, ref.namespace, ref.name, str(ctx.path["uuid"]))
    job = delivery.test_job(
        found, ref.namespace, ref.name, server_hostname=ctx.runtime.settings.server_hostname
    )
    runtime = ctx.runtime

    def start(_session: Session) -> None:
        delivery.start(
            job,
            transaction=lambda write: runtime.db.transaction(write=write),
            allowed_hosts=runtime.settings.ssrf_allowed_hosts,
        )

    sa_event.listen(ctx.session, "after_commit", start, once=True)
    return {}


_BASE = "/api/v1/repository/{repository}/notification/"
_ONE = "/api/v1/repository/{repository}/notification/{uuid}"
_COMMON: dict[str, Any] = {"tag": "repositorynotification", "scope": "repo:admin"}

ENDPOINTS = (
    Endpoint(
        "GET",
        _BASE,
        list_notifications,
        Need.REPO_ADMIN,
        nickname="listRepoNotifications",
        description="List the notifications for the specified repository.",
        **_COMMON,
    ),
    Endpoint(
        "POST",
        _BASE,
        create_notification,
        Need.REPO_ADMIN,
        nickname="createRepoNotification",
        description="Create a new notification for the specified repository.",
        body=NotificationCreateRequest,
        status=201,
        **_COMMON,
    ),
    Endpoint(
        "GET",
        _ONE,
        get_notification,
        Need.REPO_ADMIN,
        nickname="getRepoNotification",
        description="Get information for the specified notification.",
        **_COMMON,
    ),
    Endpoint(
        "DELETE",
        _ONE,
        delete_notification,
        Need.REPO_ADMIN,
        nickname="deleteRepoNotification",
        description="Deletes the specified notification.",
        status=204,
        **_COMMON,
    ),
    Endpoint(
        "POST",
        _ONE,
        reset_failures,
        Need.REPO_ADMIN,
        nickname="resetRepositoryNotificationFailures",
        description="Resets repository notification to 0 failures.",
        status=204,
        **_COMMON,
    ),
    Endpoint(
        "POST",
        f"{_ONE}/test",
        test_notification,
        Need.REPO_ADMIN,
        nickname="testRepoNotification",
        description="Queues a test notification for this repository.",
        **_COMMON,
    ),
)
