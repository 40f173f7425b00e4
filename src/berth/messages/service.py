"""Creating, listing and deleting global messages.

Quay writes no usage-log entry for these actions (its log kinds have none for messages), so neither
does Berth.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from berth.errors import InvalidRequest
from berth.messages.models import Message
from berth.messages.schemas import MEDIA_TYPES, SEVERITIES


def list_messages(session: Session) -> Sequence[Message]:
    """Every message, oldest first."""
    return session.scalars(select(Message).order_by(Message.id)).all()


def create_message(
    session: Session, *, content: str, media_type: str, severity: str, now: datetime
) -> Message:
    """Add a message; the media type and severity must be among Quay's values."""
    if media_type not in MEDIA_TYPES:
        raise InvalidRequest(f"{media_type!r} is not one of {list(MEDIA_TYPES)} (message.media_type)")
    if severity not in SEVERITIES:
        raise InvalidRequest(f"{severity!r} is not one of {list(SEVERITIES)} (message.severity)")
    message = Message(
        uuid=str(uuidlib.uuid4()), content=content, media_type=media_type, severity=severity, created=now
    )
    session.add(message)
    session.flush()
    return message


def delete_message(session: Session, uuid: str) -> None:
    """Remove the message with this uuid; an unknown uuid is no error (as Quay)."""
    session.execute(delete(Message).where(Message.uuid == uuid))
    session.flush()
