"""Docker registry bearer tokens: RS256 JWTs signed with a key pair kept in the database.

The key pair is generated once per installation (:func:`berth.db.instance.get_or_create_secret`), so
every server process signs and verifies with the same key and no files need sharing.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.orm import Session

from berth.db.instance import get_or_create_secret

KEY_SECRET_NAME = "registry_token_rsa_key"  # noqa: S105 - the secret's name, not a secret
ISSUER = "quay"
ANONYMOUS_SUBJECT = "(anonymous)"


def _generate_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@dataclass(frozen=True)
class TokenKeys:
    """The installation's signing key, its public half and key id."""

    private_key: rsa.RSAPrivateKey
    public_key: rsa.RSAPublicKey
    kid: str

    @classmethod
    def from_pem(cls, pem: str) -> TokenKeys:
        """Load a PEM private key."""
        private = serialization.load_pem_private_key(pem.encode(), password=None)
        assert isinstance(private, rsa.RSAPrivateKey)
        public = private.public_key()
        der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        kid = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).decode().rstrip("=")
        return cls(private, public, kid)

    @classmethod
    def load(cls, session: Session) -> TokenKeys:
        """The installation's keys, generated on first use."""
        return cls.from_pem(get_or_create_secret(session, KEY_SECRET_NAME, _generate_private_pem))


@dataclass(frozen=True)
class RegistryClaims:
    """What a verified registry token grants."""

    subject: str
    account_id: int | None
    expires: int = 0
    access: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    def actions(self, kind: str, name: str) -> frozenset[str]:
        """Actions granted on ``kind`` (``repository``/``registry``) ``name``."""
        return self.access.get((kind, name), frozenset())

    @property
    def is_anonymous(self) -> bool:
        """Whether the token was issued to an anonymous caller."""
        return self.account_id is None


def issue_token(
    keys: TokenKeys,
    *,
    audience: str,
    subject: str,
    access: list[dict[str, Any]],
    context: dict[str, Any],
    now: datetime,
    lifetime_s: int,
) -> str:
    """Sign a token carrying ``access`` entries (``{"type","name","actions"}``)."""
    issued = int(now.timestamp())
    claims = {
        "iss": ISSUER,
        "aud": audience,
        "nbf": issued,
        "iat": issued,
        "exp": issued + lifetime_s,
        "sub": subject,
        "access": access,
        "context": context,
    }
    return jwt.encode(claims, keys.private_key, algorithm="RS256", headers={"kid": keys.kid})


def verify_token(keys: TokenKeys, token: str, *, audience: str, now: datetime) -> RegistryClaims | None:
    """The claims of a valid, unexpired token issued here; None otherwise."""
    try:
        claims = jwt.decode(
            token,
            keys.public_key,
            algorithms=["RS256"],
            audience=audience,
            issuer=ISSUER,
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        return None
    stamp = int(now.timestamp())
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= stamp:
        return None
    if isinstance(claims.get("nbf"), int) and claims["nbf"] > stamp + 60:
        return None
    access: dict[tuple[str, str], frozenset[str]] = {}
    for entry in claims.get("access") or []:
        if isinstance(entry, dict) and isinstance(entry.get("actions"), list):
            key = (str(entry.get("type")), str(entry.get("name")))
            access[key] = access.get(key, frozenset()) | frozenset(str(a) for a in entry["actions"])
    context = claims.get("context") if isinstance(claims.get("context"), dict) else {}
    account_id = context.get("berth.account_id") if context else None
    return RegistryClaims(
        subject=str(claims.get("sub")),
        account_id=account_id if isinstance(account_id, int) else None,
        expires=int(claims["exp"]),
        access=access,
        context=dict(context or {}),
    )
