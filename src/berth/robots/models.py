"""Tables for robot accounts: their metadata and their tokens (only hashes are stored).

The robot itself is an ``account`` row of kind ``robot`` named ``namespace+shortname``; ``robot``
holds what Quay keeps in ``RobotAccountMetadata`` and ``robot_token`` its credentials. A robot may
hold several tokens at once: during a rotation overlap the old token keeps working until its
``expires_at``, and short-lived tokens (federation) expire by themselves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from berth.db.base import Base


class Robot(Base):
    """A robot account's metadata; deleted with the robot's account row or its namespace."""

    __tablename__ = "robot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), unique=True)
    namespace_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    unstructured_metadata: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created: Mapped[datetime]
    last_accessed: Mapped[datetime | None]


class RobotToken(Base):
    """One token of a robot: 64 chars ``[A-Z0-9]``, the first 32 a lookup, SHA-256 of the rest."""

    __tablename__ = "robot_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    robot_account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    lookup: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime]
    expires_at: Mapped[datetime | None]
