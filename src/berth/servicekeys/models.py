"""The ``service_key`` table: one public key (as a JWK) of a service, with its approval.

Only the public half is stored; the private key is shown once, in the answer that created it.
Quay keeps the approval in a table of its own; here it is four nullable columns (a key is approved
when ``approval_type`` is set).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from berth.db.base import Base, UtcDateTime


class ServiceKey(Base):
    """A service's public key and its approval."""

    __tablename__ = "service_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kid: Mapped[str] = mapped_column(String(255), unique=True)
    service: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    metadata_json: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created: Mapped[datetime] = mapped_column(UtcDateTime(timezone=True))
    expiration: Mapped[datetime | None] = mapped_column(UtcDateTime(timezone=True))
    rotation_duration: Mapped[int | None] = mapped_column(Integer)
    approval_type: Mapped[str | None] = mapped_column(String(64))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    approved_date: Mapped[datetime | None] = mapped_column(UtcDateTime(timezone=True))
    approval_notes: Mapped[str | None] = mapped_column(Text)
