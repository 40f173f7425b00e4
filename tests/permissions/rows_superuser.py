"""Matrix rows for superuser management of users and organizations."""

from __future__ import annotations

from tests.permissions.dsl import Row, route

ROWS: list[Row] = [
    *route("GET", "/api/v1/superuser/users/", anonymous=401, superuser=200, default=403),
    *route(
        "POST",
        "/api/v1/superuser/users/",
        body={"username": "madeuser", "email": "made@example.com"},
        anonymous=403,
        superuser=200,
        default=403,
    ),
    *route("GET", "/api/v1/superuser/users/{username}", anonymous=401, superuser=200, default=403),
    *route(
        "PUT",
        "/api/v1/superuser/users/{username}",
        body={"email": "changed@example.com"},
        anonymous=403,
        superuser=200,
        default=403,
    ),
    *route("DELETE", "/api/v1/superuser/users/{username}", anonymous=403, superuser=204, default=403),
    *route("GET", "/api/v1/superuser/organizations/", anonymous=401, superuser=200, default=403),
    *route(
        "PUT",
        "/api/v1/superuser/organizations/{name}",
        args={"name": "{org}"},
        body={"name": "renamedorg"},
        anonymous=403,
        superuser=200,
        default=403,
    ),
    *route(
        "DELETE",
        "/api/v1/superuser/organizations/{name}",
        args={"name": "{org}"},
        anonymous=403,
        superuser=204,
        default=403,
    ),
    *route("GET", "/api/v1/superuser/registrystatus", default=200),
]
