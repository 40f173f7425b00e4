"""The auto-prune pass: which live tags each policy ends, in batches, and what it logs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, update
from starlette.testclient import TestClient

from berth.accounts.models import Account
from berth.auditlog.models import LogEntry
from berth.config import Settings, settings_from_mapping
from berth.runtime import Runtime
from berth.workers.autoprune import prune, run_once
from berth.workers.console import start_autoprune_in_process
from tests.conftest import Clock
from tests.factories import make_token
from tests.registry.helpers import make_repo, new_user, push_image, user_headers

DAY = 86400


@pytest.fixture
def settings() -> Settings:
    """FEATURE_AUTO_PRUNE on; registry tokens that outlive the days the clock moves."""
    return settings_from_mapping(
        {
            "PASSWORD_HASH_COST": "low",
            "SERVER_HOSTNAME": "testserver",
            "REGISTRY_TOKEN_LIFETIME": "30d",
            "FEATURE_AUTO_PRUNE": True,
        }
    )


class World:
    """A user with one repository, a pushed image and an API token."""

    def __init__(self, client: TestClient, runtime: Runtime, clock: Clock) -> None:
        self.client, self.runtime, self.clock = client, runtime, clock
        self.user = new_user(runtime)
        self.repo = f"{self.user}/app"
        make_repo(runtime, self.user, "app")
        self.api = {"Authorization": f"Bearer {make_token(runtime, self.user)}"}
        self.digest, _ = push_image(client, self.repo, "base", user_headers(client, self.user, [self.repo]))

    def tag(self, *names: str, repo: str | None = None, days_apart: int = 1) -> None:
        """Point each name at the image, one day apart (oldest first)."""
        for name in names:
            self.clock.advance(days_apart * DAY)
            response = self.client.put(
                f"/api/v1/repository/{repo or self.repo}/tag/{name}",
                json={"manifest_digest": self.digest},
                headers=self.api,
            )
            assert response.status_code == 201, response.text

    def live(self, repo: str | None = None) -> list[str]:
        """Live tag names, sorted."""
        listed = self.client.get(
            f"/api/v1/repository/{repo or self.repo}/tag/?onlyActiveTags=true&limit=100", headers=self.api
        )
        return sorted(t["name"] for t in listed.json()["tags"])

    def policy(self, url: str, **body: object) -> None:
        """Create a policy through the API."""
        assert self.client.post(url, json=body, headers=self.api).status_code == 201


def _pruned(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.db.transaction(write=False) as session:
        rows = session.execute(
            select(LogEntry.metadata_json)
            .where(LogEntry.kind == "autoprune_tag_delete")
            .order_by(LogEntry.id)
        ).all()
    return sorted((meta["repo"], meta["tag"]) for (meta,) in rows)


def test_number_of_tags_keeps_the_newest(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    w = World(client, runtime, clock)
    w.tag("a", "b", "c", "d")
    w.policy("/api/v1/user/autoprunepolicy/", method="number_of_tags", value=2)
    summary = prune(runtime)
    assert (summary.policies, summary.repositories, summary.tags) == (1, 1, 3)
    assert w.live() == ["c", "d"]
    assert _pruned(runtime) == [("app", "a"), ("app", "b"), ("app", "base")]
    # Ended tags stay in the history (time machine), as for any deleted tag.
    history = client.get(f"/api/v1/repository/{w.repo}/tag/?specificTag=a", headers=w.api).json()["tags"]
    assert history[0]["end_ts"] == int(clock.now.timestamp())
    assert prune(runtime).tags == 0  # nothing left to do


def test_creation_date_and_tag_patterns(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    w = World(client, runtime, clock)
    w.tag("v1", "v2", "test-1", "v3", "test-2")  # ages 4, 3, 2, 1, 0 days; base is 5 days old
    url = f"/api/v1/repository/{w.repo}/autoprunepolicy/"
    w.policy(url, method="creation_date", value="2d", tagPattern="^v", tagPatternMatches=True)
    assert run_once(runtime) == 2  # v1 and v2: matching and older than two days (v3 is younger)
    assert w.live() == ["base", "test-1", "test-2", "v3"]
    # tagPatternMatches false: every tag that does *not* match ^test is a candidate.
    w.policy(url, method="number_of_tags", value=1, tagPattern="^test", tagPatternMatches=False)
    assert run_once(runtime) == 1  # keeps v3 (the newest non-test tag), ends base
    assert w.live() == ["test-1", "test-2", "v3"]


def test_namespace_and_repository_policies_together(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    w = World(client, runtime, clock)
    w.tag("a", "b", "c", "d")  # base 4 days old, then a..d at 3, 2, 1, 0 days
    w.policy("/api/v1/user/autoprunepolicy/", method="number_of_tags", value=2)
    w.policy(f"/api/v1/repository/{w.repo}/autoprunepolicy/", method="creation_date", value="2d")
    # Age first (base and a are older than two days), then the count keeps the newest two.
    assert prune(runtime).tags == 3
    assert w.live() == ["c", "d"]
    assert _pruned(runtime) == [("app", "a"), ("app", "b"), ("app", "base")]


def test_namespace_policies_cover_every_repository_in_batches(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    w = World(client, runtime, clock)
    make_repo(runtime, w.user, "other")
    second = f"{w.user}/other"
    push_image(client, second, "keep", user_headers(client, w.user, [second]), seed=b"o")
    w.digest = client.get(f"/api/v1/repository/{second}/tag/", headers=w.api).json()["tags"][0][
        "manifest_digest"
    ]
    w.tag(*[f"t{i}" for i in range(7)], repo=second, days_apart=0)
    repos: list[str] = []
    tags: list[tuple[str, str]] = []
    w.policy("/api/v1/user/autoprunepolicy/", method="number_of_tags", value=1)
    summary = prune(
        runtime,
        on_repository=repos.append,
        on_tag=lambda repo, tag: tags.append((repo, tag)),
        repository_page=1,
        tag_batch=2,
    )
    assert repos == [w.repo, second]
    assert summary.tags == 7  # the other repository had eight live tags; app had one
    assert len(tags) == 7
    assert len(w.live(second)) == 1
    assert w.live() == ["base"]


def test_disabled_namespaces_other_namespaces_and_the_flag(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    w = World(client, runtime, clock)
    other = World(client, runtime, clock)
    w.tag("a", "b")
    other.tag("x", "y")
    w.policy("/api/v1/user/autoprunepolicy/", method="number_of_tags", value=1)
    with runtime.db.transaction() as session:
        session.execute(update(Account).where(Account.username == w.user).values(enabled=False))
    assert prune(runtime).tags == 0
    with runtime.db.transaction() as session:
        session.execute(update(Account).where(Account.username == w.user).values(enabled=True))
    runtime.settings = replace(runtime.settings, features={**runtime.settings.features, "AUTO_PRUNE": False})
    assert run_once(runtime) == 0
    assert start_autoprune_in_process(runtime) is None
    assert w.live() == ["a", "b", "base"]
    runtime.settings = replace(runtime.settings, features={**runtime.settings.features, "AUTO_PRUNE": True})
    assert run_once(runtime) == 2
    assert w.live() == ["b"]
    assert other.live() == ["base", "x", "y"]  # another namespace's tags are untouched


def test_in_process_worker_prunes_and_stops(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    w = World(client, runtime, clock)
    w.tag("a", "b")
    w.policy("/api/v1/user/autoprunepolicy/", method="number_of_tags", value=1)
    runner = start_autoprune_in_process(runtime)
    assert runner is not None
    assert runner.thread is not None
    deadline = time.monotonic() + 30
    while w.live() != ["b"] and time.monotonic() < deadline:
        time.sleep(0.05)
    runner.stop(wait_s=30)
    assert not runner.thread.is_alive()
    assert w.live() == ["b"]


def test_berth_worker_autoprune_runs_until_sigterm(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "DB_URI": f"sqlite:///{tmp_path / 'berth.db'}",
                "DISTRIBUTED_STORAGE_CONFIG": {
                    "default": ["LocalStorage", {"storage_path": str(tmp_path / "storage")}]
                },
                "FEATURE_AUTO_PRUNE": True,
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERTH_")}
    command = [sys.executable, "-m", "berth", "--config", str(config), "worker", "autoprune"]
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as process:
        assert process.stderr is not None
        try:
            line = process.stderr.readline()  # the first pass logs once it has run
            deadline = time.monotonic() + 60
            while '"autoprune pass"' not in line and line and time.monotonic() < deadline:
                line = process.stderr.readline()
            record = json.loads(line)
            assert record["msg"] == "autoprune pass"
            assert (record["policies"], record["repositories"], record["tags"]) == (0, 0, 0)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
