"""Blob pulls and the upload protocol: monolithic, chunked, mount, cancel, digest checks, ranges."""

from __future__ import annotations

import hashlib

from starlette.testclient import TestClient

from berth.app import create_app
from berth.runtime import Runtime
from berth.storage.memory import MemoryStorage
from tests.registry.helpers import make_repo, new_user, push_blob, sha256, user_headers

MISSING = "sha256:" + "ab" * 32


def _setup(runtime: Runtime, client: TestClient, *names: str) -> tuple[str, dict[str, str]]:
    user = new_user(runtime)
    repos = [f"{user}/{name}" for name in names]
    for name in names:
        make_repo(runtime, user, name)
    return user, user_headers(client, user, repos)


def _stored_keys(runtime: Runtime) -> list[str]:
    assert isinstance(runtime.storage, MemoryStorage)
    return list(runtime.storage.list(""))


def test_monolithic_upload_then_head_and_get(runtime: Runtime, client: TestClient) -> None:
    user, headers = _setup(runtime, client, "app")
    data = b"layer bytes" * 1000
    digest = sha256(data)
    response = client.post(
        f"/v2/{user}/app/blobs/uploads/", params={"digest": digest}, content=data, headers=headers
    )
    assert response.status_code == 201
    assert response.headers["Location"] == f"http://testserver/v2/{user}/app/blobs/{digest}"
    assert response.headers["Docker-Content-Digest"] == digest
    head = client.head(f"/v2/{user}/app/blobs/{digest}", headers=headers)
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(len(data))
    assert head.headers["Docker-Content-Digest"] == digest
    assert head.content == b""
    assert head.headers["Cache-Control"] == "max-age=31436000"
    got = client.get(f"/v2/{user}/app/blobs/{digest}", headers=headers)
    assert got.content == data
    assert got.headers["Cache-Control"] == "max-age=31536000"
    assert got.headers["Content-Type"] == "application/octet-stream"


