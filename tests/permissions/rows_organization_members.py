"""Matrix rows for one organization member, member removal and outside collaborators."""

from __future__ import annotations

from tests.permissions.dsl import Row, route

ROWS: list[Row] = [
    *route(
        "GET",
        "/api/v1/organization/{orgname}/members/{membername}",
        anonymous=401,
        org_admin=200,
        default=403,
    ),
    *route(
        "DELETE",
        "/api/v1/organization/{orgname}/members/{membername}",
        anonymous=403,
        org_admin=204,
        default=403,
    ),
    *route("GET", "/api/v1/organization/{orgname}/collaborators", anonymous=401, org_admin=200, default=403),
]
