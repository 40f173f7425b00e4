"""The ``BlobStorage`` contract every driver implements, and its typed errors.

Keys are ``/``-separated relative paths. Writes are atomic: content becomes visible under its key
only when complete (temp + rename). Reads stream in chunks; no driver holds a whole blob in memory
except the in-memory twin used in tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, runtime_checkable

CHUNK_SIZE = 1024 * 1024


class StorageError(Exception):
    """The storage backend failed (I/O error, provider error)."""


class PathNotFound(StorageError):
    """No object exists under the key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no such object: {key}")
        self.key = key


class InvalidKey(StorageError):
    """A key that is empty, absolute or climbs out of the store (``..``)."""


def check_key(key: str) -> str:
    """Return ``key`` when it is a safe relative path, else raise :class:`InvalidKey`."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise InvalidKey(f"invalid storage key: {key!r}")
    return key


@runtime_checkable
class BlobStorage(Protocol):
    """What Berth needs from a place to keep bytes."""

    def stat(self, key: str) -> int:
        """Size in bytes of the object; :class:`PathNotFound` when missing."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object exists under ``key``."""
        ...

    def read(self, key: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        """Stream the object's bytes from ``offset`` (``length`` bytes or to the end)."""
        ...

    def read_bytes(self, key: str) -> bytes:
        """The whole object (for small objects such as manifests)."""
        ...

    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        """Atomically store ``chunks`` under ``key``; returns the size written."""
        ...

    def append(self, key: str, chunks: Iterable[bytes]) -> int:
        """Append to a staging object (created if missing); returns its new size."""
        ...

    def move(self, source: str, destination: str) -> None:
        """Atomically rename ``source`` to ``destination`` (replacing it)."""
        ...

    def delete(self, key: str) -> None:
        """Delete the object; deleting a missing object is not an error (idempotent)."""
        ...

    def list(self, prefix: str) -> Iterator[str]:
        """Every key under the folder ``prefix`` (trailing ``/`` optional; ``""`` lists everything).

        An object whose key equals ``prefix`` is not under it; an invalid prefix is :class:`InvalidKey`.
        """
        ...
