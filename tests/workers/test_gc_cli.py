"""``berth gc [--dry-run]``, ``berth worker gc`` and the collector ``berth serve`` runs in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import yaml

from berth.config import FEATURE_DEFAULTS
from berth.runtime import Runtime
from berth.workers.console import start_in_process
from berth.workers.runner import Runner


def _berth(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERTH_")}
    return subprocess.run(
        [sys.executable, "-m", "berth", "--config", str(config), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_gc_commands(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "DB_URI": f"sqlite:///{tmp_path / 'berth.db'}",
                "DISTRIBUTED_STORAGE_CONFIG": {
                    "default": ["LocalStorage", {"storage_path": str(tmp_path / "storage")}]
                },
            }
        )
    )
    dry = _berth(config, "gc", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[-1] == "would delete: nothing; 0 stored objects, 0 bytes (0 B)"
    real = _berth(config, "gc")
    assert real.returncode == 0, real.stderr
    assert real.stdout.splitlines()[-1] == "deleted: nothing; 0 stored objects, 0 bytes (0 B)"
    progress = [json.loads(line) for line in real.stderr.splitlines() if line.startswith("{")]
    steps = [entry["step"] for entry in progress if entry.get("msg") == "gc step"]
    assert steps == [
        "expire tags",
        "time machine",
        "deleted repositories",
        "manifests",
        "blob links",
        "blobs",
        "uploads",
    ]
    assert any(entry.get("msg") == "gc pass" for entry in progress)
    unknown = _berth(config, "worker", "nope")
    assert unknown.returncode == 2
    assert "unknown worker" in unknown.stderr


def test_in_process_collector_starts_and_stops(runtime: Runtime) -> None:
    runner = start_in_process(runtime)
    assert isinstance(runner, Runner)
    assert runner.thread is not None
    runner.stop(wait_s=30)
    assert not runner.thread.is_alive()
    off = replace(runtime.settings, features={**FEATURE_DEFAULTS, "GARBAGE_COLLECTION": False})
    assert start_in_process(replace(runtime, settings=off)) is None


def test_runner_survives_a_failing_pass() -> None:
    calls: list[int] = []

    def work() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        runner.stop()
        return 3

    runner = Runner("test", work, interval_s=0)
    runner.run_forever()
    assert len(calls) == 2
