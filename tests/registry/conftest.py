"""Fixtures shared by the tests that run a real ``berth serve`` (see :mod:`tests.registry.server`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.registry.server import Server, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A running Berth for the module that asks for it."""
    running = start_server(tmp_path_factory.mktemp("berth"))
    yield running
    running.stop()
