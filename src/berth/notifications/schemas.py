"""Quay's JSON shape of a repository notification."""

from __future__ import annotations

from typing import Any

from berth.notifications.models import RepoNotification


def notification_view(notification: RepoNotification) -> dict[str, Any]:
    """``{"uuid", "title", "event", "method", "config", "event_config", "number_of_failures"}``."""
    return {
        "uuid": notification.uuid,
        "title": notification.title,
        "event": notification.event,
        "method": notification.method,
        "config": notification.config_json,
        "event_config": notification.event_config_json,
        "number_of_failures": notification.number_of_failures,
    }
