"""Test worlds: a migrated database per backend (SQLite always, PostgreSQL when it answers),
emptied after every test; a controllable clock; the ASGI app; factories in ``tests/factories.py``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from starlette.testclient import TestClient

from berth.app import create_app
from berth.config import Settings, settings_from_mapping
from berth.db.engine import Database
from berth.migrate import upgrade
from berth.models import metadata
from berth.runtime import Runtime
from berth.storage.memory import MemoryStorage
from tests.http_receiver import receiver  # noqa: F401 - a fixture for every test module
from tests.smtp import smtp_sink  # noqa: F401 - a fixture for every test module

PG_ADMIN_URI = os.environ.get("BERTH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_answers() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URI, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:
        return False
    return True


BACKENDS = ["sqlite"] + (["postgresql"] if _postgres_answers() else [])


class Clock:
    """A settable clock; tests move time explicitly."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(scope="session", params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One migrated database per backend for the whole run."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "berth.db"
        db = Database(f"sqlite:///{path}")
        upgrade(db.write_engine)
        yield db
        db.dispose()
        return
    name = f"berth_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URI, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(PG_ADMIN_URI.rsplit("/", 1)[0] + f"/{name}")
    upgrade(db.write_engine)
    yield db
    db.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty(db: Database) -> None:
    with db.write_engine.begin() as conn:
        present = set(inspect(conn).get_table_names())
        tables = [t.name for t in reversed(metadata.sorted_tables) if t.name in present]
        if db.is_sqlite:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
        else:
            conn.execute(
                text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
            )


@pytest.fixture
def clock() -> Clock:
    """The test's clock."""
    return Clock()


@pytest.fixture
def settings() -> Settings:
    """Defaults plus fast password hashing."""
    return settings_from_mapping({"PASSWORD_HASH_COST": "low", "SERVER_HOSTNAME": "testserver"})


@pytest.fixture
def runtime(database: Database, settings: Settings, clock: Clock) -> Iterator[Runtime]:
    """A runtime on the shared database, emptied after the test."""
    settings = replace(settings, db_uri=database.uri)
    yield Runtime(settings=settings, db=database, storage=MemoryStorage(), clock=clock)
    _empty(database)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    """An HTTP client for the ASGI app (no network)."""
    with TestClient(create_app(runtime.settings, runtime)) as test_client:
        yield test_client


@pytest.fixture
def spec_dir() -> Path:
    """``../shared/spec`` beside the checkout (CI lays a copy there)."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "shared" / "spec", here / ".." / "shared" / "spec"):
        if candidate.is_dir():
            return candidate
    pytest.skip("the shared spec folder is not beside this checkout")
