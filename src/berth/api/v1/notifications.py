"""The caller's in-app notifications: ``/api/v1/user/notifications[/{uuid}]`` (Quay's ``user``
section)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from berth.accounts.models import Account
from berth.accounts.notifications import (
    DEFAULT_PAGE_SIZE,
    get_notification,
    list_notifications,
    set_dismissed,
)
from berth.accounts.schemas import notification_view
from berth.accounts.service import get_account
from berth.auth.policy import Need
from berth.errors import Unauthenticated
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint, QueryParam


def _me(ctx: RequestContext) -> Account:
    account = get_account(ctx.session, ctx.principal.username or "")
    if account is None:
        raise Unauthenticated("Requires authentication")
    return account


def list_user_notifications(ctx: RequestContext) -> dict[str, Any]:
    """Undismissed notifications, newest first, one page at a time."""
    account = _me(ctx)
    page = ctx.query_int("page", 1)
    limit = ctx.query_int("limit", DEFAULT_PAGE_SIZE)
    notes, additional = list_notifications(ctx.session, account, page=page, limit=limit)
    return {"notifications": [notification_view(n, account) for n in notes], "additional": additional}


def get_user_notification(ctx: RequestContext) -> dict[str, Any]:
    """One notification of the caller."""
    account = _me(ctx)
    return notification_view(get_notification(ctx.session, account, str(ctx.path["uuid"])), account)


class UpdateNotification(BaseModel):
    """Information for updating a notification."""

    dismissed: bool = Field(default=False, description="Whether the notification is dismissed by a user")


def update_user_notification(ctx: RequestContext) -> dict[str, Any]:
    """Dismiss (or restore) one notification."""
    body = ctx.body_as(UpdateNotification)
    account = _me(ctx)
    note = set_dismissed(ctx.session, account, str(ctx.path["uuid"]), dismissed=body.dismissed)
    return notification_view(note, account)


ENDPOINTS = (
    Endpoint(
        "GET",
        "/api/v1/user/notifications",
        list_user_notifications,
        Need.USER_ADMIN,
        nickname="listUserNotifications",
        description="List the notifications for the user.",
        tag="user",
        internal=True,
        scope="user:admin",
        query=(
            QueryParam("page", "Offset page number. (int)", type="integer"),
            QueryParam("limit", "Limit on the number of results (int)", type="integer"),
        ),
    ),
    Endpoint(
        "GET",
        "/api/v1/user/notifications/{uuid}",
        get_user_notification,
        Need.USER_ADMIN,
        nickname="getUserNotification",
        description="Get information about the specified notification.",
        tag="user",
        internal=True,
        scope="user:admin",
    ),
    Endpoint(
        "PUT",
        "/api/v1/user/notifications/{uuid}",
        update_user_notification,
        Need.USER_ADMIN,
        nickname="updateUserNotification",
        description="Update the specified notification.",
        tag="user",
        body=UpdateNotification,
        internal=True,
        scope="user:admin",
    ),
)
