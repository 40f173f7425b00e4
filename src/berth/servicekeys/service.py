"""Generating, approving, changing and deleting service keys, and the public JWKS view of them.

A key is an RSA 2048 pair: the private half is returned once to the caller that asked for it and
never stored; the table keeps the public half as a JWK whose ``kid`` is its RFC 7638 thumbprint.
Every change writes Quay's ``service_key_*`` usage-log kind.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account
from berth.auditlog.service import Actor, log_action
from berth.errors import Conflict, Forbidden, InvalidRequest, NotFound
from berth.lib.dates import as_utc, epoch_seconds
from berth.servicekeys.models import ServiceKey

SUPERUSER_APPROVAL = "ServiceKeyApprovalType.SUPERUSER"
SERVICE_NAME = re.compile(r"^[a-z0-9_]+$")
KEY_NAME = re.compile(r"^[\s a-zA-Z0-9\-_:/]*$")
KEY_BITS = 2048


@dataclass(frozen=True)
class CreatedKey:
    """A new key with both halves in PEM (the private one is never stored)."""

    key: ServiceKey
    public_pem: str
    private_pem: str


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of an RSA JWK (``e``, ``kty``, ``n``), base64url without padding."""
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def rsa_public_jwk(public_key: rsa.RSAPublicKey) -> dict[str, Any]:
    """The JWK of an RSA public key, with its thumbprint as ``kid``."""
    numbers = public_key.public_numbers()
    jwk: dict[str, Any] = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
    jwk["kid"] = thumbprint(jwk)
    return jwk


