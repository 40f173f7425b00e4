"""Keyless robot authentication: trusted (issuer, subject) pairs per robot, and the exchange of an
external OIDC token for a robot token valid one hour.

The presented JWT is verified against the issuer's published keys (OIDC discovery, then its JWKS,
fetched with httpx): signature, ``iss``, ``exp`` (required) and ``nbf``/``iat`` with a little leeway;
then its ``sub`` must be one the robot trusts for that issuer. Every failure is
:class:`FederationError`, never a crash, and nothing is issued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from berth.auditlog.service import Actor, log_action
from berth.errors import InvalidRequest
from berth.oauth.models import RobotFederation
from berth.robots.service import RobotRecord, issue_temporary_token

FEDERATED_TOKEN_LIFETIME_S = 3600
FETCH_TIMEOUT_S = 5.0
MAX_ENTRIES = 50
LEEWAY_S = 30
_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"]

Fetch = Callable[[str], dict[str, Any]]


class FederationError(Exception):
    """The presented token cannot be exchanged (the message says why, without echoing the token)."""


@dataclass(frozen=True)
class Entry:
    """One trusted issuer and subject."""

    issuer: str
    subject: str


def federation_view(session: Session, record: RobotRecord) -> list[dict[str, str]]:
    """Quay's list of ``{"issuer", "subject"}``."""
    rows = session.scalars(
        select(RobotFederation)
        .where(RobotFederation.robot_id == record.account.id)
        .order_by(RobotFederation.id)
    )
    return [{"issuer": row.issuer, "subject": row.subject} for row in rows]


def _check_entry(entry: Entry) -> None:
    parts = urlsplit(entry.issuer)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(entry.issuer) > 255:
        raise InvalidRequest(f"Invalid issuer URL: {entry.issuer}")
    if not entry.subject or len(entry.subject) > 255:
        raise InvalidRequest("A subject is required (at most 255 characters)")


def set_federation(
    session: Session, record: RobotRecord, entries: list[Entry], *, actor: Actor | None, now: datetime
) -> list[dict[str, str]]:
    """Replace the robot's trusted pairs (duplicates collapse)."""
    if len(entries) > MAX_ENTRIES:
        raise InvalidRequest(f"At most {MAX_ENTRIES} federation entries")
    for entry in entries:
        _check_entry(entry)
    session.execute(delete(RobotFederation).where(RobotFederation.robot_id == record.account.id))
    for entry in dict.fromkeys(entries):
        session.add(
            RobotFederation(
                robot_id=record.account.id, issuer=entry.issuer, subject=entry.subject, created=now
            )
        )
    session.flush()
    log_action(
        session,
        "create_robot_federation",
        actor=actor,
        now=now,
        namespace_id=record.robot.namespace_id,
        metadata={"robot": record.account.username, "config": [e.__dict__ for e in entries]},
    )
    return federation_view(session, record)


def clear_federation(session: Session, record: RobotRecord, *, actor: Actor | None, now: datetime) -> None:
    """Remove every trusted pair: the robot can no longer exchange external tokens."""
    session.execute(delete(RobotFederation).where(RobotFederation.robot_id == record.account.id))
    log_action(
        session,
        "delete_robot_federation",
        actor=actor,
        now=now,
        namespace_id=record.robot.namespace_id,
        metadata={"robot": record.account.username},
    )


def fetch_json(url: str) -> dict[str, Any]:
    """GET a JSON document (discovery, JWKS); any failure is a :class:`FederationError`."""
    try:
        response = httpx.get(url, timeout=FETCH_TIMEOUT_S, follow_redirects=False)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError):
        raise FederationError("could not fetch the issuer's keys") from None
    if not isinstance(data, dict):
        raise FederationError("the issuer answered something that is not a JSON object")
    return data


def _verify(token: str, issuer: str, fetch: Fetch) -> dict[str, Any]:
    discovery = fetch(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if discovery.get("issuer", issuer).rstrip("/") != issuer.rstrip("/") or not isinstance(
        discovery.get("jwks_uri"), str
    ):
        raise FederationError("the issuer's discovery document does not match")
    try:
        header = jwt.get_unverified_header(token)
        keys = jwt.PyJWKSet.from_dict(fetch(discovery["jwks_uri"]))
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        raise FederationError("malformed token or key set") from None
    candidates = [k for k in keys.keys if header.get("kid") in (None, k.key_id)]
    for key in candidates:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=_ALGORITHMS,
                issuer=issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise FederationError(f"invalid token: {type(exc).__name__}") from None
        return claims
    raise FederationError("the token's signature does not verify")


def exchange_token(
    session: Session,
    record: RobotRecord,
    presented: str,
    *,
    ip: str | None,
    now: datetime,
    fetch: Fetch = fetch_json,
) -> str:
    """A robot token valid one hour for an external OIDC token the robot trusts."""
    try:
        unverified = jwt.decode(presented, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise FederationError("malformed token") from None
    issuer = unverified.get("iss")
    if not isinstance(issuer, str) or not isinstance(unverified.get("sub"), str):
        raise FederationError("the token names no issuer or subject")
    rows = session.scalars(select(RobotFederation).where(RobotFederation.robot_id == record.account.id))
    trusted = {(row.issuer.rstrip("/"), row.subject) for row in rows}
    if not any(trusted_issuer == issuer.rstrip("/") for trusted_issuer, _ in trusted):
        raise FederationError("the robot does not trust this issuer")
    claims = _verify(presented, issuer, fetch)
    if (issuer.rstrip("/"), claims["sub"]) not in trusted:
        raise FederationError("the robot does not trust this subject")
    token = issue_temporary_token(session, record, now=now, lifetime_s=FEDERATED_TOKEN_LIFETIME_S)
    log_action(
        session,
        "federated_robot_token_exchange",
        actor=Actor(record.account.id, ip),
        now=now,
        namespace_id=record.robot.namespace_id,
        metadata={"robot": record.account.username, "issuer": issuer, "subject": claims["sub"]},
    )
    return token
