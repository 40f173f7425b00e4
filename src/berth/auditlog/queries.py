"""Reading the usage log as Quay's logs API does: a time window, filters, pages of twenty entries
newest first, and per-day counts of each kind.

Every filter rides one of the table's indexes: ``(namespace_id, created)`` for user and organization
logs, ``(repository_id, created)`` for repository logs, ``(performer_id, created)`` when only a
performer is given, and ``(created)`` for the installation-wide (superuser) list. Pages continue with
a keyset cursor ``(created, id)``, so a deep page costs what the first one does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from berth.accounts.models import Account
from berth.auditlog.models import LogEntry
from berth.errors import DataModelError

LOGS_PER_PAGE = 20
# Quay hides the service-key kinds from user logs (they concern the installation, not the user).
SERVICE_LEVEL_KINDS: frozenset[str] = frozenset(
    {
        "service_key_create",
        "service_key_approve",
        "service_key_delete",
        "service_key_modify",
        "service_key_extend",
        "service_key_rotate",
    }
)
# Quay refuses to aggregate over four weeks or more.
MAX_AGGREGATE_SPAN = timedelta(weeks=4)
BAD_REQUEST_MESSAGE = "The browser (or proxy) sent a request that this server could not understand."


@dataclass(frozen=True)
class Window:
    """The half-open interval ``[start, end)`` of a logs query."""

    start: datetime
    end: datetime


def _parse_day(text: str | None) -> datetime | None:
    """``MM/DD/YYYY`` (UTC midnight), or None for anything else (Quay ignores unreadable dates)."""
    if not text:
        return None
    try:
        return datetime.strptime(text, "%m/%d/%Y").replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_window(starttime: str | None, endtime: str | None, *, now: datetime) -> Window:
    """Quay's window: from ``starttime`` (default: a day ago) to the end of ``endtime``'s day
    (default: a day from now); an end before the start is a 400."""
    start = _parse_day(starttime) or (now - timedelta(days=1))
    end = (_parse_day(endtime) or now) + timedelta(days=1)
    if end < start:
        raise DataModelError(BAD_REQUEST_MESSAGE)
    return Window(start, end)


@dataclass(frozen=True)
class LogFilter:
    """Which entries a query sees (None: no condition on that column)."""

    namespace_id: int | None = None
    repository_id: int | None = None
    performer_id: int | None = None
    exclude_kinds: frozenset[str] = frozenset()
    # A filter naming something that does not exist (an unknown performer) matches nothing.
    empty: bool = False


def performer_id(session: Session, username: str | None) -> tuple[int | None, bool]:
    """The account id behind a ``performer`` query parameter and whether the name was unknown."""
    if not username:
        return None, False
    found = session.scalar(select(Account.id).where(Account.username == username))
    return found, found is None


def _conditions(log_filter: LogFilter, window: Window) -> list[ColumnElement[bool]]:
    if log_filter.empty:
        return [false()]
    conditions: list[ColumnElement[bool]] = [
        LogEntry.created >= window.start,
        LogEntry.created < window.end,
    ]
    if log_filter.repository_id is not None:
        conditions.append(LogEntry.repository_id == log_filter.repository_id)
    elif log_filter.namespace_id is not None:
        conditions.append(LogEntry.namespace_id == log_filter.namespace_id)
    if log_filter.performer_id is not None:
        conditions.append(LogEntry.performer_id == log_filter.performer_id)
    if log_filter.exclude_kinds:
        conditions.append(LogEntry.kind.not_in(sorted(log_filter.exclude_kinds)))
    return conditions


@dataclass(frozen=True)
class LogRow:
    """One entry with the names the API shows for its performer and namespace."""

    id: int
    kind: str
    metadata: dict[str, Any]
    ip: str | None
    created: datetime
    performer: Account | None
    namespace: Account | None


_Performer = aliased(Account, name="performer")
_Namespace = aliased(Account, name="namespace_account")


def _entries_query(conditions: Sequence[ColumnElement[bool]]) -> Select[LogEntry, Account, Account]:
    return (
        select(LogEntry, _Performer, _Namespace)
        .outerjoin(_Performer, _Performer.id == LogEntry.performer_id)
        .outerjoin(_Namespace, _Namespace.id == LogEntry.namespace_id)
        .where(*conditions)
        .order_by(LogEntry.created.desc(), LogEntry.id.desc())
    )


def _row(entry: LogEntry, performer: Account | None, namespace: Account | None) -> LogRow:
    return LogRow(
        id=entry.id,
        kind=entry.kind,
        metadata=dict(entry.metadata_json or {}),
        ip=entry.ip,
        created=entry.created,
        performer=performer,
        namespace=namespace,
    )


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the entry ``(created, id)``."""

    created: datetime
    id: int

    def to_json(self) -> dict[str, Any]:
        """The cursor as JSON values (for an opaque page token)."""
        return {"t": self.created.isoformat(), "i": self.id}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Cursor | None:
        """The cursor back from :meth:`to_json` output; None for anything unreadable."""
        if not data:
            return None
        try:
            created = datetime.fromisoformat(str(data["t"]))
            entry_id = int(data["i"])
        except (KeyError, TypeError, ValueError):
            return None
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        return cls(created, entry_id)


@dataclass(frozen=True)
class LogPage:
    """One page of entries and the cursor of the next one (None on the last page)."""

    rows: list[LogRow]
    next_cursor: Cursor | None


def list_entries(
    session: Session,
    log_filter: LogFilter,
    window: Window,
    *,
    after: Cursor | None = None,
    limit: int = LOGS_PER_PAGE,
) -> LogPage:
    """One page of entries in ``window``, newest first, continuing after ``after``."""
    conditions = _conditions(log_filter, window)
    if after is not None:
        conditions.append(
            or_(
                LogEntry.created < after.created,
                and_(LogEntry.created == after.created, LogEntry.id < after.id),
            )
        )
    found = session.execute(_entries_query(conditions).limit(limit + 1)).all()
    rows = [_row(entry, performer, namespace) for entry, performer, namespace in found[:limit]]
    next_cursor = None
    if len(found) > limit and rows:
        next_cursor = Cursor(rows[-1].created, rows[-1].id)
    return LogPage(rows, next_cursor)


def iter_entries(
    session: Session, log_filter: LogFilter, window: Window, *, batch: int = 500
) -> Iterator[list[LogRow]]:
    """Every entry in ``window`` in batches (newest first), for exports."""
    after: Cursor | None = None
    while True:
        page = list_entries(session, log_filter, window, after=after, limit=batch)
        if page.rows:
            yield page.rows
        if page.next_cursor is None:
            return
        after = page.next_cursor


@dataclass(frozen=True)
class KindCount:
    """How many entries of one kind were written on one (UTC) day."""

    kind: str
    day: date
    count: int


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def aggregate_counts(session: Session, log_filter: LogFilter, window: Window) -> list[KindCount]:
    """Entries per kind and day in ``window`` (at most four weeks: a longer span is a 400)."""
    if window.end - window.start >= MAX_AGGREGATE_SPAN:
        raise DataModelError("Invalid date range for logs")
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        day = func.date(func.timezone("UTC", LogEntry.created))
    else:
        day = func.date(LogEntry.created)
    query = (
        select(LogEntry.kind, day.label("day"), func.count().label("n"))
        .where(*_conditions(log_filter, window))
        .group_by(LogEntry.kind, day)
    )
    counts = [KindCount(kind, _as_date(found_day), int(n)) for kind, found_day, n in session.execute(query)]
    return sorted(counts, key=lambda c: (c.day, c.kind))
