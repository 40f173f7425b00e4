"""Quay's JSON shape of a global message."""

from __future__ import annotations

from typing import Any

from berth.messages.models import Message

MEDIA_TYPES = ("text/plain", "text/markdown")
SEVERITIES = ("info", "warning", "error")


def message_view(message: Message) -> dict[str, Any]:
    """``{uuid, content, severity, media_type}`` as Quay's ``getGlobalMessages`` lists it."""
    return {
        "uuid": message.uuid,
        "content": message.content,
        "severity": message.severity,
        "media_type": message.media_type,
    }
