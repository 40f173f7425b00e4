"""``docs/permission-matrix.md`` is generated from the matrix rows and kept current."""

from __future__ import annotations

from pathlib import Path

from tests.permissions.render import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "permission-matrix.md"


def test_committed_matrix_is_current() -> None:
    assert DOC.read_text() == render(), (
        "docs/permission-matrix.md is stale: run `.venv/bin/python -m tests.permissions.render "
        "> docs/permission-matrix.md`"
    )


def test_every_identity_has_a_column() -> None:
    header = next(line for line in render().splitlines() if line.startswith("| route |"))
    assert header.count("|") == 11 + 3
