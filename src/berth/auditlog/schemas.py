"""Quay's JSON shapes for usage-log entries and per-day counts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from berth.accounts.models import Account, AccountKind
from berth.auditlog.queries import KindCount, LogRow
from berth.lib.avatar import avatar
from berth.lib.dates import format_quay_date


def _performer_view(account: Account) -> dict[str, Any]:
    is_robot = account.kind == AccountKind.ROBOT
    return {
        "kind": "user",
        "name": account.username,
        "is_robot": is_robot,
        "avatar": avatar(account.username, account.email, "robot" if is_robot else "user"),
    }


def _namespace_view(account: Account) -> dict[str, Any]:
    if account.kind == AccountKind.ORGANIZATION:
        kind, avatar_kind = "org", "org"
    else:
        kind, avatar_kind = "user", "robot" if account.kind == AccountKind.ROBOT else "user"
    picture = avatar(account.username, account.email, avatar_kind)
    return {"kind": kind, "name": account.username, "avatar": picture}


def log_view(row: LogRow, *, include_namespace: bool = False) -> dict[str, Any]:
    """One entry: ``kind``, ``metadata``, ``ip``, ``datetime`` and, when known, ``performer`` (and
    ``namespace`` in the installation-wide list)."""
    view: dict[str, Any] = {
        "kind": row.kind,
        "metadata": row.metadata,
        "ip": row.ip,
        "datetime": format_quay_date(row.created),
    }
    if row.performer is not None:
        view["performer"] = _performer_view(row.performer)
    if include_namespace and row.namespace is not None:
        view["namespace"] = _namespace_view(row.namespace)
    return view


def count_view(count: KindCount) -> dict[str, Any]:
    """One per-day count: ``kind``, ``count`` and the day's midnight as ``datetime``."""
    midnight = datetime(count.day.year, count.day.month, count.day.day, tzinfo=UTC)
    return {"kind": count.kind, "count": count.count, "datetime": format_quay_date(midnight)}
