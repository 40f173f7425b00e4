"""Smoke tests: a real ``berth serve`` process on a loopback port, driven over real HTTP and the CLI.

Every server started here is stopped by its fixture's finalizer, whatever the test did.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.registry.server import clean_env, free_port, write_config

START_TIMEOUT_S = 60
CLI_TIMEOUT_S = 120
ADMIN_PASSWORD = "password-admin-1"
ALICE_PASSWORD = "alice-password-42"


@dataclass
class Instance:
    """A directory with a config.yaml: a database and a storage folder of their own."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    def cli(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``python -m berth --config config.yaml ARGS`` in the instance folder."""
        return subprocess.run(
            [sys.executable, "-m", "berth", "--config", str(self.config), *args],
            cwd=self.root,
            env={**clean_env(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_S,
            check=False,
        )


def make_instance(root: Path, port: int, **extra: Any) -> Instance:
    write_config(root, port, **extra)
    return Instance(root)


@dataclass
class Server:
    """A running ``berth serve`` subprocess."""

    instance: Instance
    port: int
    process: subprocess.Popen[bytes]
    stderr_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


def start_server(instance: Instance, port: int) -> Server:
    stderr_path = instance.root / "server.stderr"
    with (instance.root / "server.stdout").open("wb") as out, stderr_path.open("wb") as err:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "berth",
                "serve",
                "--config",
                str(instance.config),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=instance.root,
            env=clean_env(),
            stdout=out,
            stderr=err,
        )
    server = Server(instance, port, process, stderr_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        with httpx.Client(timeout=5) as probe:
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"berth serve exited with {process.returncode}:\n{server.stderr()}")
                try:
                    if probe.get(f"{server.url}/health/instance").status_code == 200:
                        return server
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"berth serve did not become healthy:\n{server.stderr()}")
                time.sleep(0.1)
    except BaseException:
        server.stop()
        raise


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module (later tests build on the admin the first one creates)."""
    port = free_port()
    running = start_server(make_instance(tmp_path_factory.mktemp("smoke"), port), port)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def admin_token(server: Server) -> str:
    """Initialize the instance over HTTP and keep the first superuser's token."""
    with server.client() as http:
        response = http.post(
            "/api/v1/user/initialize",
            json={
                "username": "admin",
                "password": ADMIN_PASSWORD,
                "email": "admin@example.com",
                "access_token": True,
            },
        )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def test_initialize_then_the_token_works(server: Server, admin_token: str) -> None:
    with server.client() as http:
        me = http.get("/api/v1/user/", headers={"Authorization": f"Bearer {admin_token}"})
        anonymous = http.get("/api/v1/user/")
    assert me.status_code == 200
    assert me.json()["username"] == "admin"
    assert me.json()["super_user"] is True
    assert anonymous.status_code == 401


def test_discovery_metrics_and_health(server: Server, admin_token: str) -> None:
    with server.client() as http:
        discovery = http.get("/api/v1/discovery")
        endtoend = http.get("/health/endtoend")
        instance = http.get("/health/instance")
        metrics = http.get("/metrics")
    assert discovery.status_code == 200
    assert discovery.json()["swagger"] == "2.0"
    assert "/api/v1/user/" in discovery.json()["paths"]
    assert endtoend.status_code == 200
    assert endtoend.json() == {
        "data": {"services": {"database": True, "storage": True, "disk_space": True}},
        "status_code": 200,
    }
    assert instance.json() == {
        "data": {"services": {"database": True, "disk_space": True, "web": True}},
        "status_code": 200,
    }
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert re.search(r'^berth_http_requests_total\{.*route="discovery".*\} \d', metrics.text, re.MULTILINE)
    # The storage probe of /health/endtoend cleaned up after itself.
    storage = server.instance.root / "storage"
    assert [p for p in storage.rglob("*") if p.is_file()] == []


