"""The migrations form one line: a branch left unmerged breaks ``berth db revision``."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from berth.migrate import MIGRATIONS_DIR


def test_migrations_have_one_head() -> None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    assert len(script.get_heads()) == 1, f"merge the heads: {script.get_heads()}"


def test_every_revision_is_reachable_from_the_head() -> None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    revisions = {rev.revision for rev in script.walk_revisions()}
    files = {p.stem.split("_", 1)[0] for p in MIGRATIONS_DIR.joinpath("versions").glob("[0-9]*.py")}
    assert files <= revisions
