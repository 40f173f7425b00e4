"""Quay's JSON shapes for quotas, and its size strings (``"10 GiB"`` in, ``"10.0 GiB"`` out)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from berth.quotas.models import NamespaceQuota, NamespaceQuotaLimit

_BINARY_UNITS = ("Byte", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
_PREFIXES = "kmgtpe"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")


def human_size(limit_bytes: int) -> str:
    """The size with the largest binary prefix that keeps the value at least 1, one decimal
    (``3000`` -> ``"2.9 KiB"``, ``500`` -> ``"500.0 Byte"``), as Quay's ``limit`` field."""
    value = float(limit_bytes)
    unit = 0
    while unit < len(_BINARY_UNITS) - 1 and abs(value) >= 1024:
        value /= 1024
        unit += 1
    return f"{value:.1f} {_BINARY_UNITS[unit]}"


def parse_size(text: str) -> int | None:
    """Bytes named by a size string: a plain number is bytes, ``K M G T P E`` are powers of 1000
    and ``Ki Mi Gi...`` (with or without a trailing ``B``) powers of 1024; None if unreadable."""
    match = _SIZE.match(text)
    if match is None:
        return None
    try:
        number = Decimal(match.group(1))
    except InvalidOperation:
        return None
    unit = match.group(2).lower()
    if unit in ("", "b", "byte", "bytes"):
        return int(number)
    prefix, rest = unit[0], unit[1:]
    if prefix not in _PREFIXES or rest not in ("", "b", "i", "ib"):
        return None
    power = _PREFIXES.index(prefix) + 1
    base = 1024 if rest.startswith("i") else 1000
    return int(number * base**power)


def limit_view(limit: NamespaceQuotaLimit) -> dict[str, Any]:
    """One threshold: ``{id, type, limit_percent}``."""
    return {"id": limit.id, "type": limit.quota_type.value, "limit_percent": limit.percent_of_limit}


def quota_view(quota: NamespaceQuota, limits: list[NamespaceQuotaLimit]) -> dict[str, Any]:
    """A quota as the quota endpoints show it."""
    return {
        "id": quota.id,
        "limit_bytes": quota.limit_bytes,
        "limit": human_size(quota.limit_bytes),
        "default_config": False,
        "limits": [limit_view(limit) for limit in limits],
        # Berth has no system-wide default quota (Quay's DEFAULT_SYSTEM_REJECT_QUOTA_BYTES, 0 by default).
        "default_config_exists": False,
    }


def quota_brief_view(quota: NamespaceQuota, limits: list[NamespaceQuotaLimit]) -> dict[str, Any]:
    """A quota inside organization and user views (``quotas``): ``{id, limit_bytes, limits}``."""
    return {"id": quota.id, "limit_bytes": quota.limit_bytes, "limits": [limit_view(x) for x in limits]}
