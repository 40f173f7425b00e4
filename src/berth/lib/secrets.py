"""Random credentials in Quay's formats and constant-time comparison of their hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

UPPER_ALNUM = string.ascii_uppercase + string.digits


def random_code(length: int, alphabet: str = UPPER_ALNUM) -> str:
    """A random string from ``alphabet`` (Quay's tokens use ``[A-Z0-9]``)."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


def sha256_hex(value: str) -> str:
    """The SHA-256 of a secret, as stored in the database."""
    return hashlib.sha256(value.encode()).hexdigest()


def secret_matches(candidate: str, stored_hash: str) -> bool:
    """Compare a presented secret with its stored SHA-256 in constant time."""
    return hmac.compare_digest(sha256_hex(candidate), stored_hash)


def split_token(token: str, prefix_length: int) -> tuple[str, str] | None:
    """Split a token into (lookup prefix, secret); None when it is too short to be one."""
    if len(token) <= prefix_length:
        return None
    return token[:prefix_length], token[prefix_length:]
