"""Garbage collection: expiry, time machine, manifests, links, blobs, uploads, deleted repositories."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from berth.accounts.models import Account
from berth.config import Settings, settings_from_mapping
from berth.content.blobs import direct_staging_key
from berth.content.models import Blob, Manifest, PendingDeletion, RepositoryBlob, Tag, Upload
from berth.content.tags import alive
from berth.repos.models import Repository
from berth.runtime import Runtime
from berth.workers.console import gc_command
from berth.workers.gc import collect, dry_run, run_once
from tests.conftest import Clock
from tests.factories import make_token
from tests.registry.helpers import make_repo, new_user, push_blob, push_image, user_headers

HOUR = 3600


@pytest.fixture
def settings() -> Settings:
    """Registry tokens that outlive the hours these tests move the clock by."""
    return settings_from_mapping(
        {"PASSWORD_HASH_COST": "low", "SERVER_HOSTNAME": "testserver", "REGISTRY_TOKEN_LIFETIME": "30d"}
    )


def _count(runtime: Runtime, model: type) -> int:
    with runtime.db.transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _blob_keys(runtime: Runtime) -> list[str]:
    return sorted(runtime.storage.list("blobs"))


def _world(client: TestClient, runtime: Runtime, window_s: int = 0) -> tuple[str, str, dict[str, str]]:
    user = new_user(runtime)
    with runtime.db.transaction() as session:
        session.execute(update(Account).where(Account.username == user).values(tag_expiration_s=window_s))
    make_repo(runtime, user, "app")
    return user, f"{user}/app", user_headers(client, user, [f"{user}/app"])


def test_live_content_survives_and_garbage_goes(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    _, repo, v2 = _world(client, runtime)
    keep, _ = push_image(client, repo, "keep", v2, seed=b"k")
    push_image(client, repo, "drop", v2, seed=b"d")
    assert client.delete(f"/v2/{repo}/manifests/drop", headers=v2).status_code == 202
    before = _blob_keys(runtime)
    assert run_once(runtime) == 1  # the ended tag (window 0); the rest is younger than the grace period
    clock.advance(2 * HOUR)
    summary = collect(runtime)
    assert summary.counts["manifest"] == 1
    assert summary.counts["blob"] == 3  # the dropped image's config and two layers
    assert summary.deleted_objects == 3
    after = _blob_keys(runtime)
    assert len(after) == len(before) - 3
    assert client.get(f"/v2/{repo}/manifests/keep", headers=v2).status_code == 200
    for layer in (b"k" + f"layer-{i}".encode() * 100 for i in range(2)):
        assert client.get(f"/v2/{repo}/blobs/{_sha(layer)}", headers=v2).content == layer
    assert client.get(f"/v2/{repo}/manifests/{keep}", headers=v2).status_code == 200
    assert _count(runtime, PendingDeletion) == 0
    assert run_once(runtime) == 0  # idempotent: nothing left


def _sha(data: bytes) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_shared_layers_stay_while_any_manifest_uses_them(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    user, repo, v2 = _world(client, runtime)
    make_repo(runtime, user, "other")
    other = f"{user}/other"
    v2b = user_headers(client, user, [other])
    push_image(client, repo, "a", v2, seed=b"s")
    push_image(client, other, "b", v2b, seed=b"s")  # same blobs, another repository
    client.delete(f"/v2/{repo}/manifests/a", headers=v2)
    clock.advance(2 * HOUR)
    summary = collect(runtime)
    assert summary.counts["blob"] == 0
    assert summary.counts["link"] == 3  # the first repository no longer uses them
    assert client.get(f"/v2/{other}/manifests/b", headers=v2b).status_code == 200
    assert client.get(f"/v2/{repo}/blobs/{_sha(b's' + b'layer-0' * 100)}", headers=v2).status_code == 404


def test_expiration_then_time_machine_window(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    user, repo, v2 = _world(client, runtime, window_s=HOUR)
    push_image(client, repo, "temp", v2)
    api = {"Authorization": f"Bearer {make_token(runtime, user)}"}
    when = int(clock.now.timestamp()) + 60
    client.put(f"/api/v1/repository/{repo}/tag/temp", json={"expiration": when}, headers=api)
    clock.advance(61)
    assert client.get(f"/v2/{repo}/manifests/temp", headers=v2).status_code == 404
    summary = collect(runtime)
    assert summary.counts["tag-expired"] == 1
    assert summary.counts.get("tag", 0) == 0  # still in the time machine
    with runtime.db.transaction(write=False) as session:
        tag = session.scalars(select(Tag)).one()
        assert tag.end_time is not None
        assert int(tag.end_time.timestamp()) == when
        assert session.scalar(select(func.count()).select_from(Tag).where(alive(clock.now))) == 0
    clock.advance(HOUR)
    summary = collect(runtime)
    assert summary.counts["tag"] == 1
    assert summary.counts["manifest"] == 1
    assert _blob_keys(runtime) == []


def test_restore_within_window_keeps_content(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    user, repo, v2 = _world(client, runtime, window_s=4 * HOUR)
    digest, _ = push_image(client, repo, "latest", v2)
    api = {"Authorization": f"Bearer {make_token(runtime, user)}"}
    client.delete(f"/api/v1/repository/{repo}/tag/latest", headers=api)
    clock.advance(2 * HOUR)
    assert collect(runtime).total == 0  # the deleted tag still protects its manifest
    restored = client.post(
        f"/api/v1/repository/{repo}/tag/latest/restore", json={"manifest_digest": digest}, headers=api
    )
    assert restored.status_code == 200
    clock.advance(8 * HOUR)
    summary = collect(runtime)
    assert summary.counts["tag"] == 1  # the old history row only
    assert summary.counts.get("manifest", 0) == 0
    assert client.get(f"/v2/{repo}/manifests/latest", headers=v2).status_code == 200


def test_dry_run_lists_exactly_what_a_real_run_deletes(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    _, repo, v2 = _world(client, runtime)
    push_image(client, repo, "one", v2, seed=b"1")
    push_image(client, repo, "two", v2, seed=b"2")
    push_blob(client, repo, b"lonely blob", v2)
    client.delete(f"/v2/{repo}/manifests/one", headers=v2)
    clock.advance(2 * HOUR)
    predicted: list[tuple[str, str, int]] = []
    summary = dry_run(runtime, on_item=lambda kind, name, size: predicted.append((kind, name, size)))
    assert _count(runtime, Blob) == 7  # nothing deleted by the dry run
    deleted: list[tuple[str, str, int]] = []
    real = collect(runtime, on_item=lambda kind, name, size: deleted.append((kind, name, size)))
    assert sorted(predicted) == sorted(x for x in deleted if x[0] != "bytes")
    assert summary.deleted_bytes == real.deleted_bytes
    assert summary.deleted_objects == real.deleted_objects == 4
    out = io.StringIO()
    assert gc_command(runtime, dry=True, out=out) == 0
    assert out.getvalue().strip() == "would delete: nothing; 0 stored objects, 0 bytes (0 B)"


def test_dry_run_output(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    _, repo, v2 = _world(client, runtime)
    digest = push_blob(client, repo, b"x" * 2048, v2)
    clock.advance(2 * HOUR)
    out = io.StringIO()
    gc_command(runtime, dry=True, out=out)
    lines = out.getvalue().splitlines()
    assert f"would delete blob {digest} (2048 bytes)" in lines
    assert lines[-1] == "would delete: 1 blob, 1 link; 1 stored objects, 2048 bytes (2.0 KiB)"
    out = io.StringIO()
    gc_command(runtime, dry=False, out=out)
    assert out.getvalue().strip() == "deleted: 1 blob, 1 link; 1 stored objects, 2048 bytes (2.0 KiB)"


def test_abandoned_uploads(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    _, repo, v2 = _world(client, runtime)
    started = client.post(f"/v2/{repo}/blobs/uploads/", headers=v2)
    location = started.headers["Location"]
    assert client.patch(location, content=b"partial", headers=v2).status_code == 202
    assert len(list(runtime.storage.list("uploads"))) == 1
    clock.advance(HOUR)
    assert collect(runtime).counts.get("upload", 0) == 0
    clock.advance(2 * 86400)
    summary = collect(runtime)
    assert summary.counts["upload"] == 1
    assert summary.upload_bytes == len(b"partial")
    assert list(runtime.storage.list("uploads")) == []
    assert _count(runtime, Upload) == 0
    assert client.patch(location, content=b"more", headers=v2).status_code == 404


def test_staging_left_by_a_crashed_monolithic_upload(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    """A process killed in the middle of ``POST ?digest=`` leaves its staging object and no row."""
    _, repo, v2 = _world(client, runtime)
    crashed = direct_staging_key(clock())
    runtime.storage.write(crashed, [b"half a layer"])
    chunked = client.post(f"/v2/{repo}/blobs/uploads/", headers=v2).headers["Location"]
    assert client.patch(chunked, content=b"partial", headers=v2).status_code == 202
    clock.advance(2 * 86400 - 60)
    recent = direct_staging_key(clock())  # an upload still streaming: young, left alone
    runtime.storage.write(recent, [b"in flight"])
    assert client.patch(chunked, content=b"more", headers=v2).status_code == 202  # still in use
    clock.advance(120)
    assert dry_run(runtime).counts["upload"] == 1  # announced, not deleted
    assert crashed in runtime.storage.list("uploads")
    summary = collect(runtime)
    assert summary.counts["upload"] == 1
    assert summary.upload_bytes == len(b"half a layer")
    assert summary.deleted_objects == 1
    with runtime.db.transaction(write=False) as session:
        open_upload = session.scalar(select(Upload.staging_key))
    assert open_upload is not None
    assert sorted(runtime.storage.list("uploads")) == sorted([recent, open_upload])
    assert client.patch(chunked, content=b"!", headers=v2).status_code == 202


def test_deleted_repository_is_purged(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    user, repo, v2 = _world(client, runtime)
    push_image(client, repo, "latest", v2)
    client.post(f"/v2/{repo}/blobs/uploads/", headers=v2)
    with runtime.db.transaction() as session:
        session.execute(update(Repository).where(Repository.name == "app").values(deleted=True))
    summary = collect(runtime)
    assert summary.counts["repository"] == 1
    assert summary.counts["manifest"] == 1
    assert summary.counts["upload"] == 1
    assert summary.counts["blob"] == 3
    assert _blob_keys(runtime) == []
    assert list(runtime.storage.list("uploads")) == []
    for model in (Repository, Manifest, Tag, RepositoryBlob, Blob, PendingDeletion):
        assert _count(runtime, model) == 0
    make_repo(runtime, user, "app")  # the name is free again


def test_queued_bytes_adopted_by_a_new_upload_survive(
    client: TestClient, runtime: Runtime, clock: Clock
) -> None:
    _, repo, v2 = _world(client, runtime)
    data = b"adopted bytes"
    digest = push_blob(client, repo, data, v2)
    clock.advance(2 * HOUR)
    with runtime.db.transaction() as session:  # as if a pass crashed after queuing the bytes
        from berth.content.gc import GcOptions, remove_blobs, remove_links

        options = GcOptions(grace_s=HOUR)
        assert remove_links(session, clock.now, options, lambda *_: None) == 1
        assert remove_blobs(session, clock.now, options, lambda *_: None) == 1
    assert _count(runtime, PendingDeletion) == 1
    push_blob(client, repo, data, v2)  # re-uploaded: adopts the bytes still in storage
    summary = collect(runtime)
    assert summary.deleted_objects == 0
    assert _count(runtime, PendingDeletion) == 0
    assert client.get(f"/v2/{repo}/blobs/{digest}", headers=v2).content == data


def test_gc_settings_come_from_config(runtime: Runtime, clock: Clock) -> None:
    from berth.workers.gc import options_for

    settings = settings_from_mapping({"PUSH_TEMP_TAG_EXPIRATION_SEC": 60, "BLOB_UPLOAD_MAX_AGE": "1d"})
    options = options_for(settings)
    assert (options.grace_s, options.upload_max_age_s) == (60, 86400)
    assert replace(settings, gc_frequency_s=5).gc_frequency_s == 5


def test_two_collectors_at_once(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    import threading

    _, repo, v2 = _world(client, runtime)
    for i in range(6):
        push_image(client, repo, f"t{i}", v2, seed=bytes([i]))
        client.delete(f"/v2/{repo}/manifests/t{i}", headers=v2)
    client.post(f"/v2/{repo}/blobs/uploads/", headers=v2)
    clock.advance(3 * 86400)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            collect(runtime)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert _blob_keys(runtime) == []
    assert list(runtime.storage.list("uploads")) == []
    for model in (Manifest, Tag, RepositoryBlob, Blob, PendingDeletion, Upload):
        assert _count(runtime, model) == 0
