"""Login throttling, as Quay does it: failed password checks back off exponentially per username.

Any edge that checks a password (``/api/v1/signin``, ``/v2/auth``, client keys) calls
:func:`check_allowed` before verifying and :func:`record_failure` / :func:`record_success` after.
State lives in the ``login_failure`` table keyed by the lower-cased username, so unknown names are
throttled exactly like known ones (a 429 does not reveal whether an account exists). While a name
is throttled no password is checked and nothing is counted, so retrying early cannot extend the wait.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from berth.accounts.models import LoginFailure
from berth.errors import TooManyRequests

BACKOFF_BASE_S = 5
BACKOFF_MAX_S = 3600
THROTTLED_MESSAGE = "Too many login attempts. \nPlease reset your Quay password and try again."


class LoginThrottled(TooManyRequests):
    """Quay's ``TooManyLoginAttemptsException``: rendered as plain text with ``Retry-After``."""


def backoff_seconds(failures: int) -> int:
    """Quay's curve ``5 * (2**n - 1)`` seconds after ``n`` consecutive failures, capped at an hour."""
    if failures <= 0:
        return 0
    if failures >= 12:  # 5 * (2**12 - 1) already exceeds the cap
        return BACKOFF_MAX_S
    return min(BACKOFF_BASE_S * ((1 << failures) - 1), BACKOFF_MAX_S)


def _key(username: str) -> str:
    return username.strip().lower()[:255]


def check_allowed(session: Session, username: str, *, now: datetime) -> None:
    """Raise :class:`LoginThrottled` while ``username`` must still wait after failed attempts."""
    row = session.get(LoginFailure, _key(username), populate_existing=True)
    if row is None or row.retry_at <= now:
        return
    wait = math.ceil((row.retry_at - now).total_seconds())
    raise LoginThrottled(THROTTLED_MESSAGE, retry_after=max(wait, 1))


def record_failure(session: Session, username: str, *, now: datetime) -> int:
    """Count one more failure for ``username``; returns the seconds it must now wait.

    The counter is bumped by one atomic upsert, so concurrent failures neither collide on the
    primary key nor lose a count.
    """
    key = _key(username)
    first_wait = timedelta(seconds=backoff_seconds(1))
    values = {"username": key, "failures": 1, "last_failure": now, "retry_at": now + first_wait}
    bump = {"failures": LoginFailure.failures + 1, "last_failure": now}
    if session.get_bind().dialect.name == "postgresql":
        pg = pg_insert(LoginFailure).values(**values)
        session.execute(pg.on_conflict_do_update(index_elements=[LoginFailure.username], set_=bump))
    else:
        lite = sqlite_insert(LoginFailure).values(**values)
        session.execute(lite.on_conflict_do_update(index_elements=[LoginFailure.username], set_=bump))
    failures = session.scalar(select(LoginFailure.failures).where(LoginFailure.username == key)) or 1
    wait = backoff_seconds(failures)
    session.execute(
        update(LoginFailure)
        .where(LoginFailure.username == key)
        .values(retry_at=now + timedelta(seconds=wait))
    )
    return wait


def record_success(session: Session, username: str) -> None:
    """A correct password resets the counter."""
    session.execute(delete(LoginFailure).where(LoginFailure.username == _key(username)))


def failures_for(session: Session, username: str) -> int:
    """How many consecutive failures are on record for ``username``."""
    row = session.get(LoginFailure, _key(username), populate_existing=True)
    return row.failures if row is not None else 0


def purge_stale(session: Session, *, before: datetime) -> int:
    """Delete counters whose wait ended before ``before`` (for a periodic worker); returns the count."""
    result = session.execute(delete(LoginFailure).where(LoginFailure.retry_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
