"""Global messages shown to every visitor (Quay's ``globalmessages`` API section)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import Response

from berth.auth.policy import Need
from berth.errors import InvalidRequest
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.messages import service
from berth.messages.schemas import message_view


class MessageFields(BaseModel):
    """A single message"""

    content: str = Field(description="The actual message")
    media_type: str = Field(description="The media type of the message (text/plain or text/markdown)")
    severity: str = Field(description="The severity of the message (info, warning or error)")


class CreateMessage(BaseModel):
    """Create a new message"""

    message: MessageFields | None = Field(default=None, description="A single message")


def get_messages(ctx: RequestContext) -> dict[str, Any]:
    """Every global message."""
    return {"messages": [message_view(m) for m in service.list_messages(ctx.session)]}


def create_message(ctx: RequestContext) -> Response:
    """Add a global message; Quay answers 201 with an empty HTML body."""
    body = ctx.body_as(CreateMessage)
    if body.message is None:
        raise InvalidRequest("'message' is a required property")
    service.create_message(
        ctx.session,
        content=body.message.content,
        media_type=body.message.media_type,
        severity=body.message.severity,
        now=ctx.now,
    )
    return Response(b"", status_code=201, media_type="text/html")


def delete_message(ctx: RequestContext) -> Reply:
    """Delete a global message (an unknown uuid is no error)."""
    service.delete_message(ctx.session, str(ctx.path["uuid"]))
    return Reply(None, 204)


_SUPER: dict[str, Any] = {
    "tag": "globalmessages",
    "feature": "SUPER_USERS",
    "scope": "super:user",
    "fresh_login": True,
}
ENDPOINTS = (
    Endpoint("GET", "/api/v1/messages", get_messages, Need.ANONYMOUS_IF_ENABLED, "getGlobalMessages",
             "Return a super users messages.", tag="globalmessages"),
    Endpoint("POST", "/api/v1/messages", create_message, Need.SUPERUSER, "createGlobalMessage",
             "Create a message.", body=CreateMessage, status=201, **_SUPER),
    Endpoint("DELETE", "/api/v1/message/{uuid}", delete_message, Need.SUPERUSER, "deleteGlobalMessage",
             "Delete a message.", status=204, **_SUPER),
)  # fmt: skip
