"""The ``berth gc`` and ``berth worker`` commands, and the workers ``berth serve`` runs in-process
(the collector, and the auto-prune worker when ``FEATURE_AUTO_PRUNE`` is on).

On a terminal ``berth gc`` shows a progress bar (rich); otherwise it writes JSON progress logs.
``--dry-run`` prints every item a real pass would remove now and the bytes it would free.
"""

from __future__ import annotations

import logging
import signal
import sys
from typing import TextIO

from berth.runtime import Runtime
from berth.workers import autoprune
from berth.workers.gc import GcSummary, collect, dry_run, gc_worker
from berth.workers.runner import Runner

WORKERS = ("gc", "autoprune")


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover - unreachable


def _summary_line(summary: GcSummary, verb: str) -> str:
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(summary.counts.items())) or "nothing"
    return (
        f"{verb}: {kinds}; {summary.deleted_objects} stored objects, "
        f"{summary.deleted_bytes} bytes ({_human(summary.deleted_bytes)})"
    )


def gc_command(runtime: Runtime, *, dry: bool, out: TextIO = sys.stdout) -> int:
    """``berth gc [--dry-run]``."""
    if dry:

        def show(kind: str, name: str, size: int) -> None:
            suffix = f" ({size} bytes)" if kind in ("blob", "upload") else ""
            print(f"would delete {kind} {name}{suffix}", file=out)

        summary = dry_run(runtime, on_item=show)
        print(_summary_line(summary, "would delete"), file=out)
        return 0
    if out.isatty():
        from rich.progress import Progress, SpinnerColumn, TextColumn

        logging.getLogger("berth.workers.gc").setLevel(logging.WARNING)  # the bar replaces the records

        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.fields[info]}")
        ) as bar:
            task = bar.add_task("gc", info="")
            tally: dict[str, int] = {}

            def step(name: str) -> None:
                bar.update(task, description=f"gc: {name}")

            def item(kind: str, _name: str, _size: int) -> None:
                tally[kind] = tally.get(kind, 0) + 1
                bar.update(task, info=" ".join(f"{k}={v}" for k, v in sorted(tally.items())))

            summary = collect(runtime, on_step=step, on_item=item)
    else:
        summary = collect(runtime)  # progress goes to the JSON log, one record per step
    print(_summary_line(summary, "deleted"), file=out)
    return 0


def worker_command(runtime: Runtime, name: str) -> int:
    """``berth worker NAME``: run one worker in the foreground until SIGINT/SIGTERM."""
    if name not in WORKERS:
        print(f"berth: unknown worker {name!r} (known: {', '.join(WORKERS)})", file=sys.stderr)
        return 2
    if name == "autoprune":
        runner = Runner(name, autoprune.autoprune_worker(runtime), autoprune.INTERVAL_S)
    else:
        runner = Runner(name, gc_worker(runtime), runtime.settings.gc_frequency_s)

    def stop(_signum: int, _frame: object) -> None:
        runner.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    runner.run_forever()
    return 0


def start_in_process(runtime: Runtime) -> Runner | None:
    """The collector as a daemon thread of ``berth serve`` (None when ``FEATURE_GARBAGE_COLLECTION``
    is off)."""
    if not runtime.settings.feature("GARBAGE_COLLECTION"):
        return None
    runner = Runner("gc", gc_worker(runtime), runtime.settings.gc_frequency_s)
    runner.start()
    return runner


def start_autoprune_in_process(runtime: Runtime) -> Runner | None:
    """The auto-prune worker as a daemon thread of ``berth serve`` (None when ``FEATURE_AUTO_PRUNE``
    is off)."""
    if not runtime.settings.feature(autoprune.FEATURE):
        return None
    runner = Runner("autoprune", autoprune.autoprune_worker(runtime), autoprune.INTERVAL_S)
    runner.start()
    return runner
