"""Matrix rows for the user section (account, client keys, user information, initialize)."""

from __future__ import annotations

from tests.factories import PASSWORD
from tests.permissions.dsl import Row, route

# Anonymous non-GET calls without a session fail Quay's CSRF check (403) before anything else.
ROWS: list[Row] = [
    *route(
        "POST",
        "/api/v1/user/",
        body={"username": "newcomer", "password": PASSWORD, "email": "newcomer@example.com"},
        anonymous=403,
        default=200,
    ),
    *route("PUT", "/api/v1/user/", body={"invoice_email": True}, anonymous=403, noscope=403, default=200),
    *route("DELETE", "/api/v1/user/", anonymous=403, noscope=403, default=204),
    *route(
        "POST",
        "/api/v1/user/convert",
        body={"adminUser": "{reader}", "adminPassword": PASSWORD},
        anonymous=403,
        reader=400,
        noscope=403,
        default=200,
    ),
    *route(
        "POST", "/api/v1/user/clientkey", body={"password": PASSWORD}, anonymous=403, noscope=403, default=200
    ),
    *route("GET", "/api/v1/user/", anonymous=401, noscope=401, default=200),
    *route("GET", "/api/v1/users/{username}", default=200),
    *route(
        "POST",
        "/api/v1/user/initialize",
        body={"username": "firstuser", "password": PASSWORD, "email": "first@example.com"},
        default=400,
        note="(users exist)",
    ),
]
