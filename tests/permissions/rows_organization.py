"""Matrix rows for organizations (create, read, update, delete, members)."""

from __future__ import annotations

from tests.permissions.dsl import Row, route

ROWS: list[Row] = [
    *route(
        "POST",
        "/api/v1/organization/",
        body={"name": "neworg", "email": "neworg@example.com"},
        anonymous=403,
        noscope=403,
        default=201,
    ),
    *route("GET", "/api/v1/organization/{orgname}", default=200),
    *route(
        "PUT",
        "/api/v1/organization/{orgname}",
        body={"email": "changed@example.com"},
        anonymous=403,
        org_admin=200,
        default=403,
    ),
    *route("DELETE", "/api/v1/organization/{orgname}", anonymous=403, org_admin=204, default=403),
    *route("GET", "/api/v1/organization/{orgname}/members", anonymous=401, org_admin=200, default=403),
]
