"""The auto-prune policy table: one row per policy, of a namespace or of one repository."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from berth.db.base import Base


class AutoPrunePolicy(Base):
    """A rule the auto-prune pass applies to live tags.

    ``repository_id`` is None for a namespace policy (a user's or an organization's), which covers
    every repository of ``namespace_id``. ``method`` is ``number_of_tags`` (``value`` holds a
    positive integer) or ``creation_date`` (``value`` holds a duration such as ``7d``).
    ``tag_pattern`` is a regular expression; with ``tag_pattern_matches`` false it selects the tags
    that do *not* match.
    """

    __tablename__ = "autoprune_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    namespace_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    repository_id: Mapped[int | None] = mapped_column(
        ForeignKey("repository.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(64))
    tag_pattern: Mapped[str | None] = mapped_column(Text)
    tag_pattern_matches: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[datetime]
