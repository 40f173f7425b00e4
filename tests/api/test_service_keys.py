"""Superuser service-key management and the public key server, as Quay serves them."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from starlette.testclient import TestClient

from berth.auditlog.models import LogEntry
from berth.lib.scopes import ALL_SCOPES, SUPER_USER
from berth.runtime import Runtime
from tests.conftest import Clock
from tests.factories import user_with_token
from tests.permissions.rows_servicekeys import seed_service_key

KEY_FIELDS = [
    "approval",
    "created_date",
    "expiration_date",
    "jwk",
    "kid",
    "metadata",
    "name",
    "rotation_duration",
    "service",
]
GMT = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _kinds(runtime: Runtime) -> list[str]:
    with runtime.db.transaction() as session:
        return list(session.scalars(select(LogEntry.kind).order_by(LogEntry.id)))


def _b64(value: int) -> str:
    return (
        base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()
    )


def _create(client: TestClient, token: str, **body: Any) -> dict[str, Any]:
    answer = client.post("/api/v1/superuser/keys", json={"expiration": None, **body}, headers=_h(token))
    assert answer.status_code == 200, answer.text
    created: dict[str, Any] = answer.json()
    return created


def test_create_returns_the_private_key_once(client: TestClient, runtime: Runtime) -> None:
    admin, token = user_with_token(runtime, superuser=True)
    expires = int((runtime.clock() + timedelta(days=30)).timestamp())
    created = _create(
        client,
        token,
        service="quay",
        name="Builder key",
        metadata={"team": "ci"},
        notes="for CI",
        expiration=expires,
    )
    assert list(created) == ["kid", "name", "private_key", "public_key", "service"]
    assert (created["name"], created["service"]) == ("Builder key", "quay")
    assert created["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    assert created["public_key"].startswith("-----BEGIN PUBLIC KEY-----\n")
    private = serialization.load_pem_private_key(created["private_key"].encode(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    assert private.key_size == 2048
    public = private.public_key().public_numbers()
    # The kid is the RFC 7638 thumbprint of the public key.
    canonical = json.dumps({"e": _b64(public.e), "kty": "RSA", "n": _b64(public.n)}, separators=(",", ":"))
    thumb = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    assert created["kid"] == thumb

    listed = client.get("/api/v1/superuser/keys", headers=_h(token))
    assert listed.status_code == 200
    [key] = listed.json()["keys"]
    assert list(key) == KEY_FIELDS
    assert key["kid"] == thumb
    assert key["jwk"] == {"e": "AQAB", "kty": "RSA", "n": _b64(public.n), "kid": thumb}
    # Flask's jsonify sorts keys at every level (golden listServiceKeys).
    assert list(key["jwk"]) == ["e", "kid", "kty", "n"]
    assert list(key["metadata"]) == sorted(key["metadata"])
    assert list(key["approval"]["approver"]) == sorted(key["approval"]["approver"])
    assert key["metadata"] == {
        "team": "ci",
        "created_by": "Quay Superuser Panel",
        "creator": admin,
        "ip": "testclient",
    }
    assert key["created_date"] == "Thu, 15 Jan 2026 12:00:00 GMT"
    assert key["expiration_date"] == "Sat, 14 Feb 2026 12:00:00 GMT"
    assert key["rotation_duration"] is None
    approval = key["approval"]
    assert list(approval) == ["approval_type", "approved_date", "approver", "notes"]
    assert approval["approval_type"] == "ServiceKeyApprovalType.SUPERUSER"
    assert approval["notes"] == "for CI"
    assert GMT.fullmatch(approval["approved_date"])
    assert approval["approver"]["username"] == admin
    assert approval["approver"]["super_user"] is True
    # The private key is never shown again, nor stored.
    assert client.get(f"/api/v1/superuser/keys/{thumb}", headers=_h(token)).json() == key
    assert "PRIVATE" not in listed.text
    assert _kinds(runtime) == ["service_key_create", "service_key_approve"]

    # A JWT signed with the private key verifies against the published JWKS.
    signed = jwt.encode({"iss": "quay"}, created["private_key"], algorithm="RS256", headers={"kid": thumb})
    jwks = client.get("/keys/services/quay/keys")
    assert jwks.status_code == 200
    [published] = jwks.json()["keys"]
    assert list(published) == ["e", "kid", "kty", "n"]
    verifier = jwt.PyJWK(published).key
    assert jwt.decode(signed, verifier, algorithms=["RS256"]) == {"iss": "quay"}


def test_create_validation(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime, superuser=True)
    now = int(runtime.clock().timestamp())

    def error(body: dict[str, Any]) -> str:
        answer = client.post("/api/v1/superuser/keys", json=body, headers=_h(token))
        assert answer.status_code == 400, answer.text
        message: str = answer.json()["error_message"]
        return message

    assert error({"service": "quay", "expiration": now - 10}) == "Expiration date cannot be in the past"
    assert error({"service": "quay", "expiration": "soon"}).startswith("Invalid expiration date")
    assert error({"service": "quay"}) == "'expiration' is a required property"
    assert error({"expiration": None}) == "'service' is a required property"
    assert error({"service": "Bad Service!", "expiration": None}).startswith("Invalid service name")
    assert error({"service": "quay", "name": "a.b", "expiration": None}) == (
        "Invalid service key friendly name: a.b"
    )
    assert "metadata" in error({"service": "quay", "metadata": [], "expiration": None})
    # Unix seconds may come as a string, as Quay reads them with float().
    created = _create(client, token, service="quay", name="http://host:8080/x", expiration=str(now + 60))
    assert created["name"] == "http://host:8080/x"
    assert client.get("/api/v1/superuser/keys", headers=_h(token)).json()["keys"][0]["expiration_date"] == (
        "Thu, 15 Jan 2026 12:01:00 GMT"
    )


def test_update_name_metadata_expiration(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime, superuser=True)
    kid = _create(client, token, service="quay", name="one", metadata={"a": "1"})["kid"]
    url = f"/api/v1/superuser/keys/{kid}"
    renamed = client.put(url, json={"name": "two", "metadata": {"b": "2"}}, headers=_h(token))
    assert renamed.status_code == 200
    body = renamed.json()
    assert list(body) == KEY_FIELDS
    assert body["name"] == "two"
    assert {k: body["metadata"][k] for k in ("a", "b")} == {"a": "1", "b": "2"}
    later = int((runtime.clock() + timedelta(hours=1)).timestamp())
    extended = client.put(url, json={"expiration": later}, headers=_h(token))
    assert extended.json()["expiration_date"] == "Thu, 15 Jan 2026 13:00:00 GMT"
    assert extended.json()["name"] == "two"
    cleared = client.put(url, json={"expiration": None}, headers=_h(token))
    assert cleared.json()["expiration_date"] is None
    past = client.put(url, json={"expiration": 1}, headers=_h(token))
    assert past.status_code == 400
    assert past.json()["error_message"] == "Cannot have an expiration date in the past"
    bad_name = client.put(url, json={"name": "no.dots"}, headers=_h(token))
    assert bad_name.status_code == 400
    assert client.put("/api/v1/superuser/keys/nokey", json={}, headers=_h(token)).status_code == 404
    assert _kinds(runtime)[2:] == ["service_key_modify", "service_key_extend", "service_key_extend"]


def test_unapproved_and_expired_keys(client: TestClient, runtime: Runtime, clock: Clock) -> None:
    admin, token = user_with_token(runtime, superuser=True)
    seed_service_key(runtime, kid="pending", service="clair", approved=False)
    seed_service_key(runtime, kid="old", service="clair", expiration=runtime.clock() + timedelta(minutes=5))
    seed_service_key(runtime, kid="live", service="clair", expiration=runtime.clock() + timedelta(days=3))
    seed_service_key(runtime, kid="other", service="quay")

    pending = client.get("/api/v1/superuser/keys/pending", headers=_h(token))
    assert pending.status_code == 200
    assert pending.json()["approval"] is None
    # As Quay, only live, approved keys can be changed.
    assert (
        client.put("/api/v1/superuser/keys/pending", json={"name": "x"}, headers=_h(token)).status_code == 404
    )

    assert client.get("/keys/services/clair/keys/pending").status_code == 409
    old = client.get("/keys/services/clair/keys/old")
    assert old.status_code == 200
    assert old.headers["cache-control"] == "max-age=300"
    live = client.get("/keys/services/clair/keys/live")
    assert live.json()["kid"] == "live"
    assert live.headers["cache-control"] == "max-age=86400"
    assert client.get("/keys/services/clair/keys/other").status_code == 404
    assert client.get("/keys/services/clair/keys/nokey").status_code == 404
    assert [k["kid"] for k in client.get("/keys/services/clair/keys").json()["keys"]] == ["old", "live"]

    clock.advance(600)
    assert client.get("/keys/services/clair/keys/old").status_code == 403
    assert [k["kid"] for k in client.get("/keys/services/clair/keys").json()["keys"]] == ["live"]
    assert client.put("/api/v1/superuser/keys/old", json={"name": "x"}, headers=_h(token)).status_code == 404
    assert client.get("/api/v1/superuser/keys/old", headers=_h(token)).status_code == 200

    approved = client.post(
        "/api/v1/superuser/approvedkeys/pending", json={"notes": "looks right"}, headers=_h(token)
    )
    assert approved.status_code == 201
    assert approved.content == b""
    approval = client.get("/api/v1/superuser/keys/pending", headers=_h(token)).json()["approval"]
    assert approval["approval_type"] == "ServiceKeyApprovalType.SUPERUSER"
    assert approval["approver"]["username"] == admin
    assert approval["notes"] == "looks right"
    assert approval["approved_date"] == "Thu, 15 Jan 2026 12:10:00 GMT"
    assert client.get("/keys/services/clair/keys/pending").json()["kid"] == "pending"
    # Approving again changes nothing and logs nothing; an empty body is accepted.
    again = client.post("/api/v1/superuser/approvedkeys/pending", headers=_h(token))
    assert again.status_code == 201
    missing = client.post("/api/v1/superuser/approvedkeys/nokey", json={}, headers=_h(token))
    assert missing.status_code == 404
    assert missing.json()["error_type"] == "not_found"
    assert _kinds(runtime) == ["service_key_approve"]


def test_delete(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime, superuser=True)
    kid = _create(client, token, service="quay")["kid"]
    assert client.delete(f"/api/v1/superuser/keys/{kid}", headers=_h(token)).status_code == 204
    assert client.get(f"/api/v1/superuser/keys/{kid}", headers=_h(token)).status_code == 404
    assert client.delete(f"/api/v1/superuser/keys/{kid}", headers=_h(token)).status_code == 404
    assert client.get("/keys/services/quay/keys").json() == {"keys": []}
    assert client.get(f"/keys/services/quay/keys/{kid}").status_code == 404
    assert _kinds(runtime)[-1] == "service_key_delete"


def test_superusers_only(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime, superuser=True)
    _, plain = user_with_token(runtime)
    _, scoped_out = user_with_token(runtime, superuser=True, scopes=ALL_SCOPES - {SUPER_USER})
    kid = _create(client, token, service="quay")["kid"]
    calls = [
        ("GET", "/api/v1/superuser/keys", None),
        ("POST", "/api/v1/superuser/keys", {"service": "quay", "expiration": None}),
        ("GET", f"/api/v1/superuser/keys/{kid}", None),
        ("PUT", f"/api/v1/superuser/keys/{kid}", {"name": "x"}),
        ("DELETE", f"/api/v1/superuser/keys/{kid}", None),
        ("POST", f"/api/v1/superuser/approvedkeys/{kid}", {}),
        ("GET", "/api/v1/superuser/keys/nokey", None),
    ]
    for method, path, body in calls:
        for caller in (plain, scoped_out):
            answer = client.request(method, path, json=body, headers=_h(caller))
            assert answer.status_code == 403, (method, path)
            assert answer.json()["error_type"] == "insufficient_scope"
    assert client.get("/api/v1/superuser/keys").status_code == 401
    runtime.settings = replace(runtime.settings, features={**runtime.settings.features, "SUPER_USERS": False})
    assert client.get("/api/v1/superuser/keys", headers=_h(token)).status_code == 404
    assert client.get(f"/api/v1/superuser/keys/{kid}", headers=_h(token)).status_code == 404


def _pair() -> tuple[str, dict[str, Any]]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    numbers = private.public_key().public_numbers()
    return pem, {"kty": "RSA", "n": _b64(numbers.n), "e": _b64(numbers.e)}


def _signed(runtime: Runtime, pem: str, kid: str | None, **claims: Any) -> dict[str, str]:
    now = int(runtime.clock().timestamp())
    payload = {"iss": "clair", "aud": "http://testserver", "exp": now + 300, **claims}
    headers = {"kid": kid} if kid else None
    return {"Authorization": f"Bearer {jwt.encode(payload, pem, algorithm='RS256', headers=headers)}"}


def test_service_registers_rotates_and_deletes_its_keys(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime, superuser=True)
    pem1, jwk1 = _pair()
    pem2, jwk2 = _pair()
    url = "/keys/services/clair/keys"
    expires = int((runtime.clock() + timedelta(days=1)).timestamp())

    # Refused: no JWT, wrong audience, wrong issuer, signed by another key, stale, not a JWK.
    assert client.put(f"{url}/k1", json=jwk1).status_code == 400
    for bad in (
        _signed(runtime, pem1, "k1", aud="http://elsewhere"),
        _signed(runtime, pem1, "k1", iss="quay"),
        _signed(runtime, pem2, "k1"),
        _signed(runtime, pem1, "k1", exp=int(runtime.clock().timestamp()) - 1),
        _signed(runtime, pem1, "k1", exp=int(runtime.clock().timestamp()) + 7200),
    ):
        assert client.put(f"{url}/k1", json=jwk1, headers=bad).status_code == 400
    assert (
        client.put(f"{url}/k1", json={"kty": "oct"}, headers=_signed(runtime, pem1, "k1")).status_code == 400
    )

    # A self-signed key waits for approval.
    submitted = client.put(f"{url}/k1?expiration={expires}", json=jwk1, headers=_signed(runtime, pem1, "k1"))
    assert submitted.status_code == 202
    key = client.get("/api/v1/superuser/keys/k1", headers=_h(token)).json()
    assert key["approval"] is None
    assert key["metadata"] == {"ip": "testclient"}
    assert key["jwk"] == {**jwk1, "kid": "k1"}
    assert key["expiration_date"] == "Fri, 16 Jan 2026 12:00:00 GMT"
    assert client.get(url).json() == {"keys": []}
    assert client.get(f"{url}/k1").status_code == 409
    duplicate = client.put(f"{url}/k1", json=jwk1, headers=_signed(runtime, pem1, "k1"))
    assert duplicate.status_code == 400
    # An unapproved key cannot rotate itself into another.
    assert client.put(f"{url}/k2", json=jwk2, headers=_signed(runtime, pem1, "k1")).status_code == 403

    assert client.post("/api/v1/superuser/approvedkeys/k1", json={}, headers=_h(token)).status_code == 201
    assert client.get(url).json() == {"keys": [{**jwk1, "kid": "k1"}]}

    # Rotation: signed by the approved key, the new key replaces it and keeps its approval.
    rotated = client.put(f"{url}/k2", json=jwk2, headers=_signed(runtime, pem1, "k1"))
    assert rotated.status_code == 200
    assert client.get(url).json() == {"keys": [{**jwk2, "kid": "k2"}]}
    assert client.get("/api/v1/superuser/keys/k1", headers=_h(token)).status_code == 404
    new = client.get("/api/v1/superuser/keys/k2", headers=_h(token)).json()
    assert new["approval"]["approval_type"] == "ServiceKeyApprovalType.SUPERUSER"
    assert new["metadata"]["created_by"] == "Key Rotation"
    # The old key signs nothing any more.
    assert client.delete(f"{url}/k2", headers=_signed(runtime, pem1, "k1")).status_code == 403
    assert client.delete(f"{url}/k2").status_code == 400

    # Another service's key, or a pending key, may not delete this one.
    pem3, jwk3 = _pair()
    assert client.put(f"{url}/k3", json=jwk3, headers=_signed(runtime, pem3, None)).status_code == 202
    assert client.delete(f"{url}/k2", headers=_signed(runtime, pem3, "k3")).status_code == 403
    assert (
        client.delete("/keys/services/quay/keys/k2", headers=_signed(runtime, pem2, "k2")).status_code == 403
    )
    # A pending key may delete itself; an approved key may delete another key of its service.
    assert client.delete(f"{url}/k3", headers=_signed(runtime, pem3, "k3")).status_code == 204
    assert client.put(f"{url}/k3", json=jwk3, headers=_signed(runtime, pem3, "k3")).status_code == 202
    assert client.delete(f"{url}/k3", headers=_signed(runtime, pem2, "k2")).status_code == 204
    assert client.delete(f"{url}/nokey", headers=_signed(runtime, pem2, "k2")).status_code == 404
    assert client.delete(f"{url}/k2", headers=_signed(runtime, pem2, "k2")).status_code == 204
    assert client.get(url).json() == {"keys": []}
    assert _kinds(runtime) == [
        "service_key_create",
        "service_key_approve",
        "service_key_rotate",
        "service_key_create",
        "service_key_delete",
        "service_key_create",
        "service_key_delete",
        "service_key_delete",
    ]