def test_range_reads(runtime: Runtime, client: TestClient) -> None:
    user, headers = _setup(runtime, client, "app")
    data = bytes(range(256)) * 4
    digest = push_blob(client, f"{user}/app", data, headers)
    part = client.get(f"/v2/{user}/app/blobs/{digest}", headers={**headers, "Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == data[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    tail = client.get(f"/v2/{user}/app/blobs/{digest}", headers={**headers, "Range": "bytes=-4"})
    assert tail.content == data[-4:]
    bad = client.get(f"/v2/{user}/app/blobs/{digest}", headers={**headers, "Range": "bytes=5000-"})
    assert bad.status_code == 416
    assert bad.headers["Content-Range"] == f"bytes */{len(data)}"


def test_missing_blob_is_quays_404(runtime: Runtime, client: TestClient) -> None:
    user, headers = _setup(runtime, client, "app")
    response = client.get(f"/v2/{user}/app/blobs/{MISSING}", headers=headers)
    assert response.status_code == 404
    assert response.json() == {
        "errors": [{"code": "BLOB_UNKNOWN", "detail": {}, "message": "blob unknown to registry"}]
    }
    assert response.headers["Content-Length"] == "86"
    assert client.head(f"/v2/{user}/app/blobs/{MISSING}", headers=headers).status_code == 404


def test_blob_is_visible_only_in_repositories_that_link_it(runtime: Runtime, client: TestClient) -> None:
    user, headers = _setup(runtime, client, "one", "two")
    digest = push_blob(client, f"{user}/one", b"shared", headers)
    assert client.head(f"/v2/{user}/two/blobs/{digest}", headers=headers).status_code == 404


def test_chunked_upload_with_status_and_out_of_order_chunk(runtime: Runtime, client: TestClient) -> None:
    user, headers = _setup(runtime, client, "app")
    data = b"0123456789" * 50
    start = client.post(f"/v2/{user}/app/blobs/uploads/", headers=headers)
    assert start.status_code == 202
    location, upload_uuid = start.headers["Location"], start.headers["Docker-Upload-UUID"]
    assert location == f"http://testserver/v2/{user}/app/blobs/uploads/{upload_uuid}"
    assert start.headers["Range"] == "bytes=0--1"
    status = client.get(location, headers=headers)
    assert status.status_code == 204
    assert status.headers["Range"] == "bytes=0-0"
    first = client.patch(location, content=data[:200], headers={**headers, "Content-Range": "0-199"})
    assert first.status_code == 202
    assert first.headers["Range"] == "0-199"
    skipped = client.patch(location, content=data[300:], headers={**headers, "Content-Range": "300-499"})
    assert skipped.status_code == 416
    assert skipped.headers["Range"] == "0-199"
    assert skipped.json()["errors"][0]["code"] == "BLOB_UPLOAD_INVALID"
    second = client.patch(location, content=data[200:], headers={**headers, "Content-Range": "200-499"})
    assert second.headers["Range"] == "0-499"
    assert client.get(location, headers=headers).headers["Range"] == "bytes=0-499"
    done = client.put(location, params={"digest": sha256(data)}, headers=headers)
    assert done.status_code == 201
    assert client.get(f"/v2/{user}/app/blobs/{sha256(data)}", headers=headers).content == data
    assert client.get(location, headers=headers).status_code == 404


def test_final_chunk_may_come_with_the_put(runtime: Runtime, client: TestClient) -> None:
    user, headers = _setup(runtime, client, "app")
    location = client.post(f"/v2/{user}/app/blobs/uploads/", headers=headers).headers["Location"]
    client.patch(location, content=b"head-", headers=headers)
    done = client.put(location, params={"digest": sha256(b"head-tail")}, content=b"tail", headers=headers)
    assert done.status_code == 201


def test_sha512_digests_are_verified(runtime: Runtime, client: TestClient) -> None:
    user, headers = _setup(runtime, client, "app")
    data = b"sha512 content"
    digest = "sha512:" + hashlib.sha512(data).hexdigest()
    location = client.post(f"/v2/{user}/app/blobs/uploads/", headers=headers).headers["Location"]
    client.patch(location, content=data, headers=headers)
    assert client.put(location, params={"digest": digest}, headers=headers).status_code == 201
    assert client.get(f"/v2/{user}/app/blobs/{digest}", headers=headers).content == data
    mono = client.post(
        f"/v2/{user}/app/blobs/uploads/", params={"digest": digest}, content=data, headers=headers
    )
    assert mono.status_code == 201


def test_wrong_digest_stores_nothing(runtime: Runtime, client: TestClient) -> None:
    user, headers = _setup(runtime, client, "app")
    wrong = "sha256:" + "22" * 32
    location = client.post(f"/v2/{user}/app/blobs/uploads/", headers=headers).headers["Location"]
    response = client.put(location, params={"digest": wrong}, content=b"twelve bytes", headers=headers)
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"code": "BLOB_UPLOAD_INVALID", "detail": {}, "message": "blob upload invalid"}]
    }
    mono = client.post(
        f"/v2/{user}/app/blobs/uploads/", params={"digest": wrong}, content=b"x", headers=headers
    )
    assert mono.status_code == 400
    assert client.head(f"/v2/{user}/app/blobs/{wrong}", headers=headers).status_code == 404
    assert _stored_keys(runtime) == []
    malformed = client.post(
        f"/v2/{user}/app/blobs/uploads/", params={"digest": "sha256:xyz"}, headers=headers
    )
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["code"] == "DIGEST_INVALID"


def test_cancel_upload(runtime: Runtime, client: TestClient) -> None:
    user, headers = _setup(runtime, client, "app")
    location = client.post(f"/v2/{user}/app/blobs/uploads/", headers=headers).headers["Location"]
    client.patch(location, content=b"partial", headers=headers)
    assert client.delete(location, headers=headers).status_code == 204
    gone = client.get(location, headers=headers)
    assert gone.status_code == 404
    assert gone.json()["errors"][0]["code"] == "BLOB_UPLOAD_UNKNOWN"
    assert _stored_keys(runtime) == []


