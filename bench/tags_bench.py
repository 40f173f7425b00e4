"""Tag listing at scale: Berth's ``/api/v1`` tag history beside the reference registry's ``tags/list``.

Seeds (through Berth's models, bulk inserts) a repository ``bench/history`` with 100,000 tag history
rows (10,000 tag names, each moved ten times: 10,000 live rows and 90,000 ended ones) and a repository
``bench/tags10k`` with 10,000 live tags. The reference registry gets the same 10,000 tags (one image
pushed over HTTP, the other tag folders copied in its storage). Then, with one keep-alive client,
times (p50/p95 of ``--requests`` calls per series):

* Berth ``GET /api/v1/repository/bench/history/tag/?limit=100&page=N`` (first, middle, last page),
  with ``onlyActiveTags=true``, ``specificTag=`` and ``filter_tag_name=like:``;
* Berth ``GET /v2/bench/tags10k/tags/list?n=100&last=...`` and ``/api/v1/.../tag/`` pages on 10,000
  tags, beside the reference's ``GET /v2/bench/tags10k/tags/list?n=100&last=...``.

Target: every Berth tag-history page under 20 ms.

    .venv/bin/python bench/tags_bench.py [--requests 50] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from berth.accounts.models import Account
from berth.content.models import Blob, Manifest, ManifestBlob, RepositoryBlob, Tag
from berth.db.engine import Database
from berth.repos.models import Repository, Visibility
from registry_bench import PASSWORD, berth, reference

NAMES = 10_000
MOVES = 10
OCI = "application/vnd.oci.image.manifest.v1+json"
TARGET_MS = 20.0


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


CONFIG = b'{"architecture":"amd64","os":"linux"}'
LAYER = b"tags bench layer" * 64


def _manifest(seed: int) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": _sha(CONFIG),
                "size": len(CONFIG),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": _sha(LAYER),
                    "size": len(LAYER),
                }
            ],
            "annotations": {"seed": str(seed)},
        }
    ).encode()


def seed_berth(db_uri: str) -> None:
    """Repositories, manifests and tag rows straight into the database (bulk inserts)."""
    db = Database(db_uri)
    base = datetime.now(UTC) - timedelta(days=2)  # recent: inside the time machine, kept by the collector
    with db.transaction() as session:
        owner = session.scalar(select(Account).where(Account.username == "bench"))
        assert owner is not None
        repos = {}
        for name in ("history", "tags10k"):
            repo = Repository(
                namespace_id=owner.id, name=name, visibility=Visibility.PRIVATE, description="", created=base
            )
            session.add(repo)
            session.flush()
            repos[name] = repo.id
        blob_ids = []
        for data in (CONFIG, LAYER):
            blob = Blob(digest=_sha(data), size=len(data), storage_key=f"bench/{_sha(data)}", created=base)
            session.add(blob)
            session.flush()
            blob_ids.append(blob.id)
        manifests: dict[str, list[int]] = {}
        for name, repo_id in repos.items():
            session.execute(
                insert(RepositoryBlob),
                [{"repository_id": repo_id, "blob_id": b, "created": base} for b in blob_ids],
            )
            ids = []
            for seed in range(MOVES):
                raw = _manifest(seed)
                manifest = Manifest(
                    repository_id=repo_id,
                    digest=_sha(raw),
                    media_type=OCI,
                    content=raw,
                    size=len(raw),
                    config_media_type="application/vnd.oci.image.config.v1+json",
                    created=base,
                    layers_size=len(LAYER),
                )
                session.add(manifest)
                session.flush()
                session.execute(
                    insert(ManifestBlob), [{"manifest_id": manifest.id, "blob_id": b} for b in blob_ids]
                )
                ids.append(manifest.id)
            manifests[name] = ids
        rows = []
        for move in range(MOVES):
            for n in range(NAMES):
                start = base + timedelta(seconds=move * NAMES + n)
                live = move == MOVES - 1
                rows.append(
                    {
                        "repository_id": repos["history"],
                        "name": f"tag{n:05d}",
                        "manifest_id": manifests["history"][move],
                        "start_time": start,
                        "end_time": None if live else start + timedelta(seconds=NAMES),
                        "reversion": False,
                    }
                )
            session.execute(insert(Tag), rows)
            rows.clear()
        session.execute(
            insert(Tag),
            [
                {
                    "repository_id": repos["tags10k"],
                    "name": f"tag{n:05d}",
                    "manifest_id": manifests["tags10k"][0],
                    "start_time": base + timedelta(seconds=n),
                    "end_time": None,
                    "reversion": False,
                }
                for n in range(NAMES)
            ],
        )
    db.dispose()


def seed_reference(url: str, storage: Path) -> None:
    """Push one tagged image over HTTP, then copy its tag folder to 10,000 tag names."""
    with httpx.Client(timeout=60) as http:
        for data in (CONFIG, LAYER):
            location = http.post(f"{url}/v2/bench/tags10k/blobs/uploads/").headers["Location"]
            location = location if location.startswith("http") else f"{url}{location}"
            sep = "&" if "?" in location else "?"
            http.put(f"{location}{sep}digest={_sha(data)}", content=data).raise_for_status()
        response = http.put(
            f"{url}/v2/bench/tags10k/manifests/tag00000", content=_manifest(0), headers={"Content-Type": OCI}
        )
        response.raise_for_status()
    tags = storage / "docker/registry/v2/repositories/bench/tags10k/_manifests/tags"
    for n in range(1, NAMES):
        shutil.copytree(tags / "tag00000", tags / f"tag{n:05d}")


def timed(http: httpx.Client, url: str, requests: int, headers: dict[str, str]) -> dict[str, float]:
    """p50/p95/max in milliseconds of ``requests`` GETs (after 3 warm-up calls)."""
    for _ in range(3):
        http.get(url, headers=headers).raise_for_status()
    samples = []
    for _ in range(requests):
        began = time.perf_counter()
        response = http.get(url, headers=headers)
        samples.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
        "max_ms": round(samples[-1], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="berth-tags-bench-"))
    (root / "berth").mkdir()
    (root / "reference").mkdir()
    results: dict[str, dict[str, float]] = {}
    try:
        with berth(root / "berth") as target:
            began = time.perf_counter()
            seed_berth(f"sqlite:///{root / 'berth' / 'berth.db'}")
            seeded_s = time.perf_counter() - began
            env = {k: v for k, v in os.environ.items() if not k.startswith("BERTH_")}
            token = (
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "berth",
                        "--config",
                        str(root / "berth" / "config.yaml"),
                        "token",
                        "create",
                        "--user",
                        "bench",
                        "--scope",
                        "repo:read",
                    ],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            api = {"Authorization": f"Bearer {token}"}
            last_page = NAMES * MOVES // 100
            history = f"{target.url}/api/v1/repository/bench/history/tag/?limit=100"
            series = {
                "history page 1": f"{history}&page=1",
                f"history page {last_page // 2}": f"{history}&page={last_page // 2}",
                f"history page {last_page}": f"{history}&page={last_page}",
                "history onlyActiveTags page 1": f"{history}&page=1&onlyActiveTags=true",
                "history onlyActiveTags page 50": f"{history}&page=50&onlyActiveTags=true",
                "history specificTag": f"{history}&specificTag=tag04242",
                "history filter like: page 1": f"{history}&filter_tag_name=like:tag042",
                "10k api page 1": f"{target.url}/api/v1/repository/bench/tags10k/tag/?limit=100&page=1",
                "10k api page 100": f"{target.url}/api/v1/repository/bench/tags10k/tag/?limit=100&page=100",
            }
            with httpx.Client(timeout=30) as http:
                for name, url in series.items():
                    results[f"berth {name}"] = timed(http, url, args.requests, api)
                v2 = httpx.get(
                    f"{target.url}/v2/auth",
                    params={
                        "service": target.url.removeprefix("http://"),
                        "scope": "repository:bench/tags10k:pull",
                    },
                    auth=("bench", PASSWORD),
                ).json()["token"]
                for last in ("", "tag05000", "tag09900"):
                    url = f"{target.url}/v2/bench/tags10k/tags/list?n=100&last={last}"
                    results[f"berth v2 tags/list n=100 last={last or '-'}"] = timed(
                        http, url, args.requests, {"Authorization": f"Bearer {v2}"}
                    )
        with reference(root / "reference") as ref:
            seed_reference(ref.url, root / "reference" / "storage")
            with httpx.Client(timeout=30) as http:
                for last in ("", "tag05000", "tag09900"):
                    url = f"{ref.url}/v2/bench/tags10k/tags/list?n=100&last={last}"
                    results[f"reference v2 tags/list n=100 last={last or '-'}"] = timed(
                        http, url, args.requests, {}
                    )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps({"seed_s": round(seeded_s, 1), "results": results}, indent=2))
        return 0
    print(f"seeded {NAMES * MOVES + NAMES} tag rows in {seeded_s:.1f} s")
    print(f"{'series':58} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, stats in results.items():
        print(f"{name:58} {stats['p50_ms']:8.2f} {stats['p95_ms']:8.2f} {stats['max_ms']:8.2f}")
    worst = max(v["p95_ms"] for k, v in results.items() if k.startswith("berth ") and " v2 " not in k)
    print(f"worst Berth API p95: {worst:.2f} ms (target < {TARGET_MS} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
