"""The usage-log table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from berth.db.base import Base


class LogEntry(Base):
    """One audited action: who did what, in which namespace and repository, from where."""

    __tablename__ = "log_entry"
    __table_args__ = (
        Index("ix_log_entry_namespace_time", "namespace_id", "created"),
        Index("ix_log_entry_repository_time", "repository_id", "created"),
        Index("ix_log_entry_performer_time", "performer_id", "created"),
        # The installation-wide list (superusers) pages by time alone.
        Index("ix_log_entry_created", "created"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    namespace_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    performer_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    repository_id: Mapped[int | None] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(String(64))
    metadata_json: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created: Mapped[datetime]
