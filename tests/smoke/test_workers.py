"""``berth serve --workers 2`` on the embedded default: both processes serve one port, writes from both
land in the one SQLite database, and stopping the parent stops every worker."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import yaml

from tests.registry.server import clean_env, free_port

START_TIMEOUT_S = 60


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_two_workers_share_the_port_and_stop_together(tmp_path: Path) -> None:
    port = free_port()
    config = {
        "SERVER_HOSTNAME": f"127.0.0.1:{port}",
        "DB_URI": f"sqlite:///{tmp_path / 'berth.db'}",
        "DISTRIBUTED_STORAGE_CONFIG": {
            "default": ["LocalStorage", {"storage_path": str(tmp_path / "storage")}]
        },
        "PASSWORD_HASH_COST": "low",
        "FEATURE_GARBAGE_COLLECTION": False,
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    env = clean_env()
    command = [sys.executable, "-m", "berth", "--config", str(tmp_path / "config.yaml"), "serve", "--host",
               "127.0.0.1", "--port", str(port), "--workers", "2"]  # fmt: skip
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/instance", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        workers = _children(server.pid)
        assert len(workers) >= 2

        init = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/user/initialize",
            json={
                "username": "admin",
                "password": "password-admin-1",
                "email": "a@example.com",
                "access_token": True,
            },
        )
        assert init.status_code == 200
        headers = {"Authorization": f"Bearer {init.json()['access_token']}"}

        def create(i: int) -> int:
            # A new connection each time, so the kernel spreads them over both workers.
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
                return client.post("/api/v1/organization/", json={"name": f"org{i}"}).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(create, range(24)))
        assert statuses == [201] * 24
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
            orgs = client.get("/api/v1/user/").json()["organizations"]
        assert len(orgs) == 24
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=40) == 0
    # The workers (and multiprocessing's helper process) are gone shortly after the parent.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)
    assert "database is locked" not in (tmp_path / "server.log").read_text()
