"""A real ``berth serve`` process on a free loopback port, and OCI layouts for real clients."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

START_TIMEOUT_S = 60
PASSWORD = "registry-password-1"


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A running Berth with one user ``alice``."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]
    username: str = "alice"
    password: str = PASSWORD

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)


def clean_env() -> dict[str, str]:
    """The caller's environment without any ``BERTH_*`` override that could change the config."""
    return {k: v for k, v in os.environ.items() if not k.startswith("BERTH_")}


def write_config(root: Path, port: int, **extra: Any) -> Path:
    """``root/config.yaml`` for a server on ``port``: SQLite and local storage under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    config = {
        "SERVER_HOSTNAME": f"127.0.0.1:{port}",
        "DB_URI": f"sqlite:///{root / 'data' / 'berth.db'}",
        "DISTRIBUTED_STORAGE_CONFIG": {"default": ["LocalStorage", {"storage_path": str(root / "storage")}]},
        "DISTRIBUTED_STORAGE_PREFERENCE": ["default"],
        "PASSWORD_HASH_COST": "low",
        **extra,
    }
    config_path = root / "config.yaml"
    config_path.write_text(yaml.safe_dump(config))
    return config_path


def start_server(root: Path) -> Server:
    """Write a config, create user ``alice``, start ``berth serve`` and wait until it answers."""
    port = free_port()
    config_path = write_config(root, port)
    base = [sys.executable, "-m", "berth", "--config", str(config_path)]
    subprocess.run(
        [*base, "user", "create", "alice", "--email", "alice@example.com", "--password", PASSWORD],
        cwd=root,
        env=clean_env(),
        check=True,
        capture_output=True,
        timeout=120,
    )
    with (root / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [*base, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=root,
            env=clean_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(root, port, process)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"berth serve exited: {(root / 'server.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/v2/", timeout=2).status_code == 401:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError("berth serve did not start in time")


def _write_blob(layout: Path, data: bytes) -> dict[str, object]:
    digest = hashlib.sha256(data).hexdigest()
    path = layout / "blobs" / "sha256" / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def _layer(index: int, size: int) -> tuple[bytes, str]:
    """A gzipped tar holding one file of random bytes; returns (bytes, diff id)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        payload = os.urandom(size)
        info = tarfile.TarInfo(f"file-{index}.bin")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    tar_bytes = raw.getvalue()
    return gzip.compress(tar_bytes, compresslevel=1), "sha256:" + hashlib.sha256(tar_bytes).hexdigest()


def build_oci_layout(layout: Path, tag: str, layer_sizes: list[int]) -> str:
    """An ``oci:`` image layout with one multi-layer image under ``tag``; returns its manifest digest."""
    layout.mkdir(parents=True, exist_ok=True)
    (layout / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    layers, diff_ids = [], []
    for i, size in enumerate(layer_sizes):
        data, diff_id = _layer(i, size)
        layers.append(
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **_write_blob(layout, data)}
        )
        diff_ids.append(diff_id)
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                **_write_blob(layout, config),
            },
            "layers": layers,
        }
    ).encode()
    descriptor = _write_blob(layout, manifest)
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                **descriptor,
                "annotations": {"org.opencontainers.image.ref.name": tag},
            }
        ],
    }
    (layout / "index.json").write_text(json.dumps(index))
    return str(descriptor["digest"])


def api_token(server: Server, *scopes: str) -> str:
    """An OAuth token for the server's user from ``berth token create`` (the CLI on its database)."""
    wanted = scopes or ("org:admin", "user:admin", "repo:admin")
    result = subprocess.run(
        [sys.executable, "-m", "berth", "--config", str(server.root / "config.yaml"), "token", "create",
         "--user", server.username, *(arg for scope in wanted for arg in ("--scope", scope))],
        cwd=server.root, env=clean_env(), capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return result.stdout.strip().splitlines()[-1]