def test_cli_user_and_token_work_against_the_server(server: Server) -> None:
    created = server.instance.cli(
        "user", "create", "alice", "--email", "alice@example.com", "--password", ALICE_PASSWORD
    )
    assert created.returncode == 0, created.stderr
    assert "created user alice" in created.stdout
    issued = server.instance.cli(
        "token", "create", "--user", "alice", "--scope", "user:read", "--expires-in", "1h"
    )
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    assert re.fullmatch(r"[A-Za-z0-9]{40}", token)
    with server.client() as http:
        me = http.get("/api/v1/user/", headers={"Authorization": f"Bearer {token}"})
        # The token is logged neither from a header nor from the query string.
        http.get("/api/v1/user/", params={"access_token": token})
    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    assert me.json()["super_user"] is False
    assert token not in created.stdout + created.stderr + issued.stderr
    assert ALICE_PASSWORD not in created.stdout + created.stderr + issued.stdout + issued.stderr
    assert token not in server.stderr()
    assert ALICE_PASSWORD not in server.stderr()


def test_cli_refuses_unknown_user_and_bad_input(server: Server) -> None:
    missing = server.instance.cli("token", "create", "--user", "nobody", "--scope", "user:read")
    assert missing.returncode != 0
    assert "nobody" in missing.stderr
    bad_scope = server.instance.cli("token", "create", "--user", "admin", "--scope", "everything")
    assert bad_scope.returncode != 0
    assert "scope" in bad_scope.stderr
    bad_expiry = server.instance.cli(
        "token", "create", "--user", "admin", "--scope", "user:read", "--expires-in", "soon"
    )
    assert bad_expiry.returncode != 0
    assert "soon" in bad_expiry.stderr
    assert "Traceback" not in missing.stderr + bad_scope.stderr + bad_expiry.stderr


def test_request_logs_are_json_lines_with_request_ids(server: Server, admin_token: str) -> None:
    with server.client() as http:
        tagged = http.get(
            "/api/v1/user/",
            headers={"Authorization": f"Bearer {admin_token}", "X-Request-Id": "smoke-req-0001"},
        )
        untagged = http.get("/api/v1/discovery")
        failed_login = http.get("/api/v1/user/", headers={"Authorization": "Bearer " + "Z" * 40})
    assert tagged.headers["x-request-id"] == "smoke-req-0001"
    assert re.fullmatch(r"[0-9a-f]{32}", untagged.headers["x-request-id"])
    assert failed_login.status_code == 401
    deadline = time.monotonic() + 10
    while untagged.headers["x-request-id"] not in server.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    text = server.stderr()
    lines = [line for line in text.splitlines() if line.strip()]
    banner = [line for line in lines if line.startswith("berth: ")]
    assert banner == [f"berth: serving on http://127.0.0.1:{server.port}"]
    records = [json.loads(line) for line in lines if not line.startswith("berth: ")]
    requests = [r for r in records if r.get("logger") == "berth.access"]
    assert requests, text
    for record in requests:
        assert re.fullmatch(r"[0-9A-Za-z-]{1,64}", record["request_id"])
        assert {"method", "path", "status", "duration_ms"} <= set(record)
    by_id = {r["request_id"]: r for r in requests}
    assert by_id["smoke-req-0001"]["path"] == "/api/v1/user/"
    assert by_id["smoke-req-0001"]["status"] == 200
    assert by_id["smoke-req-0001"]["principal"] == "admin"
    assert by_id[untagged.headers["x-request-id"]]["path"] == "/api/v1/discovery"
    for secret in (admin_token, ADMIN_PASSWORD, "Z" * 40, "Bearer"):
        assert secret not in text


def test_config_check_prints_masked_json(tmp_path: Path) -> None:
    instance = make_instance(
        tmp_path,
        8080,
        DB_URI="postgresql://quay:hunter2-db-pass@db.example.com:5432/quay",
        DISTRIBUTED_STORAGE_CONFIG={
            "default": ["LocalStorage", {"storage_path": "/data", "s3_secret_key": "hunter2-storage-key"}]
        },
    )
    result = instance.cli("config", "check")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["DB_URI"] == "postgresql+psycopg://quay:****@db.example.com:5432/quay"
    assert printed["DISTRIBUTED_STORAGE_CONFIG"]["default"] == [
        "LocalStorage",
        {"storage_path": "/data", "s3_secret_key": "****"},
    ]
    assert printed["PASSWORD_HASH_COST"] == "low"
    assert "hunter2" not in result.stdout + result.stderr
    # An environment override shows in the effective config.
    overridden = instance.cli("config", "check", env={"BERTH_REGISTRY_TITLE": "Overridden"})
    assert json.loads(overridden.stdout)["REGISTRY_TITLE"] == "Overridden"


