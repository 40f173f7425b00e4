"""The repository notification table: one row per notification of one repository."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from berth.db.base import Base


class RepoNotification(Base):
    """A notification: when ``event`` happens in the repository, tell someone by ``method``.

    ``config`` is the method's settings (a webhook's ``url``, an e-mail address, a target user),
    ``event_config`` the event's (for example a minimum vulnerability level). Failed deliveries
    count up in ``number_of_failures`` until an administrator resets it.
    """

    __tablename__ = "repo_notification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repository.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(255))
    config_json: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    event_config_json: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    number_of_failures: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime]
