"""The deferred usage-log writer (pull entries written after the response), against a real database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from berth.app import create_app
from berth.auditlog.deferred import DeferredLogWriter
from berth.auditlog.models import LogEntry
from berth.auditlog.service import Actor, entry_row
from berth.runtime import Runtime
from tests.conftest import Clock


def _row(runtime: Runtime, clock: Clock, tag: str) -> dict[str, object]:
    return entry_row(
        "pull_repo",
        actor=Actor(account_id=None, ip="10.0.0.1"),
        now=clock(),
        metadata={"namespace": "ns", "repo": "r", "tag": tag},
    )


def _tags(runtime: Runtime) -> list[str]:
    with runtime.db.transaction(write=False) as session:
        entries = session.scalars(select(LogEntry).order_by(LogEntry.id)).all()
        return [entry.metadata_json["tag"] for entry in entries if entry.kind == "pull_repo"]


def test_entries_are_written_by_the_thread_without_a_flush(runtime: Runtime, clock: Clock) -> None:
    writer = DeferredLogWriter(lambda: runtime.db.transaction(write=True), interval=0.05)
    try:
        for tag in ("a", "b", "c"):
            writer.add(_row(runtime, clock, tag))
        deadline = time.monotonic() + 10
        while _tags(runtime) != ["a", "b", "c"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _tags(runtime) == ["a", "b", "c"]
        assert writer.pending == 0
    finally:
        writer.close()


def test_close_writes_what_is_left_and_a_later_entry_restarts_the_writer(
    runtime: Runtime, clock: Clock
) -> None:
    writer = DeferredLogWriter(lambda: runtime.db.transaction(write=True), interval=3600)
    writer.add(_row(runtime, clock, "before-close"))
    assert _tags(runtime) == []  # an hour's interval: nothing written yet
    writer.close()
    assert _tags(runtime) == ["before-close"]
    writer.add(_row(runtime, clock, "after-close"))
    assert writer.flush() == 1
    assert _tags(runtime) == ["before-close", "after-close"]
    writer.close()


def test_a_failed_write_keeps_the_entries_queued_in_order(runtime: Runtime, clock: Clock) -> None:
    failures = [RuntimeError("database unavailable")]

    @contextmanager
    def flaky() -> Iterator[Session]:
        if failures:
            raise failures.pop()
        with runtime.db.transaction(write=True) as session:
            yield session

    writer = DeferredLogWriter(flaky, interval=3600)
    for tag in ("x", "y"):
        writer.add(_row(runtime, clock, tag))
    with pytest.raises(RuntimeError):
        writer.flush()
    assert writer.pending == 2
    assert writer.flush() == 2
    assert _tags(runtime) == ["x", "y"]
    writer.close()


def test_app_shutdown_writes_queued_pull_entries(runtime: Runtime, clock: Clock) -> None:
    with TestClient(create_app(runtime.settings, runtime)):
        runtime.deferred_logs.add(_row(runtime, clock, "queued-at-shutdown"))
    assert _tags(runtime) == ["queued-at-shutdown"]
