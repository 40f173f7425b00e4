"""The one suite every ``BlobStorage`` driver must pass (local disk and the in-memory twin).

Each test runs once per driver; a driver-specific check (the local temp folder, memory use while
streaming to disk) is marked as such and skipped for the others.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from berth.storage.base import CHUNK_SIZE, BlobStorage, InvalidKey, PathNotFound
from berth.storage.local import LocalStorage
from berth.storage.memory import MemoryStorage

MiB = 1024 * 1024

DriverFactory = Callable[[Path], BlobStorage]
DRIVERS: dict[str, DriverFactory] = {
    "local": lambda tmp: LocalStorage(tmp / "store"),
    "memory": lambda _tmp: MemoryStorage(),
}


@pytest.fixture(params=sorted(DRIVERS))
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStorage:
    """A fresh, empty driver of each kind."""
    return DRIVERS[request.param](tmp_path)


def _content(storage: BlobStorage, key: str) -> bytes:
    return b"".join(storage.read(key))


class Boom(Exception):
    """Raised by a chunk iterator halfway through a write."""


def _failing_chunks(good: int) -> Iterator[bytes]:
    for _ in range(good):
        yield b"x" * 1000
    raise Boom


def _leftovers(storage: BlobStorage) -> list[Path]:
    """Whatever the local driver still keeps in its temp folder (nothing for other drivers)."""
    if not isinstance(storage, LocalStorage):
        return []
    return list((storage.root / ".tmp").iterdir())


def test_driver_satisfies_the_protocol(storage: BlobStorage) -> None:
    assert isinstance(storage, BlobStorage)


def test_write_then_read_stat_exists(storage: BlobStorage) -> None:
    size = storage.write("blobs/sha256/ab/abcdef", [b"hello ", b"", b"world"])
    assert size == 11
    assert storage.exists("blobs/sha256/ab/abcdef")
    assert storage.stat("blobs/sha256/ab/abcdef") == 11
    assert storage.read_bytes("blobs/sha256/ab/abcdef") == b"hello world"
    assert _content(storage, "blobs/sha256/ab/abcdef") == b"hello world"


def test_empty_object(storage: BlobStorage) -> None:
    assert storage.write("empty", []) == 0
    assert storage.exists("empty")
    assert storage.stat("empty") == 0
    assert storage.read_bytes("empty") == b""
    assert _content(storage, "empty") == b""


def test_write_replaces_existing_object(storage: BlobStorage) -> None:
    storage.write("k", [b"first version, longer"])
    storage.write("k", [b"second"])
    assert storage.read_bytes("k") == b"second"
    assert storage.stat("k") == 6


def test_accepts_any_iterable_of_chunks(storage: BlobStorage) -> None:
    assert storage.write("gen", (bytes([i]) * 3 for i in range(4))) == 12
    assert storage.read_bytes("gen") == b"\x00\x00\x00\x01\x01\x01\x02\x02\x02\x03\x03\x03"


@pytest.mark.parametrize(
    ("offset", "length", "expected"),
    [
        (0, None, b"0123456789"),
        (3, None, b"3456789"),
        (3, 4, b"3456"),
        (0, 0, b""),
        (8, 100, b"89"),
        (10, None, b""),
        (20, 5, b""),
    ],
)
def test_read_with_offset_and_length(
    storage: BlobStorage, offset: int, length: int | None, expected: bytes
) -> None:
    storage.write("digits", [b"0123456789"])
    assert b"".join(storage.read("digits", offset, length)) == expected


def test_ranged_read_across_chunk_boundaries(storage: BlobStorage) -> None:
    data = bytes(range(256)) * (3 * CHUNK_SIZE // 256)
    storage.write("big", [data[i : i + 100_000] for i in range(0, len(data), 100_000)])
    offset, length = CHUNK_SIZE - 10, CHUNK_SIZE + 20
    chunks = list(storage.read("big", offset, length))
    assert all(0 < len(chunk) <= CHUNK_SIZE for chunk in chunks)
    assert b"".join(chunks) == data[offset : offset + length]


def test_append_creates_then_grows(storage: BlobStorage) -> None:
    assert storage.append("uploads/u1", [b"abc"]) == 3
    assert storage.append("uploads/u1", [b"de", b"f"]) == 6
    assert storage.append("uploads/u1", []) == 6
    assert storage.read_bytes("uploads/u1") == b"abcdef"
    assert storage.stat("uploads/u1") == 6


def test_move_publishes_and_replaces(storage: BlobStorage) -> None:
    storage.write("uploads/u1", [b"new"])
    storage.write("blobs/b1", [b"old"])
    storage.move("uploads/u1", "blobs/b1")
    assert not storage.exists("uploads/u1")
    assert storage.read_bytes("blobs/b1") == b"new"
    storage.move("blobs/b1", "deep/er/path/b1")
    assert storage.read_bytes("deep/er/path/b1") == b"new"
    assert not storage.exists("blobs/b1")


def test_move_missing_source_is_path_not_found(storage: BlobStorage) -> None:
    storage.write("dest", [b"kept"])
    with pytest.raises(PathNotFound):
        storage.move("nope", "dest")
    assert storage.read_bytes("dest") == b"kept"


def test_delete_is_idempotent(storage: BlobStorage) -> None:
    storage.write("a/b", [b"x"])
    storage.delete("a/b")
    assert not storage.exists("a/b")
    storage.delete("a/b")
    storage.delete("never/existed")
    with pytest.raises(PathNotFound):
        storage.stat("a/b")


def test_list_is_scoped_to_a_folder_prefix(storage: BlobStorage) -> None:
    for key in ("repo/a/1", "repo/a/2", "repo/ab/3", "repo/b/deep/4", "other/5"):
        storage.write(key, [b"."])
    assert sorted(storage.list("repo/a")) == ["repo/a/1", "repo/a/2"]
    assert sorted(storage.list("repo/a/")) == ["repo/a/1", "repo/a/2"]
    assert sorted(storage.list("repo")) == ["repo/a/1", "repo/a/2", "repo/ab/3", "repo/b/deep/4"]
    assert sorted(storage.list("")) == ["other/5", "repo/a/1", "repo/a/2", "repo/ab/3", "repo/b/deep/4"]
    assert list(storage.list("missing")) == []
    # A prefix names a folder: an object whose key equals the prefix is not "under" it.
    assert list(storage.list("other/5")) == []


def test_list_does_not_show_deleted_or_moved_objects(storage: BlobStorage) -> None:
    storage.write("p/1", [b"."])
    storage.write("p/2", [b"."])
    storage.delete("p/1")
    storage.move("p/2", "q/2")
    assert list(storage.list("p")) == []
    assert list(storage.list("q")) == ["q/2"]


def test_list_hides_work_in_progress(storage: BlobStorage) -> None:
    storage.write("visible", [b"."])
    with pytest.raises(Boom):
        storage.write("half", _failing_chunks(3))
    assert sorted(storage.list("")) == ["visible"]


def test_list_keeps_nested_folders_named_like_internal_ones(storage: BlobStorage) -> None:
    storage.write("repo/.tmp/x", [b"."])
    assert list(storage.list("repo")) == ["repo/.tmp/x"]
    assert storage.read_bytes("repo/.tmp/x") == b"."


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda s: s.stat("missing"), id="stat"),
        pytest.param(lambda s: s.read_bytes("missing"), id="read_bytes"),
        pytest.param(lambda s: s.read("missing/deeper"), id="read"),
        pytest.param(lambda s: s.move("missing", "elsewhere"), id="move"),
    ],
)
def test_missing_key_is_path_not_found(
    storage: BlobStorage, operation: Callable[[BlobStorage], object]
) -> None:
    with pytest.raises(PathNotFound) as info:
        operation(storage)
    assert info.value.key.startswith("missing")
    assert not storage.exists("missing")


def test_a_folder_is_not_an_object(storage: BlobStorage) -> None:
    storage.write("folder/child", [b"c"])
    assert not storage.exists("folder")
    with pytest.raises(PathNotFound):
        storage.stat("folder")
    with pytest.raises(PathNotFound):
        storage.read_bytes("folder")
    with pytest.raises(PathNotFound):
        storage.read("folder")
    with pytest.raises(PathNotFound):
        storage.move("folder", "elsewhere")
    storage.delete("folder")
    assert storage.read_bytes("folder/child") == b"c"


INVALID_KEYS = ["../x", "a/../../x", "/abs", "", "a//b", "./a", "a/./b", "a/"]


@pytest.mark.parametrize("key", INVALID_KEYS)
@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda s, k: s.stat(k), id="stat"),
        pytest.param(lambda s, k: s.exists(k), id="exists"),
        pytest.param(lambda s, k: s.read(k), id="read"),
        pytest.param(lambda s, k: s.read_bytes(k), id="read_bytes"),
        pytest.param(lambda s, k: s.write(k, [b"x"]), id="write"),
        pytest.param(lambda s, k: s.append(k, [b"x"]), id="append"),
        pytest.param(lambda s, k: s.move("ok", k), id="move-to"),
        pytest.param(lambda s, k: s.move(k, "ok2"), id="move-from"),
        pytest.param(lambda s, k: s.delete(k), id="delete"),
    ],
)
def test_invalid_keys_are_refused(
    storage: BlobStorage, tmp_path: Path, key: str, operation: Callable[[BlobStorage, str], object]
) -> None:
    storage.write("ok", [b"safe"])
    with pytest.raises(InvalidKey):
        operation(storage, key)
    assert storage.read_bytes("ok") == b"safe"
    assert not (tmp_path / "x").exists()
    assert not (tmp_path / "abs").exists()


@pytest.mark.parametrize("prefix", ["../x", "/abs/x", "a/../.."])
def test_invalid_list_prefix_is_refused(storage: BlobStorage, prefix: str) -> None:
    with pytest.raises(InvalidKey):
        list(storage.list(prefix))


def test_failed_write_publishes_nothing(storage: BlobStorage) -> None:
    with pytest.raises(Boom):
        storage.write("blobs/new", _failing_chunks(5))
    assert not storage.exists("blobs/new")
    with pytest.raises(PathNotFound):
        storage.stat("blobs/new")
    assert _leftovers(storage) == []


def test_failed_write_keeps_the_previous_object(storage: BlobStorage) -> None:
    storage.write("blobs/old", [b"previous"])
    with pytest.raises(Boom):
        storage.write("blobs/old", _failing_chunks(5))
    assert storage.read_bytes("blobs/old") == b"previous"
    assert _leftovers(storage) == []


def test_successful_writes_leave_nothing_behind(storage: BlobStorage) -> None:
    for i in range(5):
        storage.write(f"k/{i}", [b"a", b"b"])
    storage.move("k/0", "k/moved")
    storage.delete("k/1")
    assert _leftovers(storage) == []
    assert sorted(storage.list("k")) == ["k/2", "k/3", "k/4", "k/moved"]


def test_reading_streams_chunks_no_larger_than_chunk_size(storage: BlobStorage) -> None:
    size = 3 * CHUNK_SIZE + 123
    storage.write("large", (b"z" * CHUNK_SIZE for _ in range(4)))
    storage.write("large", [b"y" * size])
    lengths = [len(chunk) for chunk in storage.read("large")]
    assert sum(lengths) == size
    assert max(lengths) <= CHUNK_SIZE
    assert len(lengths) >= 4


def test_an_unconsumed_or_abandoned_read_is_harmless(storage: BlobStorage) -> None:
    storage.write("obj", [b"a" * (2 * CHUNK_SIZE)])
    untouched = storage.read("obj")
    partial = storage.read("obj")
    assert len(next(partial)) == CHUNK_SIZE
    del untouched, partial
    storage.delete("obj")
    assert not storage.exists("obj")


def test_local_write_from_a_generator_never_holds_the_whole_object(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    total = 64 * MiB

    def chunks() -> Iterator[bytes]:
        for _ in range(total // CHUNK_SIZE):
            yield b"\xab" * CHUNK_SIZE

    tracemalloc.start()
    try:
        written = storage.write("blobs/huge", chunks())
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        read_total = 0
        for chunk in storage.read("blobs/huge"):
            assert len(chunk) <= CHUNK_SIZE
            read_total += len(chunk)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == total
    assert read_total == total
    assert storage.stat("blobs/huge") == total
    assert write_peak < 8 * MiB
    assert read_peak < 8 * MiB


def test_local_keys_cannot_reach_the_temp_folder(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    with pytest.raises(InvalidKey):
        storage.write(".tmp/x", [b"x"])
    with pytest.raises(InvalidKey):
        list(storage.list(".tmp"))
    assert _leftovers(storage) == []


def test_local_objects_persist_across_driver_instances(tmp_path: Path) -> None:
    LocalStorage(tmp_path / "store").write("a/b", [b"kept"])
    again = LocalStorage(tmp_path / "store")
    assert again.read_bytes("a/b") == b"kept"
    assert list(again.list("")) == ["a/b"]
