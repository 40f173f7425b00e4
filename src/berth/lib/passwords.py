"""Password hashing with Argon2id. Slow on purpose: used for passwords only, never for tokens."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@lru_cache(maxsize=2)
def _hasher(cost: str) -> PasswordHasher:
    if cost == "low":  # test suites only: the same algorithm with minimal work factors
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def hash_password(password: str, cost: str = "default") -> str:
    """An Argon2id hash of ``password`` with a random salt."""
    return _hasher(cost).hash(password)


def verify_password(password: str, stored: str | None, cost: str = "default") -> bool:
    """True when ``password`` matches ``stored``; a missing hash never matches."""
    if not stored:
        return False
    try:
        return _hasher(cost).verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
