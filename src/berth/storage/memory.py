"""In-memory twin of the storage drivers, for tests and throwaway instances."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

from berth.storage.base import CHUNK_SIZE, PathNotFound, check_key


class MemoryStorage:
    """``BlobStorage`` kept in a dict; thread-safe; a write becomes visible only when complete."""

    def __init__(self) -> None:
        self._objects: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def stat(self, key: str) -> int:
        return len(self.read_bytes(key))

    def exists(self, key: str) -> bool:
        with self._lock:
            return check_key(key) in self._objects

    def read(self, key: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        data = self.read_bytes(key)
        end = len(data) if length is None else min(len(data), offset + length)
        return (data[i : min(i + CHUNK_SIZE, end)] for i in range(offset, end, CHUNK_SIZE))

    def read_bytes(self, key: str) -> bytes:
        with self._lock:
            try:
                return self._objects[check_key(key)]
            except KeyError:
                raise PathNotFound(key) from None

    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        check_key(key)
        data = b"".join(chunks)
        with self._lock:
            self._objects[key] = data
        return len(data)

    def append(self, key: str, chunks: Iterable[bytes]) -> int:
        check_key(key)
        extra = b"".join(chunks)
        with self._lock:
            data = self._objects.get(key, b"") + extra
            self._objects[key] = data
            return len(data)

    def move(self, source: str, destination: str) -> None:
        check_key(destination)
        with self._lock:
            try:
                self._objects[destination] = self._objects.pop(check_key(source))
            except KeyError:
                raise PathNotFound(source) from None

    def delete(self, key: str) -> None:
        with self._lock:
            self._objects.pop(check_key(key), None)

    def list(self, prefix: str) -> Iterator[str]:
        stem = prefix.rstrip("/")
        if stem:
            check_key(stem)
        with self._lock:
            keys = sorted(self._objects)
        return (k for k in keys if not stem or k.startswith(stem + "/"))
