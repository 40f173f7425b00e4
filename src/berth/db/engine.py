"""Engines and transactions for SQLite (embedded default) and PostgreSQL (scale-out).

SQLite runs in WAL mode with a busy timeout; write transactions start with ``BEGIN IMMEDIATE`` so
concurrent writers queue on the lock instead of failing with ``database is locked``.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 60000
T = TypeVar("T")


def _sqlite_engine(uri: str, *, immediate: bool) -> Engine:
    url = make_url(uri)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        uri, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def _lock_file_path(uri: str) -> Path | None:
    database = make_url(uri).database
    if not database or database == ":memory:":
        return None
    return Path(database).with_name(Path(database).name + ".writelock")


class _FileLock:
    """An exclusive ``flock`` on a file beside the database, shared by every process that writes to it.

    The file stays open for the life of the :class:`Database`; the caller serialises the threads of this
    process (the ``flock`` belongs to the open file, not to a thread).
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None
        self._pid = 0
        self._depth = 0  # nested holds by the thread that holds the caller's lock

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked child opens its own
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock until the block ends, even on error."""
        fd = self._descriptor()
        if self._depth == 0:
            fcntl.flock(fd, fcntl.LOCK_EX)
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the file (the lock is free once no block holds it)."""
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None


class Database:
    """Owns the engines; hands out sessions whose transaction is one unit of work."""

    def __init__(self, uri: str, *, echo: bool = False) -> None:
        self.uri = uri
        self.is_sqlite = uri.startswith("sqlite")
        if self.is_sqlite:
            self.write_engine = _sqlite_engine(uri, immediate=True)
            self.read_engine = _sqlite_engine(uri, immediate=False)
        else:
            self.write_engine = create_engine(
                uri, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True
            )
            self.read_engine = self.write_engine
        self._write_sessions = sessionmaker(self.write_engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        # SQLite has one writer at a time. Writers queue on locks that wake the next one at once, instead
        # of on SQLite's busy handler, which polls with sleeps of 1 ms and more: a thread lock within
        # this process, and an flock on a file beside the database across processes (server workers,
        # CLI commands). SQLite's own lock and busy timeout still guard against any other writer.
        self._write_lock = threading.RLock() if self.is_sqlite else None
        lock_path = _lock_file_path(uri) if self.is_sqlite else None
        self._file_lock = _FileLock(lock_path) if lock_path is not None else None

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any exception."""
        if write and self._write_lock is not None:
            with (
                self._write_lock,
                self._file_lock.held() if self._file_lock is not None else nullcontext(),
                self._write_sessions() as session,
                session.begin(),
            ):
                yield session
            return
        factory = self._write_sessions if write else self._read_sessions
        with factory() as session, session.begin():
            yield session

    def retrying(self, work: Callable[[Session], T], *, attempts: int = 3) -> T:
        """Run ``work`` in a write transaction, again in a new one when it ends in an integrity error.

        For writers that run side by side on PostgreSQL and may clash on a unique index; the last
        attempt's error propagates. (On SQLite writers never run side by side.)
        """
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction(write=True) as session:
                    return work(session)
            except IntegrityError:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        """Close every pooled connection and the write-lock file."""
        if self._file_lock is not None:
            self._file_lock.close()
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
