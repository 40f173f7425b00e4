"""Date formatting in the shapes Quay's API uses."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime (as SQLite returns them) as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_quay_date(value: datetime | None) -> str | None:
    """RFC 2822 as Quay writes it: ``Wed, 08 Jan 2025 19:32:48 -0000``."""
    if value is None:
        return None
    return format_datetime(as_utc(value).replace(tzinfo=None), usegmt=False).replace("+0000", "-0000")


def epoch_seconds(value: datetime | None) -> int | None:
    """Whole seconds since the epoch, or None."""
    if value is None:
        return None
    return int(as_utc(value).timestamp())


def parse_duration(text: str) -> int:
    """Parse Quay-style durations (``30d``, ``2w``, ``12h``, ``90m``, ``45s``) into seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    text = text.strip()
    if not text:
        raise ValueError("empty duration")
    if text.isdigit():
        return int(text)
    number, unit = text[:-1], text[-1].lower()
    if unit not in units or not number.isdigit():
        raise ValueError(f"invalid duration {text!r}: use a number followed by s, m, h, d, w or y")
    return int(number) * units[unit]
