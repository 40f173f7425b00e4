"""Quay's JSON shapes of a service key (the superuser panel's view and the public JWK)."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from typing import Any

from berth.accounts.models import Account
from berth.accounts.superuser import install_user_view
from berth.lib.dates import as_utc
from berth.servicekeys.models import ServiceKey


def http_date(value: datetime | None) -> str | None:
    """Quay renders these dates as Flask does a ``datetime``: ``Thu, 26 Nov 2026 21:26:02 GMT``."""
    return None if value is None else format_datetime(as_utc(value).replace(microsecond=0), usegmt=True)


def sorted_json(value: Any) -> Any:
    """``value`` with every object's keys in order, as Flask's ``jsonify`` writes them in Quay."""
    if isinstance(value, dict):
        return sorted_object(value)
    if isinstance(value, list):
        return [sorted_json(item) for item in value]
    return value


def sorted_object(value: dict[str, Any]) -> dict[str, Any]:
    """A JSON object with its keys in order, recursively (see :func:`sorted_json`)."""
    return {k: sorted_json(value[k]) for k in sorted(value)}


def key_view(key: ServiceKey, approver: Account | None, *, super_users: frozenset[str]) -> dict[str, Any]:
    """A key as ``listServiceKeys`` / ``getServiceKey`` show it (keys sorted at every level, as Quay's)."""
    approval: dict[str, Any] | None = None
    if key.approval_type is not None:
        approval = {
            "approval_type": key.approval_type,
            "approved_date": http_date(key.approved_date),
            "approver": None if approver is None else install_user_view(approver, super_users=super_users),
            "notes": key.approval_notes or "",
        }
    return sorted_object(
        {
            "approval": approval,
            "created_date": http_date(key.created),
            "expiration_date": http_date(key.expiration),
            "jwk": key.jwk,
            "kid": key.kid,
            "metadata": key.metadata_json,
            "name": key.name,
            "rotation_duration": key.rotation_duration,
            "service": key.service,
        }
    )
