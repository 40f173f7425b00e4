"""Local-disk driver: objects are files under a root; writes go to a temp file, then rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from berth.storage.base import CHUNK_SIZE, InvalidKey, PathNotFound, StorageError, check_key

_TEMP_DIR = ".tmp"


class LocalStorage:
    """``BlobStorage`` on a directory of the local filesystem."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        (self.root / _TEMP_DIR).mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if check_key(key).split("/", 1)[0] == _TEMP_DIR:
            raise InvalidKey(f"invalid storage key: {key!r} (reserved for temporary files)")
        return self.root / key

    def _file(self, key: str) -> Path:
        """The path of an existing object; a folder or a missing file is :class:`PathNotFound`."""
        path = self._path(key)
        if not path.is_file():
            raise PathNotFound(key)
        return path

    def stat(self, key: str) -> int:
        try:
            return self._file(key).stat().st_size
        except FileNotFoundError:
            raise PathNotFound(key) from None
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def read(self, key: str, offset: int = 0, length: int | None = None) -> Iterator[bytes]:
        # Checked now so a missing key fails at the call; the file opens only once iteration starts,
        # so an iterator that is never consumed holds no file handle.
        return self._iter_file(key, self._file(key), offset, length)

    @staticmethod
    def _iter_file(key: str, path: Path, offset: int, length: int | None) -> Iterator[bytes]:
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise PathNotFound(key) from None
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
            return self._file(key).read_bytes()
        except FileNotFoundError:
            raise PathNotFound(key) from None

    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        target = self._path(key)
        try:
            fd, temp_name = tempfile.mkstemp(dir=self.root / _TEMP_DIR)
        except OSError as exc:
            raise StorageError(str(exc)) from exc
        size = 0
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                    size += len(chunk)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp_name, target)
        except BaseException as exc:
            Path(temp_name).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise StorageError(str(exc)) from exc
            raise
        return size

    def append(self, key: str, chunks: Iterable[bytes]) -> int:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("ab") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                return handle.tell()
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def move(self, source: str, destination: str) -> None:
        src, dst = self._file(source), self._path(destination)
        try:
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
        except FileNotFoundError:
            raise PathNotFound(source) from None
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def delete(self, key: str) -> None:
        path = self._path(key)
        if path.is_dir():
            return  # a folder-like prefix is not an object: nothing to delete
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def list(self, prefix: str) -> Iterator[str]:
        stem = prefix.rstrip("/")
        base = self._path(stem) if stem else self.root
        if not base.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(base):
            if Path(dirpath) == self.root:
                dirnames[:] = [d for d in dirnames if d != _TEMP_DIR]
            for name in filenames:
                yield (Path(dirpath) / name).relative_to(self.root).as_posix()
