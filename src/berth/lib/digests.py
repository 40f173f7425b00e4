"""Content digests (``algorithm:hex``): parsing, validation and incremental hashing."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Protocol

_HEX_LENGTH = {"sha256": 64, "sha512": 128}
_DIGEST_RE = re.compile(r"^(sha256|sha512):([a-f0-9]+)$")


class Hasher(Protocol):
    """The part of a ``hashlib`` object Berth uses."""

    def update(self, data: bytes, /) -> None: ...

    def hexdigest(self) -> str: ...


@dataclass(frozen=True, order=True)
class Digest:
    """A parsed, validated content digest such as ``sha256:0ec4...``."""

    algorithm: str
    hex: str

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hex}"

    def hasher(self) -> Hasher:
        """A fresh hash object of this digest's algorithm."""
        return new_hasher(self.algorithm)


def parse_digest(text: str) -> Digest | None:
    """The digest ``text`` names, or None when it is not a supported, well-formed digest."""
    match = _DIGEST_RE.match(text)
    if match is None:
        return None
    algorithm, hexpart = match.group(1), match.group(2)
    if len(hexpart) != _HEX_LENGTH[algorithm]:
        return None
    return Digest(algorithm, hexpart)


def is_digest(reference: str) -> bool:
    """Whether a manifest reference looks like a digest rather than a tag."""
    return ":" in reference


def new_hasher(algorithm: str) -> Hasher:
    """A hash object for ``sha256`` or ``sha512``."""
    if algorithm not in _HEX_LENGTH:
        raise ValueError(f"unsupported digest algorithm {algorithm!r}")
    return hashlib.new(algorithm)


def sha256_digest(data: bytes) -> Digest:
    """The sha256 digest of ``data``."""
    return Digest("sha256", hashlib.sha256(data).hexdigest())


def digest_of(data: bytes, algorithm: str) -> Digest:
    """The digest of ``data`` with ``algorithm``."""
    hasher = new_hasher(algorithm)
    hasher.update(data)
    return Digest(algorithm, hasher.hexdigest())
