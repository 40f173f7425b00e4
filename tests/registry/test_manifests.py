"""Manifests: push by tag or digest, pull, delete, indexes, artifacts, tag history and usage logs."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from berth.auditlog.models import LogEntry
from berth.content.models import Manifest, Tag
from berth.runtime import Runtime
from tests.conftest import Clock
from tests.registry.helpers import (
    image_manifest,
    make_repo,
    new_user,
    push_blob,
    push_image,
    sha256,
    user_headers,
)

DOCKER = "application/vnd.docker.distribution.manifest.v2+json"
OCI = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"


def _setup(runtime: Runtime, client: TestClient) -> tuple[str, dict[str, str]]:
    user = new_user(runtime)
    make_repo(runtime, user, "app")
    return f"{user}/app", user_headers(client, user, [f"{user}/app"])


def _log_kinds(runtime: Runtime) -> list[str]:
    runtime.deferred_logs.flush()  # pulls' entries are written after the response
    with runtime.db.transaction(write=False) as session:
        return list(session.scalars(select(LogEntry.kind).order_by(LogEntry.id)).all())


def test_docker_schema2_push_and_pull(runtime: Runtime, client: TestClient) -> None:
    repo, headers = _setup(runtime, client)
    config, layer = b'{"architecture":"amd64","os":"linux"}', b"layer" * 30
    for blob in (config, layer):
        push_blob(client, repo, blob, headers)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": DOCKER,
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": len(config),
                "digest": sha256(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": len(layer),
                    "digest": sha256(layer),
                }
            ],
        },
        indent=3,
    ).encode()
    put = client.put(
        f"/v2/{repo}/manifests/latest", content=manifest, headers={**headers, "Content-Type": DOCKER}
    )
    assert put.status_code == 201
    assert put.text == "OK"
    assert put.headers["Docker-Content-Digest"] == sha256(manifest)
    assert put.headers["Location"] == f"/v2/{repo}/manifests/{sha256(manifest)}"
    for reference in ("latest", sha256(manifest)):
        got = client.get(f"/v2/{repo}/manifests/{reference}", headers=headers)
        assert got.status_code == 200
        assert got.content == manifest
        assert got.headers["Content-Type"] == DOCKER
        assert got.headers["Docker-Content-Digest"] == sha256(manifest)
        head = client.head(f"/v2/{repo}/manifests/{reference}", headers=headers)
        assert head.headers["Content-Length"] == str(len(manifest))
        assert head.content == b""
    assert _log_kinds(runtime) == ["create_repo", "create_tag", "push_repo", "pull_repo", "pull_repo"]


def test_unknown_blob_is_quays_manifest_invalid(runtime: Runtime, client: TestClient) -> None:
    repo, headers = _setup(runtime, client)
    config = b"{}"
    push_blob(client, repo, config, headers)
    missing = "sha256:" + "00" * 32
    body = json.loads(image_manifest(config, []))
    body["layers"] = [
        {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 10, "digest": missing}
    ]
    response = client.put(
        f"/v2/{repo}/manifests/broken", content=json.dumps(body), headers={**headers, "Content-Type": OCI}
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "code": "MANIFEST_INVALID",
                "detail": {"message": f"Unknown blob `{missing}`"},
                "message": "manifest invalid",
            }
        ]
    }
    assert response.headers["Content-Length"] == "180"
    assert client.get(f"/v2/{repo}/manifests/broken", headers=headers).status_code == 404


def test_invalid_manifests_store_nothing(runtime: Runtime, client: TestClient) -> None:
    repo, headers = _setup(runtime, client)
    for body in (
        b"not json",
        b"[]",
        b'{"schemaVersion": 1}',
        b'{"schemaVersion": 2, "mediaType": "text/plain"}',
    ):
        response = client.put(
            f"/v2/{repo}/manifests/bad", content=body, headers={**headers, "Content-Type": OCI}
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "MANIFEST_INVALID"
    with runtime.db.transaction(write=False) as session:
        assert session.scalar(select(Manifest.id)) is None


def test_push_by_digest_checks_the_digest(runtime: Runtime, client: TestClient) -> None:
    repo, headers = _setup(runtime, client)
    push_blob(client, repo, b"{}", headers)
    manifest = image_manifest(b"{}", [])
    wrong = client.put(
        f"/v2/{repo}/manifests/{'sha256:' + '11' * 32}",
        content=manifest,
        headers={**headers, "Content-Type": OCI},
    )
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["code"] == "DIGEST_INVALID"
    right = client.put(
        f"/v2/{repo}/manifests/{sha256(manifest)}", content=manifest, headers={**headers, "Content-Type": OCI}
    )
    assert right.status_code == 201
    assert client.get(f"/v2/{repo}/tags/list", headers=headers).json()["tags"] == []


def test_bad_tag_name_is_tag_invalid(runtime: Runtime, client: TestClient) -> None:
    repo, headers = _setup(runtime, client)
    push_blob(client, repo, b"{}", headers)
    response = client.put(
        f"/v2/{repo}/manifests/-bad-",
        content=image_manifest(b"{}", []),
        headers={**headers, "Content-Type": OCI},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "TAG_INVALID"


def test_index_needs_its_children(runtime: Runtime, client: TestClient) -> None:
    repo, headers = _setup(runtime, client)
    child_digest, child = push_image(client, repo, "amd64", headers)
    index: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": INDEX,
        "manifests": [
            {
                "mediaType": OCI,
                "digest": child_digest,
                "size": len(child),
                "platform": {"os": "linux", "architecture": "amd64"},
            }
        ],
    }
    ok = client.put(
        f"/v2/{repo}/manifests/multi", content=json.dumps(index), headers={**headers, "Content-Type": INDEX}
    )
    assert ok.status_code == 201
    assert client.get(f"/v2/{repo}/manifests/multi", headers=headers).headers["Content-Type"] == INDEX
    index["manifests"].append({"mediaType": OCI, "digest": "sha256:" + "33" * 32, "size": 10})
    missing = client.put(
        f"/v2/{repo}/manifests/multi2", content=json.dumps(index), headers={**headers, "Content-Type": INDEX}
    )
    assert missing.status_code == 400
    assert "Unknown manifest" in missing.json()["errors"][0]["detail"]["message"]


def test_accept_without_index_types_gets_the_linux_amd64_image(runtime: Runtime, client: TestClient) -> None:
    repo, headers = _setup(runtime, client)
    arm_digest, arm = push_image(client, repo, "arm", headers, seed=b"arm")
    amd_digest, amd = push_image(client, repo, "amd", headers, seed=b"amd")
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": INDEX,
            "manifests": [
                {
                    "mediaType": OCI,
                    "digest": digest,
                    "size": len(body),
                    "platform": {"os": "linux", "architecture": arch},
                }
                for digest, body, arch in ((arm_digest, arm, "arm64"), (amd_digest, amd, "amd64"))
            ],
        }
    ).encode()
    put = client.put(f"/v2/{repo}/manifests/multi", content=index, headers={**headers, "Content-Type": INDEX})
    assert put.status_code == 201
    index_digest = put.headers["Docker-Content-Digest"]

    def pull(reference: str, accept: str | None) -> tuple[str, str, bytes]:
        extra = {"Accept": accept} if accept is not None else {}
        got = client.get(f"/v2/{repo}/manifests/{reference}", headers={**headers, **extra})
        assert got.status_code == 200
        return got.headers["Content-Type"], got.headers["Docker-Content-Digest"], got.content

    # A client that reads only image manifests gets the linux/amd64 image, with that image's digest.
    assert pull("multi", f"{OCI}, {DOCKER}") == (OCI, amd_digest, amd)
    assert pull("multi", f"{OCI};q=0.9") == (OCI, amd_digest, amd)
    # Clients that read indexes, say nothing or take anything get the index as pushed.
    for accept in (f"{INDEX}, {OCI}", None, "*/*", f"{OCI}, */*;q=0.1"):
        assert pull("multi", accept) == (INDEX, index_digest, index)
    # A pull by digest gets exactly what the digest names; so does an index with no image it accepts.
    assert pull(index_digest, OCI) == (INDEX, index_digest, index)
    assert pull("multi", DOCKER) == (INDEX, index_digest, index)
    assert pull("multi", f"{OCI}, {INDEX};q=0") == (OCI, amd_digest, amd)


def test_artifact_with_subject_and_referrers(runtime: Runtime, client: TestClient) -> None:
    repo, headers = _setup(runtime, client)
    subject_digest, subject = push_image(client, repo, "latest", headers)
    empty = b"{}"
    push_blob(client, repo, empty, headers)
    empty_descriptor = {"mediaType": "application/vnd.oci.empty.v1+json", "size": 2, "digest": sha256(empty)}
    artifact = {
        "schemaVersion": 2,
        "mediaType": OCI,
        "artifactType": "application/vnd.example.sbom.v1",
        "config": empty_descriptor,
        "layers": [empty_descriptor],
        "subject": {"mediaType": OCI, "size": len(subject), "digest": subject_digest},
        "annotations": {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"},
    }
    raw = json.dumps(artifact).encode()
    put = client.put(
        f"/v2/{repo}/manifests/{sha256(raw)}", content=raw, headers={**headers, "Content-Type": OCI}
    )
    assert put.status_code == 201
    assert put.headers["OCI-Subject"] == subject_digest
    signature = json.loads(image_manifest(empty, [], subject=artifact["subject"]))
    signature["config"]["mediaType"] = "application/vnd.example.signature.config"
    sig_raw = json.dumps(signature).encode()
    push_blob(client, repo, empty, headers)
    assert (
        client.put(
            f"/v2/{repo}/manifests/{sha256(sig_raw)}",
            content=sig_raw,
            headers={**headers, "Content-Type": OCI},
        ).status_code
        == 201
    )
    listed = client.get(f"/v2/{repo}/referrers/{subject_digest}", headers=headers)
    assert listed.status_code == 200
    assert listed.headers["Content-Type"] == INDEX
    body = listed.json()
    assert body["schemaVersion"] == 2
    assert body["mediaType"] == INDEX
    assert body["manifests"] == [
        {
            "mediaType": OCI,
            "digest": sha256(raw),
            "size": len(raw),
            "artifactType": "application/vnd.example.sbom.v1",
            "annotations": {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"},
        },
        {
            "mediaType": OCI,
            "digest": sha256(sig_raw),
            "size": len(sig_raw),
            "artifactType": "application/vnd.example.signature.config",
        },
    ]
    filtered = client.get(
        f"/v2/{repo}/referrers/{subject_digest}",
        params={"artifactType": "application/vnd.example.sbom.v1"},
        headers=headers,
    )
    assert filtered.headers["OCI-Filters-Applied"] == "artifactType"
    assert [m["digest"] for m in filtered.json()["manifests"]] == [sha256(raw)]
    none = client.get(f"/v2/{repo}/referrers/{'sha256:' + '44' * 32}", headers=headers)
    assert none.status_code == 200
    assert none.json() == {"schemaVersion": 2, "mediaType": INDEX, "manifests": []}


def test_subject_may_be_missing(runtime: Runtime, client: TestClient) -> None:
    repo, headers = _setup(runtime, client)
    push_blob(client, repo, b"{}", headers)
    absent = "sha256:" + "55" * 32
    raw = image_manifest(b"{}", [], subject={"mediaType": OCI, "size": 100, "digest": absent})
    assert (
        client.put(
            f"/v2/{repo}/manifests/{sha256(raw)}", content=raw, headers={**headers, "Content-Type": OCI}
        ).status_code
        == 201
    )
    assert len(client.get(f"/v2/{repo}/referrers/{absent}", headers=headers).json()["manifests"]) == 1


def test_tag_move_keeps_history(runtime: Runtime, client: TestClient, clock: Clock) -> None:
    repo, headers = _setup(runtime, client)
    first, _ = push_image(client, repo, "latest", headers, seed=b"one")
    clock.advance(10)
    second, _ = push_image(client, repo, "latest", headers, seed=b"two")
    clock.advance(10)
    push_image(client, repo, "latest", headers, seed=b"two")
    assert (
        client.get(f"/v2/{repo}/manifests/latest", headers=headers).headers["Docker-Content-Digest"] == second
    )
    with runtime.db.transaction(write=False) as session:
        rows = session.execute(
            select(Tag.name, Tag.end_time, Manifest.digest).join(Manifest).order_by(Tag.id)
        ).all()
    assert [(r[0], r[1] is None, r[2]) for r in rows] == [("latest", False, first), ("latest", True, second)]
    kinds = [k for k in _log_kinds(runtime) if k.endswith("_tag")]
    assert kinds == ["create_tag", "move_tag"]


def test_delete_by_tag_and_by_digest(runtime: Runtime, client: TestClient) -> None:
    repo, headers = _setup(runtime, client)
    digest, _ = push_image(client, repo, "a", headers)
    push_image(client, repo, "b", headers)
    push_image(client, repo, "c", headers, seed=b"other")
    assert client.delete(f"/v2/{repo}/manifests/c", headers=headers).status_code == 202
    assert client.get(f"/v2/{repo}/tags/list", headers=headers).json()["tags"] == ["a", "b"]
    assert client.delete(f"/v2/{repo}/manifests/{digest}", headers=headers).status_code == 202
    assert client.get(f"/v2/{repo}/tags/list", headers=headers).json()["tags"] == []
    gone = client.get(f"/v2/{repo}/manifests/{digest}", headers=headers)
    assert gone.status_code == 404
    assert gone.json() == {
        "errors": [{"code": "MANIFEST_UNKNOWN", "detail": {}, "message": "manifest unknown"}]
    }
    assert client.delete(f"/v2/{repo}/manifests/{digest}", headers=headers).status_code == 404
    assert client.delete(f"/v2/{repo}/manifests/nosuchtag", headers=headers).status_code == 404
    assert _log_kinds(runtime).count("delete_tag") == 3
    again = client.put(
        f"/v2/{repo}/manifests/back",
        content=image_manifest(
            b'{"architecture":"amd64","os":"linux","seed":""}', [b"layer-0" * 100, b"layer-1" * 100]
        ),
        headers={**headers, "Content-Type": OCI},
    )
    assert again.status_code == 201
    assert client.get(f"/v2/{repo}/manifests/{digest}", headers=headers).status_code == 200


def test_concurrent_pushes_of_one_tag_and_one_digest_all_succeed(
    runtime: Runtime, client: TestClient
) -> None:
    """On PostgreSQL pushes to one repository run side by side: clashes are retried, never a 5xx."""
    repo, headers = _setup(runtime, client)
    config, layer = b'{"architecture":"amd64","os":"linux"}', b"layer" * 30
    for blob in (config, layer):
        push_blob(client, repo, blob, headers)
    shared = image_manifest(config, [layer])
    others = [image_manifest(config, [layer], annotations={"n": str(i)}) for i in range(6)]

    def put(args: tuple[str, bytes]) -> int:
        tag, body = args
        response = client.put(
            f"/v2/{repo}/manifests/{tag}", content=body, headers={**headers, "Content-Type": OCI}
        )
        return response.status_code

    work = [("same", body) for body in others] + [(f"t{i}", shared) for i in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(put, work))
    assert statuses == [201] * len(work)
    with runtime.db.transaction(write=False) as session:
        rows = session.execute(select(Tag.name, Tag.end_time).where(Tag.name == "same")).all()
        stored = session.scalars(select(Manifest.digest)).all()
    assert len(rows) == 6
    assert sum(1 for row in rows if row.end_time is None) == 1
    assert sorted(stored) == sorted({sha256(body) for body in [shared, *others]})
    live = client.get(f"/v2/{repo}/manifests/same", headers={**headers, "Accept": OCI})
    assert live.status_code == 200
    assert live.content in others
