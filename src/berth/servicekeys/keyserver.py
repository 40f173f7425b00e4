"""The key server's write side: services register, rotate and delete their own keys with signed JWTs.

Every JWT is RS256, issued by the service (``iss``) for this registry (``aud``: its URL), and expires
within the hour. A self-signed registration waits for a superuser's approval (``approveServiceKey``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jwt
from sqlalchemy.orm import Session

from berth.auditlog.service import Actor, log_action
from berth.errors import Forbidden, InvalidRequest, NotFound
from berth.lib.dates import as_utc, epoch_seconds
from berth.servicekeys.models import ServiceKey
from berth.servicekeys.service import SERVICE_NAME, find_key, key_log_metadata

JWT_MAX_LIFETIME_S = 60 * 60
JWT_LEEWAY_S = 60


def _signer_kid(encoded_jwt: str) -> str | None:
    try:
        header = jwt.get_unverified_header(encoded_jwt)
    except jwt.InvalidTokenError:
        raise InvalidRequest("The JWT is malformed") from None
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None


def _verify_jwt(encoded_jwt: str, jwk: dict[str, Any], *, service: str, audience: str, now: datetime) -> None:
    """The JWT must be RS256-signed by ``jwk``, issued by ``service`` for ``audience``, short-lived."""
    try:
        public_key = jwt.PyJWK({k: v for k, v in jwk.items() if k != "kid"}, algorithm="RS256").key
        claims = jwt.decode(
            encoded_jwt,
            public_key,
            algorithms=["RS256"],
            audience=audience,
            issuer=service,
            # Times are checked below against the injected clock.
            options={
                "require": ["exp", "iss", "aud"],
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except (jwt.InvalidTokenError, jwt.PyJWKError, ValueError, TypeError):
        raise InvalidRequest("The JWT could not be verified") from None
    exp = claims.get("exp")
    now_s = now.timestamp()
    if not isinstance(exp, int | float) or exp <= now_s or exp - now_s > JWT_MAX_LIFETIME_S:
        raise InvalidRequest("The JWT has expired or lives too long")
    nbf = claims.get("nbf")
    if nbf is not None and (not isinstance(nbf, int | float) or nbf > now_s + JWT_LEEWAY_S):
        raise InvalidRequest("The JWT is not valid yet")


def _check_rsa_jwk(jwk: Any) -> dict[str, Any]:
    if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
        raise InvalidRequest("The body must be an RSA JWK")
    if not isinstance(jwk.get("n"), str) or not isinstance(jwk.get("e"), str):
        raise InvalidRequest("The JWK needs n and e")
    return jwk


def _live_approved(session: Session, service: str, kid: str | None, now: datetime) -> ServiceKey:
    key = None if kid is None else find_key(session, kid)
    expired = key is not None and key.expiration is not None and as_utc(key.expiration) <= now
    if key is None or key.service != service or key.approval_type is None or expired:
        raise Forbidden("The signing key is unknown, not approved or expired")
    return key


def register_key(
    session: Session,
    *,
    service: str,
    kid: str,
    jwk: Any,
    encoded_jwt: str,
    audience: str,
    expiration: datetime | None,
    rotation_duration: int | None,
    actor: Actor,
    now: datetime,
) -> bool:
    """``PUT /keys/services/{service}/keys/{kid}``; True when a new key awaits approval, False on rotation.

    A self-signed JWT (signed by the key in the body, or without a ``kid``) submits a new key, which
    waits for a superuser's approval. A JWT signed by another live, approved key of the service
    replaces that key with this one, keeping its approval, name and metadata.
    """
    if not SERVICE_NAME.match(service):
        raise InvalidRequest(f"Invalid service name: {service}")
    body = _check_rsa_jwk(jwk)
    stored = {**body, "kid": kid}
    if find_key(session, kid) is not None:
        raise InvalidRequest(f"A key with kid {kid} already exists")
    meta = {"kid": kid, "service": service, "expiration_date": epoch_seconds(expiration)}
    signer_kid = _signer_kid(encoded_jwt)
    if signer_kid is None or signer_kid == kid:
        _verify_jwt(encoded_jwt, body, service=service, audience=audience, now=now)
        key = ServiceKey(
            kid=kid,
            service=service,
            name="",
            jwk=stored,
            metadata_json={"ip": actor.ip},
            created=now,
            expiration=expiration,
            rotation_duration=rotation_duration,
        )
        session.add(key)
        session.flush()
        log_action(
            session,
            "service_key_create",
            actor=actor,
            now=now,
            metadata={**meta, "preshared": False, "name": ""},
        )
        return True
    signer = _live_approved(session, service, signer_kid, now)
    _verify_jwt(encoded_jwt, signer.jwk, service=service, audience=audience, now=now)
    replacement = ServiceKey(
        kid=kid,
        service=service,
        name=signer.name,
        jwk=stored,
        metadata_json={**signer.metadata_json, "ip": actor.ip, "created_by": "Key Rotation"},
        created=now,
        expiration=expiration,
        rotation_duration=signer.rotation_duration,
        approval_type=signer.approval_type,
        approver_id=signer.approver_id,
        approved_date=signer.approved_date,
        approval_notes=signer.approval_notes,
    )
    session.delete(signer)
    session.flush()
    session.add(replacement)
    session.flush()
    log_action(
        session,
        "service_key_rotate",
        actor=actor,
        now=now,
        metadata={**meta, "signer_kid": signer_kid, "name": signer.name},
    )
    return False


def unregister_key(
    session: Session, *, service: str, kid: str, encoded_jwt: str, audience: str, actor: Actor, now: datetime
) -> None:
    """``DELETE /keys/services/{service}/keys/{kid}``, signed by the key or an approved key of its service."""
    signer_kid = _signer_kid(encoded_jwt)
    signer = None if signer_kid is None else find_key(session, signer_kid)
    expired = signer is not None and signer.expiration is not None and as_utc(signer.expiration) <= now
    if signer is None or signer.service != service or expired:
        raise Forbidden("The signing key is unknown or expired")
    if signer_kid != kid and signer.approval_type is None:
        raise Forbidden("Only the key itself or an approved key of the service may delete it")
    _verify_jwt(encoded_jwt, signer.jwk, service=service, audience=audience, now=now)
    key = find_key(session, kid)
    if key is None or key.service != service:
        raise NotFound("Not Found")
    meta = key_log_metadata(key, created_date=epoch_seconds(key.created))
    session.delete(key)
    session.flush()
    log_action(session, "service_key_delete", actor=actor, now=now, metadata=meta)
