"""Garbage collection of 10,000 unreferenced blobs: Berth's ``berth gc`` beside the reference registry's
``garbage-collect``, wall time and peak RSS of each command.

Berth: a fresh instance (SQLite + local disk) gets 10,000 blobs (1 KiB files under their content
address, rows linked into one repository two days ago, used by no manifest), seeded through Berth's
models; ``python -m berth gc`` then unlinks and deletes them all. The reference registry gets one
pushed image (so its mark phase has something to walk) and the same 10,000 blob files in its storage
layout; ``docker-registry garbage-collect`` then sweeps them. Peak RSS is the high-water mark of each
command's process (``VmHWM`` polled every 10 ms). Bounded, loopback only, everything removed on exit.

    .venv/bin/python bench/gc_bench.py [--blobs 10000] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import insert, select

from berth.accounts.models import Account
from berth.content.models import Blob, RepositoryBlob
from berth.db.engine import Database
from berth.repos.models import Repository, Visibility
from registry_bench import REFERENCE_BINARY, reference

OCI = "application/vnd.oci.image.manifest.v1+json"


def _blobs(count: int) -> list[tuple[str, bytes]]:
    out = []
    for i in range(count):
        data = i.to_bytes(8, "big") * 128
        out.append((hashlib.sha256(data).hexdigest(), data))
    return out


def _hwm_mib(pid: int) -> float:
    """The process's resident-set high-water mark (``VmHWM``; per address space, so not inherited)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def _run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``command``; its wall time (s), peak RSS (MiB, polled every 10 ms) and output."""
    began = time.perf_counter()
    peak = 0.0
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        while process.poll() is None:
            peak = max(peak, _hwm_mib(process.pid))
            time.sleep(0.01)
        elapsed = time.perf_counter() - began
        out.seek(0)
        text = out.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{command[:4]} failed: {text[-2000:]}")
    return elapsed, peak, text


def berth_gc(root: Path, blobs: list[tuple[str, bytes]]) -> dict[str, Any]:
    config = {
        "SERVER_HOSTNAME": "127.0.0.1:1",
        "DB_URI": f"sqlite:///{root / 'berth.db'}",
        "DISTRIBUTED_STORAGE_CONFIG": {"default": ["LocalStorage", {"storage_path": str(root / "storage")}]},
        "DISTRIBUTED_STORAGE_PREFERENCE": ["default"],
        "LOG_LEVEL": "WARNING",
        "PASSWORD_HASH_COST": "low",
    }
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERTH_")}
    base = [sys.executable, "-m", "berth", "--config", str(root / "config.yaml")]
    subprocess.run(
        [*base, "user", "create", "bench", "--email", "b@example.com", "--password", "bench-password-1"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    old = datetime.now(UTC) - timedelta(days=2)
    db = Database(str(config["DB_URI"]))
    with db.transaction() as session:
        owner = session.scalar(select(Account).where(Account.username == "bench"))
        assert owner is not None
        repo = Repository(namespace_id=owner.id, name="gc", visibility=Visibility.PRIVATE, created=old)
        session.add(repo)
        session.flush()
        rows = [
            {
                "digest": f"sha256:{hexd}",
                "size": len(data),
                "storage_key": f"blobs/sha256/{hexd[:2]}/{hexd}",
                "created": old,
            }
            for hexd, data in blobs
        ]
        session.execute(insert(Blob), rows)
        ids = session.scalars(select(Blob.id)).all()
        session.execute(
            insert(RepositoryBlob), [{"repository_id": repo.id, "blob_id": i, "created": old} for i in ids]
        )
    db.dispose()
    for hexd, data in blobs:
        path = root / "storage" / "blobs" / "sha256" / hexd[:2] / hexd
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    dry_s, dry_rss, dry_out = _run([*base, "gc", "--dry-run"], env)
    gc_s, gc_rss, out = _run([*base, "gc"], env)
    left = sum(1 for p in (root / "storage" / "blobs").rglob("*") if p.is_file())
    return {
        "seconds": round(gc_s, 2),
        "peak_rss_mib": round(gc_rss, 1),
        "dry_run_seconds": round(dry_s, 2),
        "dry_run_peak_rss_mib": round(dry_rss, 1),
        "dry_run_summary": dry_out.strip().splitlines()[-1],
        "summary": out.strip().splitlines()[-1],
        "blob_files_left": left,
    }


def reference_gc(root: Path, blobs: list[tuple[str, bytes]]) -> dict[str, Any]:
    with reference(root) as ref, httpx.Client(timeout=60) as http:
        config, layer = b'{"architecture":"amd64","os":"linux"}', b"kept layer" * 100
        for data in (config, layer):
            location = http.post(f"{ref.url}/v2/bench/gc/blobs/uploads/").headers["Location"]
            location = location if location.startswith("http") else f"{ref.url}{location}"
            sep = "&" if "?" in location else "?"
            http.put(f"{location}{sep}digest=sha256:{hashlib.sha256(data).hexdigest()}", content=data)
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": f"sha256:{hashlib.sha256(config).hexdigest()}",
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": f"sha256:{hashlib.sha256(layer).hexdigest()}",
                    "size": len(layer),
                }
            ],
        }
        http.put(
            f"{ref.url}/v2/bench/gc/manifests/kept",
            content=json.dumps(manifest),
            headers={"Content-Type": OCI},
        ).raise_for_status()
    store = root / "storage" / "docker" / "registry" / "v2" / "blobs" / "sha256"
    for hexd, data in blobs:
        path = store / hexd[:2] / hexd / "data"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    gc_s, gc_rss, _out = _run([REFERENCE_BINARY, "garbage-collect", str(root / "config.yml")])
    left = sum(1 for p in store.rglob("data"))
    return {"seconds": round(gc_s, 2), "peak_rss_mib": round(gc_rss, 1), "blob_files_left": left}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blobs", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    blobs = _blobs(args.blobs)
    root = Path(tempfile.mkdtemp(prefix="berth-gc-bench-"))
    try:
        (root / "berth").mkdir()
        (root / "reference").mkdir()
        result = {"blobs": args.blobs, "berth": berth_gc(root / "berth", blobs)}
        result["reference"] = reference_gc(root / "reference", blobs)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    b, r = result["berth"], result["reference"]
    print(f"{args.blobs} unreferenced blobs of 1 KiB")
    print(f"berth --dry-run : {b['dry_run_seconds']:7.2f} s  peak RSS {b['dry_run_peak_rss_mib']:6.1f} MiB")
    print(f"  {b['dry_run_summary']}")
    print(f"berth gc        : {b['seconds']:7.2f} s  peak RSS {b['peak_rss_mib']:6.1f} MiB", end="")
    print(f"  files left {b['blob_files_left']}")
    print(f"  {b['summary']}")
    # The reference keeps the pushed image: its config, its layer and the manifest (stored as a blob).
    print(f"reference gc    : {r['seconds']:7.2f} s  peak RSS {r['peak_rss_mib']:6.1f} MiB", end="")
    print(f"  files left {r['blob_files_left'] - 3}")
    time_ratio = b["seconds"] / r["seconds"]
    print(f"ratio berth/reference: time {time_ratio:.2f}x, RSS {b['peak_rss_mib'] / r['peak_rss_mib']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
