"""Real clients against a real ``berth serve``: skopeo copies images in and out, oras-py pushes artifacts.

A module-scoped server (SQLite, local disk) runs on a free loopback port with user ``alice``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.registry.server import Server, build_oci_layout

pytestmark = [
    pytest.mark.clients,
    pytest.mark.skipif(
        shutil.which("skopeo") is None, reason="skopeo is not installed (.ci/run installs it)"
    ),
]
SKOPEO_TIMEOUT_S = 300


def _skopeo(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["skopeo", *args], capture_output=True, text=True, timeout=SKOPEO_TIMEOUT_S, check=False
    )
    assert result.returncode == 0, result.stderr
    return result


def _token(server: Server, *scopes: str) -> str:
    response = httpx.get(
        f"{server.url}/v2/auth",
        params=[("service", server.host), *(("scope", s) for s in scopes)],
        auth=(server.username, server.password),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def _blob_files(layout: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (layout / "blobs" / "sha256").iterdir()}


def test_skopeo_copies_a_multi_layer_image_in_and_out(server: Server, tmp_path: Path) -> None:
    source = tmp_path / "source"
    digest = build_oci_layout(source, "v1", [300_000, 2_500_000, 1_000, 64])
    creds = f"{server.username}:{server.password}"
    target = f"docker://{server.host}/{server.username}/images/multi:v1"
    _skopeo("copy", "--dest-tls-verify=false", "--dest-creds", creds, f"oci:{source}:v1", target)
    inspected = json.loads(_skopeo("inspect", "--tls-verify=false", "--creds", creds, target).stdout)
    assert inspected["Digest"] == digest
    assert len(inspected["Layers"]) == 4
    back = tmp_path / "back"
    _skopeo("copy", "--src-tls-verify=false", "--src-creds", creds, target, f"oci:{back}:v1")
    index = json.loads((back / "index.json").read_text())
    assert index["manifests"][0]["digest"] == digest
    assert _blob_files(back) == _blob_files(source)
    tags = json.loads(
        _skopeo("list-tags", "--tls-verify=false", "--creds", creds, target.rsplit(":", 1)[0]).stdout
    )
    assert tags["Tags"] == ["v1"]


def test_skopeo_copies_between_repositories_and_deletes(server: Server, tmp_path: Path) -> None:
    source = tmp_path / "source"
    build_oci_layout(source, "v2", [50_000, 70_000])
    creds = f"{server.username}:{server.password}"
    first = f"docker://{server.host}/{server.username}/first:v2"
    second = f"docker://{server.host}/{server.username}/second:v2"
    _skopeo("copy", "--dest-tls-verify=false", "--dest-creds", creds, f"oci:{source}:v2", first)
    _skopeo(
        "copy",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        "--src-creds",
        creds,
        "--dest-creds",
        creds,
        first,
        second,
    )
    _skopeo("delete", "--tls-verify=false", "--creds", creds, second)
    result = subprocess.run(
        ["skopeo", "inspect", "--tls-verify=false", "--creds", creds, second],
        capture_output=True,
        text=True,
        timeout=SKOPEO_TIMEOUT_S,
        check=False,
    )
    assert result.returncode != 0
    assert "manifest unknown" in result.stderr.lower()


def test_anonymous_skopeo_cannot_push(server: Server, tmp_path: Path) -> None:
    source = tmp_path / "source"
    build_oci_layout(source, "v1", [10])
    result = subprocess.run(
        [
            "skopeo",
            "copy",
            "--dest-tls-verify=false",
            f"oci:{source}:v1",
            f"docker://{server.host}/{server.username}/anon:v1",
        ],
        capture_output=True,
        text=True,
        timeout=SKOPEO_TIMEOUT_S,
        check=False,
    )
    assert result.returncode != 0
    assert "unauthorized" in result.stderr.lower() or "authentication required" in result.stderr.lower()


def test_oras_pushes_an_artifact_with_a_subject_and_pulls_it_back(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import oras.client
    import oras.oci

    monkeypatch.chdir(tmp_path)
    Path("notes.txt").write_text("release notes\n" * 100)
    Path("sbom.json").write_text(json.dumps({"packages": ["a", "b"]}))
    repo = f"{server.host}/{server.username}/artifacts"
    client = oras.client.OrasClient(hostname=server.host, insecure=True)
    # oras-py keeps the first token it gets and never asks again after a 401, so it starts with one
    # that grants push (as Quay, Berth answers 401 to a token lacking a scope).
    client.auth.set_token_auth(_token(server, f"repository:{server.username}/artifacts:push,pull"))
    pushed = client.push(target=f"{repo}:base", files=["notes.txt"], do_chunked=True, chunk_size=500)
    assert pushed.status_code == 201
    subject = oras.oci.Subject.from_manifest(client.get_manifest(f"{repo}:base"))
    assert subject.digest == pushed.headers["Docker-Content-Digest"]
    referrer = client.push(
        target=f"{repo}:sbom", files=["sbom.json:application/vnd.example.sbom"], subject=subject
    )
    assert referrer.status_code == 201
    assert referrer.headers["OCI-Subject"] == subject.digest
    headers = {"Authorization": f"Bearer {_token(server, f'repository:{server.username}/artifacts:pull')}"}
    listed = httpx.get(
        f"{server.url}/v2/{server.username}/artifacts/referrers/{subject.digest}", headers=headers
    )
    assert listed.status_code == 200
    assert [m["digest"] for m in listed.json()["manifests"]] == [referrer.headers["Docker-Content-Digest"]]
    out = tmp_path / "out"
    files = client.pull(target=f"{repo}:base", outdir=str(out))
    assert [Path(f).read_text() for f in files] == ["release notes\n" * 100]
    sbom = client.pull(target=f"{repo}:sbom", outdir=str(out))
    assert json.loads(Path(sbom[0]).read_text()) == {"packages": ["a", "b"]}


def test_concurrent_pushes_on_sqlite_all_succeed(server: Server) -> None:
    repo = f"{server.username}/busy"
    headers = {"Authorization": f"Bearer {_token(server, f'repository:{repo}:push,pull')}"}

    def push(i: int) -> list[int]:
        statuses = []
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
            blob = os.urandom(4096) + str(i).encode()
            import hashlib

            digest = "sha256:" + hashlib.sha256(blob).hexdigest()
            statuses.append(
                http.post(f"/v2/{repo}/blobs/uploads/", params={"digest": digest}, content=blob).status_code
            )
            config = json.dumps({"i": i}).encode()
            config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
            statuses.append(
                http.post(
                    f"/v2/{repo}/blobs/uploads/", params={"digest": config_digest}, content=config
                ).status_code
            )
            manifest = {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": config_digest,
                    "size": len(config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": digest,
                        "size": len(blob),
                    }
                ],
            }
            for tag in (f"t{i}", "shared"):
                statuses.append(
                    http.put(
                        f"/v2/{repo}/manifests/{tag}",
                        content=json.dumps(manifest),
                        headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"},
                    ).status_code
                )
        return statuses

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(push, range(16)))
    assert all(status == 201 for statuses in results for status in statuses), results
    tags = httpx.get(f"{server.url}/v2/{repo}/tags/list", headers=headers).json()["tags"]
    assert sorted(tags) == sorted([f"t{i}" for i in range(16)] + ["shared"])
    log = (server.root / "server.log").read_text()
    assert "database is locked" not in log
    assert "Traceback" not in log
