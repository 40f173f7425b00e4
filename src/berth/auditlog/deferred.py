"""Usage-log entries written after the response, in batches: the ``pull_repo`` entries of pulls.

A pull reads and never writes, except for its usage-log entry. Writing that entry in the request would
make every pull take the database's write lock (SQLite has one for the whole database), so pulls would
queue behind each other and behind pushes. Instead a pull queues its entry here, and one background
thread per process writes whatever has queued in a single transaction, at most ``interval`` seconds
later. The app flushes the queue when it shuts down; a crash loses at most the last interval's pull
entries (never a push's or any other mutation's, which stay in their own transaction).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy.orm import Session

from berth.auditlog.service import insert_entries

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 0.2
MAX_QUEUED = 100_000
MAX_BATCH = 1000

Transaction = Callable[[], AbstractContextManager[Session]]


class DeferredLogWriter:
    """A queue of log-entry rows (from :func:`berth.auditlog.service.entry_row`) and its writer thread."""

    def __init__(self, transaction: Transaction, *, interval: float = DEFAULT_INTERVAL_S) -> None:
        self._transaction = transaction
        self._interval = interval
        self._queue: deque[dict[str, Any]] = deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self.dropped = 0

    def add(self, row: dict[str, Any]) -> None:
        """Queue one entry; the writer thread starts with the first one."""
        if len(self._queue) >= MAX_QUEUED:
            self.dropped += 1
            return
        self._queue.append(row)
        if self._thread is None:
            self._start()

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._stop = threading.Event()
                self._thread = threading.Thread(
                    target=self._run, args=(self._stop,), name="berth-deferred-log", daemon=True
                )
                self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            if stop.is_set():
                return
            try:
                self.flush()
            except Exception as exc:  # keep the thread alive; the rows stay queued for the next try
                log.warning("deferred log write failed", extra={"error": type(exc).__name__})

    def flush(self) -> int:
        """Write every queued entry now (in batches of ``MAX_BATCH``); returns how many were written."""
        written = 0
        with self._flush_lock:
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(len(self._queue), MAX_BATCH))]
                try:
                    with self._transaction() as session:
                        insert_entries(session, batch)
                except Exception:
                    self._queue.extendleft(reversed(batch))
                    raise
                written += len(batch)
        return written

    @property
    def pending(self) -> int:
        """Entries queued and not yet written."""
        return len(self._queue)

    def close(self) -> None:
        """Stop the writer thread and write what is left (a later entry starts a new thread)."""
        with self._start_lock:
            thread, self._thread = self._thread, None
            self._stop.set()
        self._wake.set()
        if thread is not None:
            thread.join(timeout=10)
        self.flush()