@pytest.mark.parametrize(
    ("extra", "env", "key"),
    [
        (
            {"DISTRIBUTED_STORAGE_CONFIG": {"default": ["S3Storage", {"s3_bucket": "b"}]}},
            {},
            "DISTRIBUTED_STORAGE_CONFIG.default",
        ),
        ({"DB_URI": "mysql+pymysql://u:p@h/quay"}, {}, "DB_URI"),
        ({}, {"BERTH_BROWSER_API_CALLS_XHR_ONLY": "sometimes"}, "BROWSER_API_CALLS_XHR_ONLY"),
    ],
    ids=["storage-driver", "db-uri", "env-bool"],
)
def test_invalid_config_stops_serve_with_the_key_named(
    tmp_path: Path, extra: dict[str, Any], env: dict[str, str], key: str
) -> None:
    port = free_port()
    instance = make_instance(tmp_path, port, **extra)
    result = instance.cli("serve", "--host", "127.0.0.1", "--port", str(port), env=env)
    assert result.returncode != 0
    assert f"invalid configuration: {key}:" in result.stderr
    assert "Traceback" not in result.stderr
    checked = instance.cli("config", "check", env=env)
    assert checked.returncode != 0
    assert key in checked.stderr


def test_a_missing_config_file_stops_serve(tmp_path: Path) -> None:
    instance = Instance(tmp_path)
    result = instance.cli("serve", "--port", str(free_port()))
    assert result.returncode != 0
    assert "config.yaml" in result.stderr
    assert "file not found" in result.stderr


def test_concurrent_cli_writes_on_sqlite_never_lock(server: Server) -> None:
    """Eight processes issue tokens at once on the server's SQLite database, while it serves."""
    results: list[subprocess.CompletedProcess[str]] = []
    lock = threading.Lock()

    def issue() -> None:
        result = server.instance.cli("token", "create", "--user", "admin", "--scope", "user:read")
        with lock:
            results.append(result)

    threads = [threading.Thread(target=issue) for _ in range(8)]
    with server.client() as http:
        for thread in threads:
            thread.start()
        statuses = [http.get("/api/v1/discovery").status_code for _ in range(20)]
        for thread in threads:
            thread.join()
        assert statuses == [200] * 20
        assert len(results) == 8
        for result in results:
            assert "database is locked" not in result.stderr
            assert result.returncode == 0, result.stderr
        tokens = {result.stdout.strip() for result in results}
        assert len(tokens) == 8
        for token in tokens:
            me = http.get("/api/v1/user/", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200
            assert me.json()["username"] == "admin"
    assert "database is locked" not in server.stderr()


def test_concurrent_initialize_has_exactly_one_winner(tmp_path: Path) -> None:
    port = free_port()
    fresh = start_server(make_instance(tmp_path, port), port)
    try:
        barrier = threading.Barrier(8)
        responses: list[httpx.Response] = []
        lock = threading.Lock()

        def initialize(i: int) -> None:
            with fresh.client() as http:
                barrier.wait()
                response = http.post(
                    "/api/v1/user/initialize",
                    json={"username": f"first{i}", "password": f"password-first-{i}", "email": f"f{i}@x.com"},
                )
            with lock:
                responses.append(response)

        threads = [threading.Thread(target=initialize, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] + [400] * 7, [r.text for r in responses]
        for response in responses:
            if response.status_code == 400:
                assert response.json() == {"message": "Cannot initialize user in a non-empty database"}
        assert "database is locked" not in fresh.stderr()
        assert '"status": 500' not in fresh.stderr()
    finally:
        fresh.stop()
    assert fresh.process.returncode is not None
