"""A robot pushes with skopeo into a real ``berth serve``; after ``regenerate`` its old token is refused."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.registry.server import Server, api_token, build_oci_layout

pytestmark = [
    pytest.mark.clients,
    pytest.mark.skipif(
        shutil.which("skopeo") is None, reason="skopeo is not installed (.ci/run installs it)"
    ),
]
TIMEOUT_S = 300


def _copy(source: Path, target: str, creds: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", creds, f"oci:{source}:v1", target],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def test_robot_pushes_with_skopeo_and_regenerate_revokes_old_token(server: Server, tmp_path: Path) -> None:
    api = httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {api_token(server, 'org:admin', 'user:admin')}"},
    )
    assert (
        api.post("/api/v1/organization/", json={"name": "ci", "email": "ci@example.com"}).status_code == 201
    )
    created = api.put("/api/v1/organization/ci/robots/pusher", json={"description": "CI pushes"})
    assert created.status_code == 201
    old = created.json()["token"]
    assert api.put("/api/v1/organization/ci/team/builders", json={"role": "creator"}).status_code == 200
    assert api.put("/api/v1/organization/ci/team/builders/members/ci+pusher").status_code == 200

    source = tmp_path / "source"
    build_oci_layout(source, "v1", [20_000, 300])
    target = f"docker://{server.host}/ci/app:v1"
    pushed = _copy(source, target, f"ci+pusher:{old}")
    assert pushed.returncode == 0, pushed.stderr

    new = api.post("/api/v1/organization/ci/robots/pusher/regenerate").json()["token"]
    refused = _copy(source, f"docker://{server.host}/ci/app:v2", f"ci+pusher:{old}")
    assert refused.returncode != 0
    assert "unauthorized" in refused.stderr.lower() or "authentication required" in refused.stderr.lower()
    again = _copy(source, f"docker://{server.host}/ci/app:v2", f"ci+pusher:{new}")
    assert again.returncode == 0, again.stderr
    robot = api.get("/api/v1/organization/ci/robots/pusher").json()
    assert robot["last_accessed"] is not None
    api.close()
