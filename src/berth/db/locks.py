"""Named transaction locks: PostgreSQL advisory locks on hashed names (SQLite needs none).

SQLite's write transaction already excludes every other writer. On PostgreSQL, writers that would clash
on one name (a tag, a manifest digest of one repository) queue on ``pg_advisory_xact_lock`` and run
one after the other, each seeing what the previous one committed; the locks end with the transaction.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session

_LOCK = text("SELECT pg_advisory_xact_lock(:space, :key)")


def _key(name: str) -> int:
    """A signed 32-bit key for ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


def lock_names(session: Session, space: int, names: list[str]) -> None:
    """Hold a lock on each of ``names`` (within key ``space``) until the transaction ends.

    Locks are taken in one order (sorted keys) by every caller, so two callers never deadlock on them.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    conn = session.connection()
    for key in sorted({_key(name) for name in names}):
        conn.execute(_LOCK, {"space": space, "key": key})
