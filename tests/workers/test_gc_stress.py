"""GC racing pushes: concurrent pushes sharing layers and tag deletes while the collector runs again and
again with no grace period. Every live tag must still pull completely, no request may fail with a 5xx,
and once everything is deleted and collected, storage holds nothing."""

from __future__ import annotations

import hashlib
import json
import random
import threading

import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from berth.accounts.models import Account
from berth.config import Settings, settings_from_mapping
from berth.content.models import Blob, Manifest, PendingDeletion, RepositoryBlob, Tag, Upload
from berth.runtime import Runtime
from berth.workers.gc import collect
from tests.registry.helpers import image_manifest, make_repo, new_user, sha256, user_headers

PUSHERS = 4
PUSHES_EACH = 10
SHARED = [f"shared-layer-{i}".encode() * 200 for i in range(4)]


@pytest.fixture
def settings() -> Settings:
    """Long-lived registry tokens; GC without grace period (the harshest race)."""
    return settings_from_mapping(
        {
            "PASSWORD_HASH_COST": "low",
            "SERVER_HOSTNAME": "testserver",
            "REGISTRY_TOKEN_LIFETIME": "30d",
            "PUSH_TEMP_TAG_EXPIRATION_SEC": 0,
        }
    )


class Failures:
    """Unexpected answers seen by any thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: list[str] = []

    def add(self, what: str) -> None:
        with self.lock:
            self.items.append(what)


def _push(
    client: TestClient, repo: str, tag: str, headers: dict[str, str], *, seed: str, bad: Failures
) -> bool:
    """Upload config + two shared layers + one own layer, then the manifest; False when refused."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "seed": seed}).encode()
    rng = random.Random(seed)
    layers = [*rng.sample(SHARED, 2), f"own-{seed}".encode() * 50]
    for blob in [config, *layers]:
        response = client.post(
            f"/v2/{repo}/blobs/uploads/", params={"digest": sha256(blob)}, content=blob, headers=headers
        )
        if response.status_code != 201:
            bad.add(f"blob upload {response.status_code} {response.text}")
            return False
    response = client.put(
        f"/v2/{repo}/manifests/{tag}",
        content=image_manifest(config, layers),
        headers={**headers, "Content-Type": "application/vnd.oci.image.manifest.v1+json"},
    )
    if response.status_code == 201:
        return True
    if response.status_code != 400:  # 400: a blob was collected before the manifest came (no grace)
        bad.add(f"manifest push {response.status_code} {response.text}")
    return False


def _pulls_completely(client: TestClient, repo: str, tag: str, headers: dict[str, str]) -> None:
    manifest = client.get(f"/v2/{repo}/manifests/{tag}", headers=headers)
    assert manifest.status_code == 200, (repo, tag, manifest.text)
    body = json.loads(manifest.content)
    for descriptor in [body["config"], *body["layers"]]:
        blob = client.get(f"/v2/{repo}/blobs/{descriptor['digest']}", headers=headers)
        assert blob.status_code == 200, (repo, tag, descriptor["digest"])
        assert "sha256:" + hashlib.sha256(blob.content).hexdigest() == descriptor["digest"]
        assert len(blob.content) == descriptor["size"]


def _count(runtime: Runtime, model: type) -> int:
    with runtime.db.transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_concurrent_pushes_deletes_and_gc(client: TestClient, runtime: Runtime) -> None:
    user = new_user(runtime)
    with runtime.db.transaction() as session:
        session.execute(update(Account).where(Account.username == user).values(tag_expiration_s=0))
    repos = [f"{user}/one", f"{user}/two"]
    for repo in repos:
        make_repo(runtime, user, repo.split("/")[1])
    headers = user_headers(client, user, repos)
    bad = Failures()
    done = threading.Event()
    passes = [0]
    holders = [0]
    hold_lock = threading.Lock()

    def pusher(index: int) -> None:
        rng = random.Random(index)
        for i in range(PUSHES_EACH):
            repo = rng.choice(repos)
            for attempt in range(5):
                if _push(client, repo, f"t{index}-{i % 3}", headers, seed=f"{index}-{i}-{attempt}", bad=bad):
                    break
        # A tag the deleter leaves alone, pushed while GC still runs; after a few refusals the
        # collector pauses between passes (zero grace refuses most pushes) until it gets through.
        held = False
        for attempt in range(100):
            if attempt == 10:
                held = True
                with hold_lock:
                    holders[0] += 1
            if _push(
                client, repos[index % 2], f"keep{index}", headers, seed=f"keep{index}-{attempt}", bad=bad
            ):
                break
        if held:
            with hold_lock:
                holders[0] -= 1

    def deleter() -> None:
        rng = random.Random(99)
        while not done.is_set():
            repo = rng.choice(repos)
            tag = f"t{rng.randrange(PUSHERS)}-{rng.randrange(3)}"
            response = client.delete(f"/v2/{repo}/manifests/{tag}", headers=headers)
            if response.status_code not in (202, 404):
                bad.add(f"delete {response.status_code} {response.text}")
            done.wait(0.005)

    def collector() -> None:
        while not done.is_set():
            if holders[0]:
                done.wait(0.005)
                continue
            try:
                collect(runtime)
            except Exception as exc:  # any failure of a pass is a bug
                bad.add(f"gc {type(exc).__name__}: {exc}")
                return
            passes[0] += 1
            done.wait(0.01)  # a breath: back to back, with zero grace, hardly any push could finish

    threads = [threading.Thread(target=pusher, args=(i,)) for i in range(PUSHERS)]
    background = [threading.Thread(target=deleter), threading.Thread(target=collector)]
    for thread in threads + background:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    done.set()
    for thread in background:
        thread.join(timeout=300)
    assert bad.items == []
    assert passes[0] > 0

    collect(runtime)  # once more, quietly: live content must survive it
    live = 0
    for repo in repos:
        tags = client.get(f"/v2/{repo}/tags/list", headers=headers).json()["tags"]
        for tag in tags:
            _pulls_completely(client, repo, tag, headers)
            live += 1
    assert live >= PUSHERS
    for index in range(PUSHERS):
        assert (
            f"keep{index}" in client.get(f"/v2/{repos[index % 2]}/tags/list", headers=headers).json()["tags"]
        )

    for repo in repos:
        for tag in client.get(f"/v2/{repo}/tags/list", headers=headers).json()["tags"]:
            assert client.delete(f"/v2/{repo}/manifests/{tag}", headers=headers).status_code == 202
    collect(runtime)
    assert list(runtime.storage.list("blobs")) == []
    assert list(runtime.storage.list("uploads")) == []
    for model in (Blob, Manifest, Tag, RepositoryBlob, PendingDeletion, Upload):
        assert _count(runtime, model) == 0, model.__name__
