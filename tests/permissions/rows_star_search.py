"""Matrix rows for stars, search and entity autocompletion."""

from __future__ import annotations

from tests.permissions.dsl import Row, route

ROWS: list[Row] = [
    *route("GET", "/api/v1/user/starred", anonymous=401, noscope=403, default=200),
    *route(
        "POST",
        "/api/v1/user/starred",
        body={"namespace": "{org}", "repository": "private"},
        reader=201,
        writer=201,
        repo_admin=201,
        org_admin=201,
        default=403,
    ),
    *route(
        "POST",
        "/api/v1/user/starred",
        body={"namespace": "{org}", "repository": "public"},
        note="(public)",
        anonymous=403,
        noscope=201,
        default=201,
    ),
    *route("DELETE", "/api/v1/user/starred/{repository}", anonymous=403, noscope=403, default=204),
    *route("GET", "/api/v1/find/repositories", query={"query": "priv"}, default=200),
    *route("GET", "/api/v1/find/all", query={"query": "matrix"}, default=200),
    *route(
        "GET", "/api/v1/entities/{prefix}", query={"namespace": "{org}", "includeTeams": "true"}, default=200
    ),
]
