"""``docs/api-coverage.md`` is generated from the route table and Quay's operation list, and kept current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from berth.api.v1.routes import ENDPOINTS
from berth.tools import coverage_doc
from berth.tools.coverage_doc import REPO_ROOT, SPEC_FILE, generate, load_operations, main, route_key

COMMITTED = REPO_ROOT / "docs" / "api-coverage.md"


def test_committed_document_is_current(spec_dir: Path) -> None:
    expected = generate(spec_dir)
    assert COMMITTED.read_text() == expected, "docs/api-coverage.md is stale: run `make coverage-doc`"


def test_every_quay_operation_has_one_row(spec_dir: Path) -> None:
    document = generate(spec_dir)
    raw = json.loads((spec_dir / SPEC_FILE).read_text())
    assert len(raw) == 296
    rows = [
        line
        for line in document.splitlines()
        if line.startswith(("| GET ", "| POST ", "| PUT ", "| DELETE "))
    ]
    operations, extra = load_operations(spec_dir / SPEC_FILE, ENDPOINTS)
    assert len(operations) == 296
    assert len(rows) == 296 + len(extra)
    served = sum(op.served_by is not None for op in operations)
    assert f"| all Quay `/api/v1` operations | 296 | {served} |" in document


def test_served_operations_keep_quay_nicknames_and_paths(spec_dir: Path) -> None:
    operations, extra = load_operations(spec_dir / SPEC_FILE, ENDPOINTS)
    for op in operations:
        if op.served_by is not None:
            assert op.served_by.path == op.path
            if op.nickname:
                assert op.served_by.nickname == op.nickname, op.path
    # Everything Berth serves is accounted for: a Quay row, or listed as Berth's own.
    keys = {route_key(op.method, op.path) for op in operations if op.served_by is not None}
    keys |= {route_key(e.method, e.path) for e in extra}
    assert keys == {route_key(e.method, e.path) for e in ENDPOINTS}


def test_spec_may_be_a_folder_or_the_file(spec_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--spec", str(spec_dir)]) == 0
    by_folder = capsys.readouterr().out
    assert main(["--spec", str(spec_dir / SPEC_FILE)]) == 0
    assert capsys.readouterr().out == by_folder


def test_output_option_writes_the_file(spec_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "coverage.md"
    assert main(["--spec", str(spec_dir), "--output", str(target)]) == 0
    assert target.read_text() == generate(spec_dir)


def test_a_missing_spec_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--spec", str(tmp_path)]) == 2
    assert SPEC_FILE in capsys.readouterr().err


def test_default_spec_is_beside_the_checkout() -> None:
    assert REPO_ROOT.parent / "shared" / "spec" == coverage_doc.DEFAULT_SPEC_DIR
    assert (REPO_ROOT / "pyproject.toml").is_file()
