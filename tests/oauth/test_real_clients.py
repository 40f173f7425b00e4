"""An app-specific token as a real client's password: skopeo pushes and inspects with ``$app`` against
a real ``berth serve``; once the token is revoked, the same credentials are refused."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.registry.server import Server, api_token, build_oci_layout, start_server

pytestmark = [
    pytest.mark.clients,
    pytest.mark.skipif(
        shutil.which("skopeo") is None, reason="skopeo is not installed (.ci/run installs it)"
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A running Berth for this module."""
    running = start_server(tmp_path_factory.mktemp("berth"))
    yield running
    running.stop()


def _skopeo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=300, check=False)


def test_skopeo_pushes_with_an_app_token(server: Server, tmp_path: Path) -> None:
    headers = {"Authorization": f"Bearer {api_token(server, 'user:admin')}"}
    created = httpx.post(f"{server.url}/api/v1/user/apptoken", json={"title": "skopeo"}, headers=headers)
    assert created.status_code == 200, created.text
    token = created.json()["token"]
    creds = f"$app:{token['token_code']}"
    source = tmp_path / "source"
    digest = build_oci_layout(source, "v1", [1_000, 64])
    target = f"docker://{server.host}/alice/apptoken:v1"
    pushed = _skopeo("copy", "--dest-tls-verify=false", "--dest-creds", creds, f"oci:{source}:v1", target)
    assert pushed.returncode == 0, pushed.stderr
    inspected = _skopeo("inspect", "--tls-verify=false", "--creds", creds, target)
    assert inspected.returncode == 0, inspected.stderr
    assert digest in inspected.stdout
    listed = httpx.get(f"{server.url}/api/v1/user/apptoken", headers=headers).json()["tokens"]
    assert listed[0]["last_accessed"] is not None
    revoked = httpx.delete(f"{server.url}/api/v1/user/apptoken/{token['uuid']}", headers=headers)
    assert revoked.status_code == 204
    refused = _skopeo("inspect", "--tls-verify=false", "--creds", creds, target)
    assert refused.returncode != 0
