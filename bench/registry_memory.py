"""Server memory while streaming a large blob, Berth beside the reference registry.

Starts each server (Berth: one process, SQLite + local disk; the reference: Debian's
``docker-registry``), uploads a ``--gib`` GiB blob in one monolithic PUT streamed from a generator,
downloads it back, and samples the server's resident set size (``/proc/<pid>/status`` VmRSS, the
process and its children) every 50 ms. Prints the peak RSS before, during and after for both, and
the Berth/reference ratio. The target is a flat curve: Berth stays under 150 MB while streaming.

    .venv/bin/python bench/registry_memory.py [--gib 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import httpx

from registry_bench import REFERENCE_BINARY, Payload, Target, berth, download, reference, upload_monolithic

MIB = 1024 * 1024
SAMPLE_S = 0.05


def _rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants (0 for processes that ended)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return total


class Sampler:
    """Samples a process tree's RSS in a background thread until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_bytes(self.pid))
            time.sleep(SAMPLE_S)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def measure(target: Target, payload: Payload) -> dict[str, float]:
    """Peak RSS (MB) at rest, during the upload, during the download; throughputs (MiB/s)."""
    results: dict[str, float] = {"idle RSS MB": _rss_bytes(target.pid) / 1e6}
    with httpx.Client(timeout=httpx.Timeout(600.0)) as http:
        with Sampler(target.pid) as sampler:
            seconds = upload_monolithic(http, target, payload)
        results["peak RSS during upload MB"] = sampler.peak / 1e6
        results["upload MiB/s"] = payload.size / MIB / seconds
        with Sampler(target.pid) as sampler:
            seconds = download(http, target, payload)
        results["peak RSS during download MB"] = sampler.peak / 1e6
        results["download MiB/s"] = payload.size / MIB / seconds
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--gib", type=float, default=2.0, help="blob size in GiB")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not Path(REFERENCE_BINARY).exists():
        print(f"{REFERENCE_BINARY} not found: install Debian's docker-registry", file=sys.stderr)
        return 2
    payload = Payload(int(args.gib * 1024))
    starters: list[tuple[str, Callable[[Path], AbstractContextManager[Target]]]] = [
        ("berth", lambda root: berth(root, 1)),
        ("reference", reference),
    ]
    results: dict[str, dict[str, float]] = {}
    for name, starter in starters:
        root = Path(tempfile.mkdtemp(prefix=f"bench-mem-{name}-"))
        try:
            with starter(root) as target:
                results[name] = measure(target, payload)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{args.gib:g} GiB blob, monolithic upload then download")
    print(f"{'measure':32} {'berth':>10} {'reference':>10} {'ratio':>7}")
    for key, value in results["berth"].items():
        ref = results["reference"][key]
        print(f"{key:32} {value:10.1f} {ref:10.1f} {value / ref if ref else float('nan'):7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
