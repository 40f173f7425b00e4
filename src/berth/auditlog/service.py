"""Writing usage-log entries; services call :func:`log_action` for every mutating action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from berth.auditlog.kinds import LOG_KINDS
from berth.auditlog.models import LogEntry

_SECRET_WORDS = ("password", "secret", "token")


@dataclass(frozen=True)
class Actor:
    """Who performs an action and from where (the audit log's view of a caller)."""

    account_id: int | None
    ip: str | None = None
    oauth_token_id: int | None = None


def _scrub(metadata: dict[str, Any]) -> dict[str, Any]:
    """Never let a secret reach the log, whatever a caller passes."""
    return {
        key: ("****" if any(word in key.lower() for word in _SECRET_WORDS) and key != "token_uuid" else value)
        for key, value in metadata.items()
    }


def entry_row(
    kind: str,
    *,
    actor: Actor | None,
    now: datetime,
    namespace_id: int | None = None,
    repository_id: int | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The column values of one log entry (its kind checked, secrets scrubbed from its metadata)."""
    if kind not in LOG_KINDS:
        raise ValueError(f"unknown log kind {kind!r}")
    meta = _scrub(dict(metadata or {}))
    if actor is not None and actor.oauth_token_id is not None:
        meta.setdefault("oauth_token_id", actor.oauth_token_id)
    return {
        "kind": kind,
        "namespace_id": namespace_id,
        "performer_id": actor.account_id if actor else None,
        "repository_id": repository_id,
        "ip": actor.ip if actor else None,
        "metadata_json": meta,
        "created": now,
    }


_INSERT_ENTRY = insert(LogEntry)


def insert_entries(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert log entries built by :func:`entry_row` (one statement, no ORM objects)."""
    if rows:
        session.connection().execute(_INSERT_ENTRY, rows if len(rows) > 1 else rows[0])


def log_action(
    session: Session,
    kind: str,
    *,
    actor: Actor | None,
    now: datetime,
    namespace_id: int | None = None,
    repository_id: int | None = None,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Record one action of a Quay log kind in the caller's transaction."""
    row = entry_row(
        kind,
        actor=actor,
        now=now,
        namespace_id=namespace_id,
        repository_id=repository_id,
        metadata=metadata,
    )
    insert_entries(session, [row])