def test_cross_repository_mount(runtime: Runtime, client: TestClient) -> None:
    user, headers = _setup(runtime, client, "src", "dst")
    digest = push_blob(client, f"{user}/src", b"mount me", headers)
    mounted = client.post(
        f"/v2/{user}/dst/blobs/uploads/", params={"mount": digest, "from": f"{user}/src"}, headers=headers
    )
    assert mounted.status_code == 201
    assert mounted.headers["Docker-Content-Digest"] == digest
    assert client.get(f"/v2/{user}/dst/blobs/{digest}", headers=headers).content == b"mount me"
    missing = client.post(
        f"/v2/{user}/dst/blobs/uploads/", params={"mount": MISSING, "from": f"{user}/src"}, headers=headers
    )
    assert missing.status_code == 202
    assert "Docker-Upload-UUID" in missing.headers


def test_mount_needs_read_access_to_the_source(runtime: Runtime, client: TestClient) -> None:
    owner, owner_headers = _setup(runtime, client, "private")
    digest = push_blob(client, f"{owner}/private", b"secret layer", owner_headers)
    thief, thief_headers = _setup(runtime, client, "loot")
    response = client.post(
        f"/v2/{thief}/loot/blobs/uploads/",
        params={"mount": digest, "from": f"{owner}/private"},
        headers=thief_headers,
    )
    assert response.status_code == 202
    assert client.head(f"/v2/{thief}/loot/blobs/{digest}", headers=thief_headers).status_code == 404


def test_blob_delete_is_unsupported(runtime: Runtime, client: TestClient) -> None:
    user, headers = _setup(runtime, client, "app")
    digest = push_blob(client, f"{user}/app", b"keep", headers)
    response = client.delete(f"/v2/{user}/app/blobs/{digest}", headers=headers)
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "UNSUPPORTED"
    assert client.head(f"/v2/{user}/app/blobs/{digest}", headers=headers).status_code == 200


def test_another_process_can_finish_an_upload(runtime: Runtime, client: TestClient) -> None:
    user, headers = _setup(runtime, client, "app")
    location = client.post(f"/v2/{user}/app/blobs/uploads/", headers=headers).headers["Location"]
    client.patch(location, content=b"written by one process, ", headers=headers)
    with TestClient(create_app(runtime.settings, runtime)) as other:
        other.patch(location, content=b"continued by another", headers=headers)
        data = b"written by one process, continued by another"
        assert other.put(location, params={"digest": sha256(data)}, headers=headers).status_code == 201
    assert client.get(f"/v2/{user}/app/blobs/{sha256(data)}", headers=headers).content == data


def test_uploads_need_push_permission(runtime: Runtime, client: TestClient) -> None:
    owner, _ = _setup(runtime, client, "app")
    other = new_user(runtime)
    headers = user_headers(client, other, [f"{owner}/app"])
    response = client.post(f"/v2/{owner}/app/blobs/uploads/", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].endswith(f'scope="repository:{owner}/app:push,pull"')
    anonymous = client.post(f"/v2/{owner}/app/blobs/uploads/")
    assert anonymous.status_code == 401


def test_bytes_of_an_interrupted_chunk_are_discarded(runtime: Runtime, client: TestClient) -> None:
    user, headers = _setup(runtime, client, "app")
    location = client.post(f"/v2/{user}/app/blobs/uploads/", headers=headers).headers["Location"]
    upload_uuid = location.rsplit("/", 1)[1]
    client.patch(location, content=b"good-", headers=headers)
    # A chunk whose request died half way: its bytes reached the staging object, the DB never heard.
    runtime.storage.append(f"uploads/{upload_uuid}", [b"GARBAGE"])
    assert client.get(location, headers=headers).headers["Range"] == "bytes=0-4"
    client.patch(location, content=b"rest", headers={**headers, "Content-Range": "5-8"})
    done = client.put(location, params={"digest": sha256(b"good-rest")}, headers=headers)
    assert done.status_code == 201
    assert client.get(f"/v2/{user}/app/blobs/{sha256(b'good-rest')}", headers=headers).content == b"good-rest"
