"""Latency of an authenticated ``GET /api/v1/user/`` on Berth, beside the reference registry's ``GET /v2/``.

Starts a real ``berth serve`` (SQLite + local disk in a temp folder) and the reference registry
(``/usr/bin/docker-registry serve config.yml``, Debian's ``docker-registry`` package) on two free
loopback ports, then times sequential requests from one keep-alive httpx client against each and
prints p50/p95/p99 and the Berth/reference ratios. Everything is bounded and torn down on exit.

    .venv/bin/python bench/api_latency.py [--requests 2000] [--warmup 200] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import yaml

REFERENCE_BINARY = "/usr/bin/docker-registry"
TARGET_P50_MS = 5.0
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Stats:
    """Latency percentiles of one series, in milliseconds."""

    name: str
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    with httpx.Client(timeout=2) as probe:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"{process.args!r} exited with {process.returncode}:\n{log.read_text()}")
            try:
                if probe.get(url).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {START_TIMEOUT_S:.0f}s:\n{log.read_text()}")


@contextmanager
def running(
    command: list[str], *, name: str, cwd: Path, env: dict[str, str], ready_url: str
) -> Iterator[None]:
    """Run ``command`` until the block ends; it is always terminated (then killed if it lingers)."""
    log = cwd / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(ready_url, process, log)
        yield
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def berth_command(workdir: Path, port: int, log_level: str) -> tuple[list[str], dict[str, str]]:
    config = {
        "SERVER_HOSTNAME": f"127.0.0.1:{port}",
        "DB_URI": f"sqlite:///{workdir / 'berth' / 'berth.db'}",
        "DISTRIBUTED_STORAGE_CONFIG": {
            "default": ["LocalStorage", {"storage_path": str(workdir / "berth" / "blobs")}]
        },
        "DISTRIBUTED_STORAGE_PREFERENCE": ["default"],
        "PASSWORD_HASH_COST": "low",
        "LOG_LEVEL": log_level,
    }
    path = workdir / "berth.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERTH_")}
    command = [sys.executable, "-m", "berth", "serve", "--config", str(path), "--host", "127.0.0.1"]
    return [*command, "--port", str(port)], env


def reference_command(workdir: Path, port: int) -> list[str]:
    config = {
        "version": 0.1,
        "log": {"level": "error", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(workdir / "reference")}, "delete": {"enabled": True}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }
    path = workdir / "reference.yml"
    path.write_text(yaml.safe_dump(config))
    return [REFERENCE_BINARY, "serve", str(path)]


def measure(name: str, call: Callable[[], httpx.Response], *, requests: int, warmup: int) -> Stats:
    for _ in range(warmup):
        call().raise_for_status()
    samples: list[float] = []
    for _ in range(requests):
        started = time.perf_counter_ns()
        response = call()
        samples.append((time.perf_counter_ns() - started) / 1e6)
        if response.status_code != 200:
            raise SystemExit(f"{name}: unexpected {response.status_code}: {response.text[:200]}")
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return Stats(
        name=name,
        requests=requests,
        p50_ms=round(statistics.median(samples), 3),
        p95_ms=round(cuts[94], 3),
        p99_ms=round(cuts[98], 3),
        mean_ms=round(statistics.fmean(samples), 3),
        max_ms=round(max(samples), 3),
    )


def run(requests: int, warmup: int, log_level: str) -> dict[str, object]:
    if not Path(REFERENCE_BINARY).is_file():
        raise SystemExit(f"{REFERENCE_BINARY} not found: apt-get install docker-registry")
    workdir = Path(tempfile.mkdtemp(prefix="berth-bench-"))
    try:
        berth_port, reference_port = free_port(), free_port()
        berth_url, reference_url = f"http://127.0.0.1:{berth_port}", f"http://127.0.0.1:{reference_port}"
        command, env = berth_command(workdir, berth_port, log_level)
        with (
            running(command, name="berth", cwd=workdir, env=env, ready_url=f"{berth_url}/health/instance"),
            running(
                reference_command(workdir, reference_port),
                name="reference",
                cwd=workdir,
                env=dict(os.environ),
                ready_url=f"{reference_url}/v2/",
            ),
            httpx.Client(timeout=REQUEST_TIMEOUT_S) as client,
        ):
            initialized = client.post(
                f"{berth_url}/api/v1/user/initialize",
                json={
                    "username": "bench",
                    "password": "bench-password-1",
                    "email": "b@x.io",
                    "access_token": True,
                },
            )
            initialized.raise_for_status()
            auth = {"Authorization": f"Bearer {initialized.json()['access_token']}"}
            berth = measure(
                "berth GET /api/v1/user/ (bearer)",
                lambda: client.get(f"{berth_url}/api/v1/user/", headers=auth),
                requests=requests,
                warmup=warmup,
            )
            reference = measure(
                "reference GET /v2/",
                lambda: client.get(f"{reference_url}/v2/", headers=auth),
                requests=requests,
                warmup=warmup,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "berth": asdict(berth),
        "reference": asdict(reference),
        "ratio_p50": round(berth.p50_ms / reference.p50_ms, 2),
        "ratio_p95": round(berth.p95_ms / reference.p95_ms, 2),
        "target_p50_ms": TARGET_P50_MS,
        "meets_target": berth.p50_ms <= TARGET_P50_MS,
        "log_level": log_level,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000, help="timed requests per server")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests first")
    parser.add_argument("--log-level", default="INFO", help="Berth's LOG_LEVEL (INFO logs every request)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 100_000 or not 0 <= args.warmup <= 10_000:
        parser.error("--requests must be 1..100000 and --warmup 0..10000")
    result = run(args.requests, args.warmup, args.log_level)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{'series':<36} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean':>8} {'max':>8}")
    for key in ("berth", "reference"):
        s = result[key]
        assert isinstance(s, dict)
        print(
            f"{s['name']:<36} {s['requests']:>6} {s['p50_ms']:>8.3f} {s['p95_ms']:>8.3f} "
            f"{s['p99_ms']:>8.3f} {s['mean_ms']:>8.3f} {s['max_ms']:>8.3f}"
        )
    verdict = "meets" if result["meets_target"] else "MISSES"
    print(f"ratio berth/reference: p50 {result['ratio_p50']}x, p95 {result['ratio_p95']}x")
    print(f"target p50 <= {TARGET_P50_MS} ms: {verdict} (LOG_LEVEL={args.log_level})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
