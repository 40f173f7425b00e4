"""buildah (the podman family's build/push tool) against a real ``berth serve``.

``podman run`` cannot run here (no container runtime in this sandbox), but buildah needs none to build
an image from scratch, log in, push and pull, which is the registry half of what podman does. Storage
is the ``vfs`` driver in a temporary folder.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.registry.server import Server, api_token

pytestmark = [
    pytest.mark.clients,
    pytest.mark.skipif(
        shutil.which("buildah") is None, reason="buildah is not installed (.ci/run installs it)"
    ),
]
TIMEOUT_S = 300


class Buildah:
    """buildah with private storage under ``root``."""

    def __init__(self, root: Path) -> None:
        self.base = [
            "buildah",
            "--storage-driver",
            "vfs",
            "--root",
            str(root / "storage"),
            "--runroot",
            str(root / "run"),
        ]
        self.auth_file = root / "auth.json"
        root.mkdir(parents=True, exist_ok=True)
        self.auth_file.write_text("{}")

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*self.base, *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
            env={"REGISTRY_AUTH_FILE": str(self.auth_file), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def build(self, tmp: Path, tag: str, content: str) -> str:
        """Commit a one-file image from scratch; returns its image id."""
        payload = tmp / f"{tag.replace(':', '_').replace('/', '_')}.txt"
        payload.write_text(content)
        container = self("from", "scratch").stdout.strip()
        self("copy", container, str(payload), "/hello.txt")
        self("config", "--label", f"org.example.content={content}", container)
        image_id = self("commit", "-q", container, tag).stdout.strip()
        self("rm", container)
        return image_id


@pytest.fixture
def buildah(tmp_path: Path) -> Iterator[Buildah]:
    """buildah with storage that is removed after the test."""
    tool = Buildah(tmp_path / "buildah")
    yield tool
    tool("rmi", "--all", "--force", check=False)


def _manifest_digest(server: Server, repo: str, tag: str) -> str:
    token = httpx.get(
        f"{server.url}/v2/auth",
        params={"service": server.host, "scope": f"repository:{repo}:pull"},
        auth=(server.username, server.password),
    ).json()["token"]
    response = httpx.head(
        f"{server.url}/v2/{repo}/manifests/{tag}",
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.oci.image.manifest.v1+json, "
            "application/vnd.docker.distribution.manifest.v2+json",
        },
    )
    assert response.status_code == 200
    return response.headers["Docker-Content-Digest"]


@pytest.mark.parametrize("image_format", ["oci", "docker"])
def test_buildah_logs_in_pushes_and_pulls(
    server: Server, buildah: Buildah, tmp_path: Path, image_format: str
) -> None:
    image_id = buildah.build(tmp_path, f"localhost/demo:{image_format}", f"hello {image_format}")
    login = buildah("login", "--tls-verify=false", "-u", server.username, "-p", server.password, server.host)
    assert "Login Succeeded" in login.stdout
    remote = f"{server.host}/alice/buildah-{image_format}:v1"
    buildah(
        "push",
        "--tls-verify=false",
        "--format",
        image_format,
        "--digestfile",
        str(tmp_path / "digest"),
        f"localhost/demo:{image_format}",
        f"docker://{remote}",
    )
    pushed_digest = (tmp_path / "digest").read_text().strip()
    assert _manifest_digest(server, f"alice/buildah-{image_format}", "v1") == pushed_digest

    buildah("rmi", "--all", "--force")
    buildah("pull", "--tls-verify=false", f"docker://{remote}")
    images = json.loads(buildah("images", "--json").stdout)
    assert len(images) == 1
    assert image_id.startswith(images[0]["id"])
    inspected = json.loads(buildah("inspect", "--type", "image", remote).stdout)
    assert inspected["OCIv1"]["config"]["Labels"]["org.example.content"] == f"hello {image_format}"


def test_buildah_with_a_wrong_password_is_refused(server: Server, buildah: Buildah) -> None:
    # Another name than alice's: failed logins throttle the name they were tried with.
    result = buildah(
        "login", "--tls-verify=false", "-u", "mallory", "-p", "wrong-password", server.host, check=False
    )
    assert result.returncode != 0
    assert "invalid username/password" in result.stderr


def test_buildah_cannot_push_to_another_users_namespace(
    server: Server, buildah: Buildah, tmp_path: Path
) -> None:
    buildah.build(tmp_path, "localhost/demo:other", "not yours")
    buildah("login", "--tls-verify=false", "-u", server.username, "-p", server.password, server.host)
    result = buildah(
        "push",
        "--tls-verify=false",
        "localhost/demo:other",
        f"docker://{server.host}/someoneelse/repo:v1",
        check=False,
    )
    assert result.returncode != 0


def test_buildah_logs_in_with_a_robot_token(server: Server, buildah: Buildah, tmp_path: Path) -> None:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {api_token(server)}"}) as api:
        assert api.post("/api/v1/organization/", json={"name": "builds"}).status_code == 201
        created = api.put("/api/v1/organization/builds/robots/ci", json={"description": "buildah"})
        assert created.status_code == 201
        token = created.json()["token"]
        assert (
            api.put("/api/v1/organization/builds/team/pushers", json={"role": "creator"}).status_code == 200
        )
        assert api.put("/api/v1/organization/builds/team/pushers/members/builds+ci").status_code == 200
    image_id = buildah.build(tmp_path, "localhost/demo:robot", "pushed by a robot")
    login = buildah("login", "--tls-verify=false", "-u", "builds+ci", "-p", token, server.host)
    assert "Login Succeeded" in login.stdout
    buildah("push", "--tls-verify=false", "localhost/demo:robot", f"docker://{server.host}/builds/app:v1")
    buildah("rmi", "--all", "--force")
    buildah("pull", "--tls-verify=false", f"docker://{server.host}/builds/app:v1")
    images = json.loads(buildah("images", "--json").stdout)
    assert len(images) == 1
    assert image_id.startswith(images[0]["id"])
    buildah("logout", server.host)
    wrong = buildah(
        "login", "--tls-verify=false", "-u", "builds+ci", "-p", "X" * 64, server.host, check=False
    )
    assert wrong.returncode != 0
