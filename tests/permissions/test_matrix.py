"""Runs every row of the permission matrix, and fails when a route has no rows."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from starlette.testclient import TestClient

import tests.permissions
from berth.api.v1.routes import ENDPOINTS
from berth.http.endpoint import Endpoint
from berth.runtime import Runtime
from tests.permissions.dsl import Row
from tests.permissions.world import ROBOT_SKIP_REASON, build_world


def _all_rows() -> list[Row]:
    rows: list[Row] = []
    for info in sorted(pkgutil.iter_modules(tests.permissions.__path__), key=lambda m: m.name):
        if info.name.startswith("rows_"):
            rows.extend(importlib.import_module(f"tests.permissions.{info.name}").ROWS)
    return rows


ROWS = _all_rows()
_BY_ROUTE: dict[tuple[str, str], Endpoint] = {(e.method, e.path): e for e in ENDPOINTS}


def test_every_route_has_rows() -> None:
    covered = {(row.method, row.path) for row in ROWS}
    missing = sorted(
        f"{e.method} {e.path} ({e.nickname})" for e in ENDPOINTS if (e.method, e.path) not in covered
    )
    assert not missing, "routes without permission-matrix rows:\n" + "\n".join(missing)


def test_every_row_names_a_route() -> None:
    unknown = sorted({f"{r.method} {r.path}" for r in ROWS if (r.method, r.path) not in _BY_ROUTE})
    assert not unknown, "rows for routes that do not exist:\n" + "\n".join(unknown)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_matrix_row(row: Row, client: TestClient, runtime: Runtime) -> None:
    endpoint = _BY_ROUTE.get((row.method, row.path))
    if endpoint is None:
        pytest.fail(f"no route {row.method} {row.path}")
    world = build_world(runtime)
    headers = world.headers_for(row.identity, endpoint.scope)
    if headers is None:
        pytest.skip(ROBOT_SKIP_REASON)
    if row.setup is not None:
        row.setup(world)
    params = {**world.defaults(), **{k: world.fill(v) for k, v in row.args.items()}}
    url = row.path.format(**params)
    query = {k: world.fill(v) for k, v in row.query.items()}
    body = world.fill_any(row.body)
    response = client.request(row.method, url, headers=headers, params=query, json=body)
    assert response.status_code == row.expected, (
        f"{row.method} {url} as {row.identity}: expected {row.expected}, got {response.status_code}: "
        f"{response.text[:300]}"
    )
