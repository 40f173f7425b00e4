"""Keyless robot authentication against a local OIDC issuer (discovery and JWKS on a loopback port):
configure the trusted issuer and subject, exchange a signed JWT for a one-hour robot token, and
refuse malformed, foreign, expired or untrusted tokens without issuing anything."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.testclient import TestClient

from berth.runtime import Runtime
from tests.conftest import Clock
from tests.factories import user_with_token
from tests.oauth.helpers import h, make_org
from tests.registry.helpers import basic

SUBJECT = "repo:acme/app:ref:refs/heads/main"


class Issuer:
    """An OIDC issuer: a signing key, its discovery document and JWKS served over HTTP."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": "k1", "alg": "RS256", "use": "sig"})
        self.jwks = {"keys": [jwk]}
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    body: Any = {"issuer": issuer.url, "jwks_uri": issuer.url + "/jwks"}
                elif self.path == "/jwks":
                    body = issuer.jwks
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def sign(self, key: Any = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": self.url, "sub": SUBJECT, "aud": "berth", "iat": now, "exp": now + 300, **claims}
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": "k1"})

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    """A running local issuer."""
    running = Issuer()
    yield running
    running.stop()


def _exchange(client: TestClient, jwt_token: str, robot: str = "acme+bot") -> Any:
    return client.get("/oauth2/federation/robot/token", headers=basic(robot, jwt_token))


def _setup(client: TestClient, runtime: Runtime, issuer: Issuer) -> str:
    _, token = user_with_token(runtime)
    make_org(client, token)
    assert client.put("/api/v1/organization/acme/robots/bot", headers=h(token)).status_code == 201
    config = [{"issuer": issuer.url, "subject": SUBJECT}]
    created = client.post("/api/v1/organization/acme/robots/bot/federation", json=config, headers=h(token))
    assert created.status_code == 200, created.text
    assert created.json() == config
    return token


def test_exchange_an_oidc_token_for_a_robot_token(
    client: TestClient, runtime: Runtime, issuer: Issuer, clock: Clock
) -> None:
    token = _setup(client, runtime, issuer)
    full = client.get("/api/v1/organization/acme/robots/acme+bot/federation", headers=h(token))
    assert full.json() == [{"issuer": issuer.url, "subject": SUBJECT}]
    exchanged = _exchange(client, issuer.sign())
    assert exchanged.status_code == 200, exchanged.text
    robot_token = exchanged.json()["token"]
    v2 = client.get("/v2/auth", params={"service": "testserver"}, headers=basic("acme+bot", robot_token))
    assert v2.status_code == 200
    clock.advance(3601)
    late = client.get("/v2/auth", params={"service": "testserver"}, headers=basic("acme+bot", robot_token))
    assert late.status_code == 401


def test_bad_tokens_are_refused(client: TestClient, runtime: Runtime, issuer: Issuer) -> None:
    token = _setup(client, runtime, issuer)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    for bad in (
        "not-a-jwt",
        issuer.sign(sub="repo:evil/app:ref:refs/heads/main"),
        issuer.sign(iss="http://127.0.0.1:1"),
        issuer.sign(key=other_key),
        issuer.sign(exp=now - 3600, iat=now - 7200),
        jwt.encode(
            {"iss": issuer.url, "sub": SUBJECT}, "a-shared-secret-long-enough-for-hs256!", algorithm="HS256"
        ),
    ):
        refused = _exchange(client, bad)
        assert refused.status_code == 401, bad
        assert refused.json()["error"] == "invalid_token"
    assert _exchange(client, issuer.sign(), robot="acme+nobody").status_code == 401
    assert _exchange(client, issuer.sign(), robot="alice").status_code == 401
    assert client.get("/oauth2/federation/robot/token").status_code == 401
    not_a_list = client.post(
        "/api/v1/organization/acme/robots/bot/federation",
        json={"issuer": issuer.url, "subject": "x"},
        headers=h(token),
    )
    assert not_a_list.status_code == 400
    bad_issuer = client.post(
        "/api/v1/organization/acme/robots/bot/federation",
        json=[{"issuer": "ftp://x", "subject": "x"}],
        headers=h(token),
    )
    assert bad_issuer.status_code == 400
    assert (
        client.delete("/api/v1/organization/acme/robots/bot/federation", headers=h(token)).status_code == 204
    )
    assert client.get("/api/v1/organization/acme/robots/bot/federation", headers=h(token)).json() == []
    assert _exchange(client, issuer.sign()).status_code == 401
    missing = client.get("/api/v1/organization/acme/robots/ghost/federation", headers=h(token))
    assert missing.status_code == 400
