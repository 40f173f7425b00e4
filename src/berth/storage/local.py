"""Local-disk driver: objects are files under a root; writes go to a temp file, then rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from berth.storage.base import CHUNK_SIZE, PathNotFound, StorageError, check_key

_TEMP_DIR = ".tmp"


class LocalStorage:
    """``BlobStorage`` on a directory of the local filesystem."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        (self.root / _TEMP_DIR).mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def stat(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise PathNotFound(key) from None
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def read(self, key: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        path = self._path(key)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise PathNotFound(key) from None
        return self._iter_file(handle, offset, length)

    @staticmethod
    def _iter_file(handle: object, offset: int, length: int | None) -> Iterator[bytes]:
        import io

        assert isinstance(handle, io.BufferedReader)
        with handle:
            handle.seek(offset)
            remaining = length
            while remaining is None or remaining > 0:
                size = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                chunk = handle.read(size)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def read_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise PathNotFound(key) from None

    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        target = self._path(key)
        fd, temp_name = tempfile.mkstemp(dir=self.root / _TEMP_DIR)
        size = 0
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                    size += len(chunk)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return size

    def append(self, key: str, chunks: Iterable[bytes]) -> int:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("ab") as handle:
            for chunk in chunks:
                handle.write(chunk)
            return handle.tell()

    def move(self, source: str, destination: str) -> None:
        src, dst = self._path(source), self._path(destination)
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(src, dst)
        except FileNotFoundError:
            raise PathNotFound(source) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str) -> Iterator[str]:
        base = self.root / check_key(prefix.rstrip("/")) if prefix.strip("/") else self.root
        if not base.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if d != _TEMP_DIR]
            for name in filenames:
                yield str((Path(dirpath) / name).relative_to(self.root))
