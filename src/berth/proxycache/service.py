"""An organization's proxy-cache configuration: create, read, delete, and checking an upstream login.

The upstream username and password are encrypted with Fernet under an instance secret before they
reach the database and are never returned by any view. Validation logs in to the upstream registry
the way a registry client does: ``GET /v2/``, and on a ``401`` with a ``Bearer`` challenge, a token
from the challenge's realm with the given credentials, then ``GET /v2/`` again with that token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from berth.accounts.models import Account
from berth.auditlog.service import Actor, log_action
from berth.db.instance import get_or_create_secret
from berth.errors import InvalidRequest, NotFound
from berth.proxycache.models import ProxyCacheConfig

DEFAULT_EXPIRATION_S = 86400
TIMEOUT_S = 10.0
_SECRET_NAME = "proxy_cache_credentials_key"  # noqa: S105 - the name of a secret, not a secret

ALREADY_EXISTS = "Proxy Cache Configuration already exists"
LOGIN_FAILED = "Failed login to remote registry. Please verify entered details and try again."
NOT_VALID = "Failed to validate Proxy cache configuration"

# Docker Hub's registry API lives on another host than its name.
_HOST_ALIASES = {"docker.io": "registry-1.docker.io"}
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class UpstreamSettings:
    """What an org admin gives for a proxy cache (the body of create and validate)."""

    upstream_registry: str
    username: str | None = None
    password: str | None = None
    expiration_s: int | None = None
    insecure: bool | None = None


def _fernet(session: Session) -> Fernet:
    key = get_or_create_secret(session, _SECRET_NAME, lambda: Fernet.generate_key().decode())
    return Fernet(key.encode())


def _seal(session: Session, value: str | None) -> str | None:
    return None if value is None else _fernet(session).encrypt(value.encode()).decode()


def credentials_of(session: Session, config: ProxyCacheConfig) -> tuple[str | None, str | None]:
    """The decrypted upstream ``(username, password)`` of ``config`` (for server-side use only)."""
    fernet = _fernet(session)

    def _open(value: str | None) -> str | None:
        return None if value is None else fernet.decrypt(value.encode()).decode()

    return _open(config.upstream_username_enc), _open(config.upstream_password_enc)


def get_config(session: Session, org: Account) -> ProxyCacheConfig | None:
    """The organization's configuration, or None."""
    return session.scalar(select(ProxyCacheConfig).where(ProxyCacheConfig.organization_id == org.id))


def create_config(
    session: Session, org: Account, settings: UpstreamSettings, *, actor: Actor, now: datetime
) -> ProxyCacheConfig:
    """Configure the organization's proxy cache (one per organization) and log it."""
    if get_config(session, org) is not None:
        raise InvalidRequest(ALREADY_EXISTS)
    if not settings.upstream_registry.strip():
        raise InvalidRequest("Error while creating Proxy cache configuration")
    config = ProxyCacheConfig(
        organization_id=org.id,
        upstream_registry=settings.upstream_registry,
        upstream_username_enc=_seal(session, settings.username),
        upstream_password_enc=_seal(session, settings.password),
        expiration_s=DEFAULT_EXPIRATION_S if settings.expiration_s is None else settings.expiration_s,
        insecure=bool(settings.insecure),
    )
    session.add(config)
    session.flush()
    log_action(
        session,
        "create_proxy_cache_config",
        actor=actor,
        now=now,
        namespace_id=org.id,
        metadata={"upstream_registry": settings.upstream_registry},
    )
    return config


def delete_config(session: Session, org: Account, *, actor: Actor, now: datetime) -> None:
    """Remove the organization's configuration (404 when there is none) and log it."""
    config = get_config(session, org)
    if config is None:
        raise NotFound("Not Found")
    session.delete(config)
    session.flush()
    log_action(
        session,
        "delete_proxy_cache_config",
        actor=actor,
        now=now,
        namespace_id=org.id,
        metadata={"upstream_registry": config.upstream_registry},
    )


def upstream_base_url(upstream_registry: str, insecure: bool) -> str:
    """The registry API root for ``upstream_registry`` (``host[:port][/namespace...]``)."""
    host = upstream_registry.strip().split("/", 1)[0]
    host = _HOST_ALIASES.get(host, host)
    return f"{'http' if insecure else 'https'}://{host}"


def _challenge(header: str) -> tuple[str, dict[str, str]]:
    scheme, _, rest = header.strip().partition(" ")
    return scheme.lower(), dict(_CHALLENGE_PARAM.findall(rest))


def _login(client: httpx.Client, base: str, username: str | None, password: str | None) -> bool:
    """Whether ``GET /v2/`` succeeds with these credentials after the registry's challenge."""
    first = client.get(f"{base}/v2/")
    if first.status_code == 200:
        return True
    if first.status_code != 401:
        return False
    scheme, params = _challenge(first.headers.get("WWW-Authenticate", ""))
    auth = httpx.BasicAuth(username or "", password or "")
    if scheme == "basic":
        return client.get(f"{base}/v2/", auth=auth).status_code == 200
    realm = params.get("realm")
    if scheme != "bearer" or not realm:
        return False
    query = {k: v for k, v in params.items() if k in ("service", "scope")}
    token_reply = client.get(realm, params=query, auth=auth)
    if token_reply.status_code != 200:
        return False
    try:
        payload = token_reply.json()
    except ValueError:
        return False
    token = payload.get("token") or payload.get("access_token") if isinstance(payload, dict) else None
    if not isinstance(token, str) or not token:
        return False
    again = client.get(f"{base}/v2/", headers={"Authorization": f"Bearer {token}"})
    return again.status_code == 200


def validate_upstream(settings: UpstreamSettings) -> str:
    """Quay's answer to ``validateproxycache``: ``"Anonymous"`` without credentials, ``"Valid"``
    when the upstream accepts them; a 400 with Quay's message when the login fails."""
    if not settings.username and not settings.password:
        return "Anonymous"
    base = upstream_base_url(settings.upstream_registry, bool(settings.insecure))
    try:
        with httpx.Client(timeout=TIMEOUT_S, follow_redirects=True) as client:
            ok = _login(client, base, settings.username, settings.password)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError):
        raise InvalidRequest(LOGIN_FAILED) from None
    if not ok:
        raise InvalidRequest(LOGIN_FAILED)
    return "Valid"
