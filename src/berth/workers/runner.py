"""The loop around a worker: run, sleep, repeat until asked to stop; failures are logged, not fatal."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("berth.workers")


@dataclass
class Runner:
    """Runs ``work`` every ``interval_s`` seconds until :meth:`stop` (a thread or the foreground)."""

    name: str
    work: Callable[[], int]
    interval_s: float
    stopping: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def run_forever(self) -> None:
        """Loop in the calling thread until :meth:`stop`."""
        while not self.stopping.is_set():
            self.run_once()
            self.stopping.wait(self.interval_s)

    def run_once(self) -> int:
        """One pass; an exception is logged (type and place only) and counts as nothing handled."""
        try:
            handled = self.work()
        except Exception:
            log.exception("worker pass failed", extra={"worker": self.name})
            return 0
        if handled:
            log.info("worker pass", extra={"worker": self.name, "handled": handled})
        return handled

    def start(self) -> threading.Thread:
        """Run in a daemon thread."""
        self.thread = threading.Thread(target=self.run_forever, name=f"berth-{self.name}", daemon=True)
        self.thread.start()
        return self.thread

    def stop(self, wait_s: float | None = None) -> None:
        """Ask the loop to end after the current pass; with ``wait_s``, wait that long for its thread."""
        self.stopping.set()
        if wait_s is not None and self.thread is not None:
            self.thread.join(wait_s)
