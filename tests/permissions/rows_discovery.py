"""Matrix rows for discovery and error descriptions."""

from __future__ import annotations

from tests.permissions.dsl import Row, route

ROWS: list[Row] = [
    *route("GET", "/api/v1/discovery", default=200),
    *route("GET", "/api/v1/error/{error_type}", default=200),
]
