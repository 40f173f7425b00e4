"""Registry throughput of Berth beside the reference registry (distribution), on loopback.

Starts a real ``berth serve`` (SQLite + local disk in a temp folder, one process per core) and the reference
registry (``/usr/bin/docker-registry serve config.yml``, Debian's ``docker-registry``), then measures
on each: monolithic blob upload (POST + one PUT), chunked upload (PATCH chunks + PUT), blob download,
all in MiB/s, and manifest PUT+GET pairs per second with 1, 4 and 8 concurrent clients. Both servers
run side by side for the whole run; every round measures each in turn, and the medians of ``--rounds``
rounds are printed with the Berth/reference ratio. Every loop is bounded; both servers are torn down
on exit.

    .venv/bin/python bench/registry_bench.py [--blob-mib 256] [--chunk-mib 16] [--pairs 200]
        [--rounds 3] [--only all|blobs|manifests] [--berth-workers N] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

import httpx
import yaml

REFERENCE_BINARY = "/usr/bin/docker-registry"
START_TIMEOUT_S = 60.0
TIMEOUT = httpx.Timeout(300.0)
MIB = 1024 * 1024
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway password for a temp instance


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early ({url})")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not start: {url}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=20)


@dataclass
class Target:
    """A registry under test: its base URL, the repository used and the headers to send."""

    name: str
    url: str
    repo: str
    headers: dict[str, str] = field(default_factory=dict)
    pid: int = 0


@contextmanager
def postgres_database(admin_uri: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one run (dropped afterwards); yields its URI."""
    from sqlalchemy import create_engine, text

    name = f"berth_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_uri, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_uri.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def berth(root: Path, workers: int = 1, db_uri: str | None = None) -> Iterator[Target]:
    """A Berth server with user ``bench``; its registry token grants push and pull on ``bench/blobs``.

    ``db_uri``: the database (default: SQLite in ``root``).
    """
    port = _free_port()
    config = {
        "SERVER_HOSTNAME": f"127.0.0.1:{port}",
        "DB_URI": db_uri or f"sqlite:///{root / 'berth.db'}",
        "DISTRIBUTED_STORAGE_CONFIG": {"default": ["LocalStorage", {"storage_path": str(root / "storage")}]},
        "DISTRIBUTED_STORAGE_PREFERENCE": ["default"],
        "LOG_LEVEL": "WARNING",
    }
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    base = [sys.executable, "-m", "berth", "--config", str(root / "config.yaml")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERTH_")}
    subprocess.run(
        [*base, "user", "create", "bench", "--email", "bench@example.com", "--password", PASSWORD],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with (root / "berth.log").open("wb") as log:
        process = subprocess.Popen(
            [*base, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait(f"{url}/v2/", process)
        token = httpx.get(
            f"{url}/v2/auth",
            params={"service": f"127.0.0.1:{port}", "scope": "repository:bench/blobs:push,pull"},
            auth=("bench", PASSWORD),
            timeout=TIMEOUT,
        ).json()["token"]
        yield Target("berth", url, "bench/blobs", {"Authorization": f"Bearer {token}"}, pid=process.pid)
    finally:
        _stop(process)


@contextmanager
def reference(root: Path) -> Iterator[Target]:
    """The reference registry with filesystem storage and no auth."""
    port = _free_port()
    config = {
        "version": 0.1,
        "log": {"level": "error", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(root / "storage")}, "delete": {"enabled": True}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }
    (root / "config.yml").write_text(yaml.safe_dump(config))
    with (root / "registry.log").open("wb") as log:
        process = subprocess.Popen(
            [REFERENCE_BINARY, "serve", str(root / "config.yml")], stdout=log, stderr=log
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait(f"{url}/v2/", process)
        yield Target("reference", url, "bench/blobs", pid=process.pid)
    finally:
        _stop(process)


class Payload:
    """``size`` bytes made of a repeated random 1 MiB block, streamed in 1 MiB pieces."""

    def __init__(self, size_mib: int) -> None:
        self.block = os.urandom(MIB)
        self.size = size_mib * MIB
        hasher = hashlib.sha256()
        for piece in self.pieces(0, self.size):
            hasher.update(piece)
        self.digest = "sha256:" + hasher.hexdigest()

    def pieces(self, start: int, end: int) -> Iterator[bytes]:
        """The bytes ``[start, end)`` (block-aligned ``start``)."""
        offset = start
        while offset < end:
            piece = self.block[: min(MIB, end - offset)]
            offset += len(piece)
            yield piece


def _absolute(target: Target, location: str) -> str:
    return location if location.startswith("http") else target.url + location


def _start_upload(http: httpx.Client, target: Target) -> str:
    response = http.post(f"{target.url}/v2/{target.repo}/blobs/uploads/", headers=target.headers)
    response.raise_for_status()
    return _absolute(target, response.headers["Location"])


def _join(location: str, **params: str) -> str:
    return location + ("&" if "?" in location else "?") + "&".join(f"{k}={v}" for k, v in params.items())


def upload_monolithic(http: httpx.Client, target: Target, payload: Payload) -> float:
    """Seconds to POST then PUT the whole payload in one request."""
    started = time.perf_counter()
    location = _start_upload(http, target)
    headers = {
        **target.headers,
        "Content-Type": "application/octet-stream",
        "Content-Length": str(payload.size),
    }
    response = http.put(
        _join(location, digest=payload.digest), content=payload.pieces(0, payload.size), headers=headers
    )
    response.raise_for_status()
    return time.perf_counter() - started


def upload_chunked(http: httpx.Client, target: Target, payload: Payload, chunk: int) -> float:
    """Seconds to upload the payload as PATCH chunks of ``chunk`` bytes, then PUT."""
    started = time.perf_counter()
    location = _start_upload(http, target)
    for offset in range(0, payload.size, chunk):
        end = min(offset + chunk, payload.size)
        headers = {
            **target.headers,
            "Content-Type": "application/octet-stream",
            "Content-Range": f"{offset}-{end - 1}",
            "Content-Length": str(end - offset),
        }
        response = http.patch(location, content=payload.pieces(offset, end), headers=headers)
        response.raise_for_status()
        location = _absolute(target, response.headers["Location"])
    response = http.put(_join(location, digest=payload.digest), headers=target.headers)
    response.raise_for_status()
    return time.perf_counter() - started


def download(http: httpx.Client, target: Target, payload: Payload) -> float:
    """Seconds to fetch the blob and check its digest.

    Read with the standard library's ``http.client`` straight into one 4 MiB buffer and hashed with
    OpenSSL's SHA-256 (which releases the GIL): a general HTTP client re-chunking the stream in Python
    would be what is measured, for both servers alike.
    """
    del http  # a plain http.client connection, fresh for each download
    url = httpx.URL(f"{target.url}/v2/{target.repo}/blobs/{payload.digest}")
    buffer = bytearray(4 * MIB)
    view = memoryview(buffer)
    hasher = hashlib.sha256()
    received = 0
    started = time.perf_counter()
    connection = HTTPConnection(url.host, url.port, timeout=TIMEOUT.read)
    try:
        connection.request("GET", url.raw_path.decode(), headers=target.headers)
        response = connection.getresponse()
        if response.status != 200:
            raise RuntimeError(f"download answered {response.status}")
        while count := response.readinto(view):
            hasher.update(view[:count])
            received += count
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    assert received == payload.size, (received, payload.size)
    assert "sha256:" + hasher.hexdigest() == payload.digest
    return elapsed


def _small_blob(http: httpx.Client, target: Target, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    location = _start_upload(http, target)
    http.put(_join(location, digest=digest), content=data, headers=target.headers).raise_for_status()
    return digest


def manifest_pairs(target: Target, clients: int, pairs: int, round_number: int = 0) -> float:
    """PUT+GET pairs per second with ``clients`` concurrent clients doing ``pairs`` in total.

    Every pair pushes a new manifest under a new tag (``round_number`` keeps rounds apart).
    """
    with httpx.Client(timeout=TIMEOUT) as http:
        config, layer = b'{"architecture":"amd64","os":"linux"}', os.urandom(1024)
        descriptors = [(d, len(b)) for d, b in ((_small_blob(http, target, b), b) for b in (config, layer))]
    per_client = max(pairs // clients, 1)

    def run(worker: int) -> None:
        with httpx.Client(timeout=TIMEOUT) as http:
            for i in range(per_client):
                manifest = json.dumps(
                    {
                        "schemaVersion": 2,
                        "mediaType": OCI_MANIFEST,
                        "config": {
                            "mediaType": "application/vnd.oci.image.config.v1+json",
                            "digest": descriptors[0][0],
                            "size": descriptors[0][1],
                        },
                        "layers": [
                            {
                                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                                "digest": descriptors[1][0],
                                "size": descriptors[1][1],
                            }
                        ],
                        "annotations": {"n": f"r{round_number}-{clients}-{worker}-{i}"},
                    }
                ).encode()
                url = f"{target.url}/v2/{target.repo}/manifests/r{round_number}-c{clients}-w{worker}-{i}"
                put = http.put(
                    url, content=manifest, headers={**target.headers, "Content-Type": OCI_MANIFEST}
                )
                put.raise_for_status()
                get = http.get(url, headers={**target.headers, "Accept": OCI_MANIFEST})
                get.raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(run, range(clients)))
    return (per_client * clients) / (time.perf_counter() - started)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def measure_all(
    targets: dict[str, Target], payload: Payload, *, chunk_mib: int, pairs: int, rounds: int, only: str
) -> dict[str, dict[str, float]]:
    """Every measurement, taken in turn on each registry (both running), ``rounds`` times: medians.

    Both servers run for the whole benchmark and each round measures them one after the other, so a
    burst of load on the machine hits both series rather than one.
    """
    mib = payload.size / MIB
    samples: dict[str, dict[str, list[float]]] = {name: {} for name in targets}

    def record(name: str, key: str, value: float) -> None:
        samples[name].setdefault(key, []).append(value)

    for round_number in range(rounds):
        for name, target in targets.items():
            if only in ("all", "blobs"):
                with httpx.Client(timeout=TIMEOUT) as http:
                    record(name, "monolithic upload MiB/s", mib / upload_monolithic(http, target, payload))
                    seconds = upload_chunked(http, target, payload, chunk_mib * MIB)
                    record(name, "chunked upload MiB/s", mib / seconds)
                    record(name, "download MiB/s", mib / download(http, target, payload))
        for clients in (1, 4, 8) if only in ("all", "manifests") else ():
            for name, target in targets.items():
                record(
                    name,
                    f"manifest PUT+GET pairs/s ({clients} clients)",
                    manifest_pairs(target, clients, pairs, round_number),
                )
    return {
        name: {key: _median(values) for key, values in series.items()} for name, series in samples.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--blob-mib", type=int, default=256)
    parser.add_argument("--chunk-mib", type=int, default=16)
    parser.add_argument("--pairs", type=int, default=200, help="manifest PUT+GET pairs per concurrency level")
    parser.add_argument(
        "--berth-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="berth serve processes (default: one per core, as the reference registry uses every core)",
    )
    parser.add_argument(
        "--only", choices=("all", "blobs", "manifests"), default="all", help="which measurements to run"
    )
    parser.add_argument(
        "--berth-db",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="Berth's database: embedded SQLite (default) or a fresh database on --pg-admin-uri",
    )
    parser.add_argument("--pg-admin-uri", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per measurement (medians are reported)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not Path(REFERENCE_BINARY).exists():
        print(f"{REFERENCE_BINARY} not found: install Debian's docker-registry", file=sys.stderr)
        return 2
    payload = Payload(args.blob_mib)
    with ExitStack() as stack:
        db_uri = (
            stack.enter_context(postgres_database(args.pg_admin_uri))
            if args.berth_db == "postgresql"
            else None
        )
        starters: list[tuple[str, Callable[[Path], AbstractContextManager[Target]]]] = [
            ("berth", lambda root: berth(root, args.berth_workers, db_uri)),
            ("reference", reference),
        ]
        targets: dict[str, Target] = {}
        for name, starter in starters:
            root = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
            stack.callback(shutil.rmtree, root, ignore_errors=True)
            targets[name] = stack.enter_context(starter(root))
        results = measure_all(
            targets, payload, chunk_mib=args.chunk_mib, pairs=args.pairs, rounds=args.rounds, only=args.only
        )
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{'measure':45} {'berth':>10} {'reference':>10} {'ratio':>7}")
    for key, value in results["berth"].items():
        ref = results["reference"][key]
        print(f"{key:45} {value:10.1f} {ref:10.1f} {value / ref:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