def parse_expiration(value: Any, *, now: datetime, past_message: str) -> datetime | None:
    """Unix seconds (a number or a numeric string), ``null`` or ``""`` -> an aware UTC datetime or None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidRequest(f"Invalid expiration date: {value!r} (expiration)")
    try:
        seconds = float(value)
        if not math.isfinite(seconds):
            raise ValueError(value)
        expiration = datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        raise InvalidRequest(f"Invalid expiration date: {value!r} (expiration)") from None
    if expiration <= now:
        raise InvalidRequest(past_message)
    return expiration


def _check_name(name: str | None) -> None:
    if name is not None and not KEY_NAME.match(name):
        raise InvalidRequest(f"Invalid service key friendly name: {name}")


def key_log_metadata(key: ServiceKey, **extra: Any) -> dict[str, Any]:
    """What a ``service_key_*`` log entry records about ``key`` (plus ``extra``)."""
    return {
        "kid": key.kid,
        "service": key.service,
        "name": key.name,
        "expiration_date": epoch_seconds(key.expiration),
        **extra,
    }


def list_keys(session: Session) -> Sequence[ServiceKey]:
    """Every key, approved or not, expired or not, oldest first."""
    return session.scalars(select(ServiceKey).order_by(ServiceKey.id)).all()


def find_key(session: Session, kid: str) -> ServiceKey | None:
    """The key with this kid, if any."""
    return session.scalars(select(ServiceKey).where(ServiceKey.kid == kid)).one_or_none()


def require_key(session: Session, kid: str) -> ServiceKey:
    """The key with this kid, or :class:`NotFound`."""
    key = find_key(session, kid)
    if key is None:
        raise NotFound("Not Found")
    return key


def approvers(session: Session, keys: Sequence[ServiceKey]) -> dict[int, Account]:
    """The accounts that approved ``keys``, by id (one query)."""
    ids = {k.approver_id for k in keys if k.approver_id is not None}
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids)))}


def create_key(
    session: Session,
    *,
    service: str,
    name: str,
    expiration: datetime | None,
    metadata: dict[str, Any],
    notes: str,
    approver_id: int,
    approver_name: str,
    actor: Actor,
    now: datetime,
) -> CreatedKey:
    """Generate a pair for ``service``, keep its public half, approve it at once (as Quay's panel)."""
    if not SERVICE_NAME.match(service):
        raise InvalidRequest(f"Invalid service name: {service} (service)")
    _check_name(name)
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    jwk = rsa_public_jwk(private_key.public_key())
    key = ServiceKey(
        kid=jwk["kid"],
        service=service,
        name=name,
        jwk=jwk,
        metadata_json={
            **metadata,
            "created_by": "Quay Superuser Panel",
            "creator": approver_name,
            "ip": actor.ip,
        },
        created=now,
        expiration=expiration,
        approval_type=SUPERUSER_APPROVAL,
        approver_id=approver_id,
        approved_date=now,
        approval_notes=notes,
    )
    session.add(key)
    session.flush()
    meta = key_log_metadata(key, preshared=True, auto_approved=True)
    log_action(session, "service_key_create", actor=actor, now=now, metadata=meta)
    log_action(session, "service_key_approve", actor=actor, now=now, metadata=meta)
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return CreatedKey(key, public_pem.decode("ascii"), private_pem.decode("ascii"))


def update_key(
    session: Session,
    kid: str,
    *,
    fields: set[str],
    name: str | None,
    metadata: dict[str, Any] | None,
    expiration: Any,
    actor: Actor,
    now: datetime,
) -> ServiceKey:
    """Change a live, approved key's name, metadata (merged) and/or expiration (``fields``: given keys).

    As Quay, an unapproved or expired key is not found here.
    """
    key = find_key(session, kid)
    if (
        key is None
        or key.approval_type is None
        or (key.expiration is not None and as_utc(key.expiration) <= now)
    ):
        raise NotFound("Not Found")
    meta = key_log_metadata(key, name=name if "name" in fields and name is not None else key.name)
    if "expiration" in fields:
        new_expiration = parse_expiration(
            expiration, now=now, past_message="Cannot have an expiration date in the past"
        )
        meta.update(
            old_expiration_date=epoch_seconds(key.expiration), expiration_date=epoch_seconds(new_expiration)
        )
        log_action(session, "service_key_extend", actor=actor, now=now, metadata=meta)
        key.expiration = new_expiration
    if "name" in fields or "metadata" in fields:
        _check_name(name)
        if name:
            key.name = name
        if metadata:
            key.metadata_json = {**key.metadata_json, **metadata}
        log_action(session, "service_key_modify", actor=actor, now=now, metadata=meta)
    session.flush()
    return key


def approve_key(
    session: Session, kid: str, *, approver_id: int, notes: str, actor: Actor, now: datetime
) -> None:
    """Approve a key a service registered; approving an approved key changes nothing (as Quay)."""
    key = require_key(session, kid)
    if key.approval_type is not None:
        return
    key.approval_type = SUPERUSER_APPROVAL
    key.approver_id = approver_id
    key.approved_date = now
    key.approval_notes = notes
    session.flush()
    log_action(session, "service_key_approve", actor=actor, now=now, metadata=key_log_metadata(key))


def delete_key(session: Session, kid: str, *, actor: Actor, now: datetime) -> None:
    """Delete a key, approved or not."""
    key = require_key(session, kid)
    meta = key_log_metadata(key, created_date=epoch_seconds(key.created))
    session.delete(key)
    session.flush()
    log_action(session, "service_key_delete", actor=actor, now=now, metadata=meta)


def published_keys(session: Session, service: str, now: datetime) -> list[dict[str, Any]]:
    """The JWKs of ``service``'s approved, unexpired keys (the public JWKS)."""
    found = session.scalars(
        select(ServiceKey)
        .where(
            ServiceKey.service == service,
            ServiceKey.approval_type.is_not(None),
            or_(ServiceKey.expiration.is_(None), ServiceKey.expiration > now),
        )
        .order_by(ServiceKey.id)
    )
    return [key.jwk for key in found]


def published_key(session: Session, service: str, kid: str, now: datetime) -> ServiceKey:
    """One key of ``service`` for the key server.

    Raises NotFound (unknown), Conflict (not approved yet) or Forbidden (expired).
    """
    key = find_key(session, kid)
    if key is None or key.service != service:
        raise NotFound("Not Found")
    if key.approval_type is None:
        raise Conflict("The key has not been approved")
    if key.expiration is not None and as_utc(key.expiration) <= now:
        raise Forbidden("The key has expired")
    return key
