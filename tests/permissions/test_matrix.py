"""Runs every row of the permission matrix, and fails when a route has no rows.

Rows that write (POST/PUT/DELETE) each get a fresh world. The rows of one ``route(...)`` call for a
GET share one world (reads change nothing another caller could see), and one test reports every
identity whose status differs.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence

import pytest
from starlette.testclient import TestClient

import tests.permissions
from berth.api.v1.routes import ENDPOINTS
from berth.http.endpoint import Endpoint
from berth.runtime import Runtime
from tests.permissions.dsl import Row
from tests.permissions.world import ROBOT_SKIP_REASON, World, build_world


def _all_rows() -> list[Row]:
    rows: list[Row] = []
    for info in sorted(pkgutil.iter_modules(tests.permissions.__path__), key=lambda m: m.name):
        if info.name.startswith("rows_"):
            rows.extend(importlib.import_module(f"tests.permissions.{info.name}").ROWS)
    return rows


def _same_case(a: Row, b: Row) -> bool:
    return (a.method, a.path, a.note, a.args, a.query, a.body, a.setup) == (
        b.method,
        b.path,
        b.note,
        b.args,
        b.query,
        b.body,
        b.setup,
    )


def _read_cases(rows: list[Row]) -> list[list[Row]]:
    """Consecutive GET rows of one ``route(...)`` call, grouped."""
    cases: list[list[Row]] = []
    for row in rows:
        if row.method != "GET":
            continue
        if cases and _same_case(cases[-1][-1], row) and row.identity not in {r.identity for r in cases[-1]}:
            cases[-1].append(row)
        else:
            cases.append([row])
    return cases


ROWS = _all_rows()
WRITE_ROWS = [row for row in ROWS if row.method != "GET"]
READ_CASES = _read_cases(ROWS)
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


def _run(row: Row, world: World, client: TestClient) -> tuple[str, int, str] | None:
    """Send ``row``'s request; None when its identity cannot be built, else (url, status, body)."""
    endpoint = _BY_ROUTE.get((row.method, row.path))
    if endpoint is None:
        pytest.fail(f"no route {row.method} {row.path}")
    headers = world.headers_for(row.identity, endpoint.scope)
    if headers is None:
        return None
    params = {**world.defaults(), **{k: world.fill(v) for k, v in row.args.items()}}
    url = row.path.format(**params)
    query = {k: world.fill(v) for k, v in row.query.items()}
    body = world.fill_any(row.body)
    response = client.request(row.method, url, headers=headers, params=query, json=body)
    return url, response.status_code, response.text[:300]


@pytest.mark.parametrize("row", WRITE_ROWS, ids=[row.id for row in WRITE_ROWS])
def test_matrix_write_row(row: Row, client: TestClient, runtime: Runtime) -> None:
    world = build_world(runtime)
    if row.setup is not None:
        row.setup(world)
    outcome = _run(row, world, client)
    if outcome is None:
        pytest.skip(ROBOT_SKIP_REASON)
    url, status, text = outcome
    assert status == row.expected, (
        f"{row.method} {url} as {row.identity}: expected {row.expected}, got {status}: {text}"
    )


def _case_id(case: Sequence[Row]) -> str:
    return case[0].id.rsplit(" [", 1)[0]


@pytest.mark.parametrize("case", READ_CASES, ids=[_case_id(case) for case in READ_CASES])
def test_matrix_read_case(case: list[Row], client: TestClient, runtime: Runtime) -> None:
    world = build_world(runtime)
    if case[0].setup is not None:
        case[0].setup(world)
    wrong: list[str] = []
    for row in case:
        outcome = _run(row, world, client)
        if outcome is None:
            continue
        url, status, text = outcome
        if status != row.expected:
            wrong.append(f"GET {url} as {row.identity}: expected {row.expected}, got {status}: {text}")
    assert not wrong, "\n".join(wrong)
