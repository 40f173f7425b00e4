"""The garbage-collection worker: runs the steps of :mod:`berth.content.gc` batch by batch.

``run_once`` commits after every batch and deletes queued bytes only after the commit that queued
them; ``dry_run`` runs the same steps in one transaction it rolls back, so it lists exactly what a
real pass would remove now (and deletes no bytes).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from berth.config import Settings
from berth.content.gc import STEPS, GcOptions, Report, delete_pending_bytes, sweep_direct_staging
from berth.runtime import Runtime

log = logging.getLogger("berth.workers.gc")


def options_for(settings: Settings) -> GcOptions:
    """The collector's options from the configuration."""
    return GcOptions(
        grace_s=settings.push_temp_tag_expiration_s, upload_max_age_s=settings.blob_upload_max_age_s
    )


@dataclass
class GcSummary:
    """What a pass removed (or, for a dry run, would remove)."""

    counts: Counter[str] = field(default_factory=Counter)
    blob_bytes: int = 0
    upload_bytes: int = 0
    deleted_objects: int = 0
    deleted_bytes: int = 0

    @property
    def total(self) -> int:
        """Items removed, of every kind."""
        return sum(self.counts.values())

    def add(self, kind: str, size: int) -> None:
        """Count one item."""
        self.counts[kind] += 1
        if kind == "blob":
            self.blob_bytes += size
        elif kind == "upload":
            self.upload_bytes += size

    def as_dict(self) -> dict[str, int]:
        """Counts and bytes, for logs and ``--dry-run`` output."""
        return {
            **dict(sorted(self.counts.items())),
            "blob_bytes": self.blob_bytes,
            "upload_bytes": self.upload_bytes,
            "deleted_objects": self.deleted_objects,
            "deleted_bytes": self.deleted_bytes,
        }


StepHook = Callable[[str], None]


def _noop_step(_name: str) -> None:
    return None


def _noop_item(_kind: str, _name: str, _size: int) -> None:
    return None


def run_once(runtime: Runtime) -> int:
    """One full pass (the runner's work); returns the number of items removed."""
    return collect(runtime).total


def collect(runtime: Runtime, *, on_step: StepHook = _noop_step, on_item: Report = _noop_item) -> GcSummary:
    """One full pass: every step until it finds nothing, then the queued bytes."""
    options = options_for(runtime.settings)
    summary = GcSummary()

    def report(kind: str, name: str, size: int) -> None:
        summary.add(kind, size)
        on_item(kind, name, size)

    for name, step in STEPS:
        on_step(name)
        while True:
            with runtime.db.transaction(write=True) as session:
                handled = step(session, runtime.clock(), options, report)
            if handled == 0:
                break
        log.info("gc step", extra={"step": name, **summary.as_dict()})
    on_step("bytes")
    while True:
        with runtime.db.transaction(write=True) as session:
            handled, objects, size = delete_pending_bytes(session, runtime.storage, options)
        summary.deleted_objects += objects
        summary.deleted_bytes += size
        if objects:
            on_item("bytes", f"{objects} objects", size)
        if handled == 0:
            break
    on_step("staging")
    swept_before = summary.upload_bytes
    swept = sweep_direct_staging(runtime.storage, runtime.clock(), options, report)
    summary.deleted_objects += swept
    summary.deleted_bytes += summary.upload_bytes - swept_before
    log.info("gc pass", extra=summary.as_dict())
    return summary


class _Rollback(Exception):
    """Ends the dry run's transaction without committing."""


def dry_run(runtime: Runtime, *, on_item: Report = _noop_item) -> GcSummary:
    """What :func:`collect` would remove now, found in a transaction that is rolled back."""
    options = options_for(runtime.settings)
    summary = GcSummary()
    now = runtime.clock()

    def report(kind: str, name: str, size: int) -> None:
        summary.add(kind, size)
        on_item(kind, name, size)

    try:
        with runtime.db.transaction(write=True) as session:
            for _name, step in STEPS:
                while step(session, now, options, report):
                    session.flush()
            raise _Rollback
    except _Rollback:
        pass
    sweep_direct_staging(runtime.storage, now, options, report, dry=True)
    summary.deleted_objects = summary.counts["blob"] + summary.counts["upload"]
    summary.deleted_bytes = summary.blob_bytes + summary.upload_bytes
    return summary


def gc_worker(runtime: Runtime) -> Callable[[], int]:
    """``run_once`` as a runner's work function (items removed)."""
    return lambda: run_once(runtime)
