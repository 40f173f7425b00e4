"""The ``message`` table: one global message (a banner shown to every visitor)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from berth.db.base import Base, UtcDateTime


class Message(Base):
    """A global message with its media type and severity."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    content: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    created: Mapped[datetime] = mapped_column(UtcDateTime(timezone=True))
