"""Matrix rows for sign-in, sign-out, verification, recovery and user notifications."""

from __future__ import annotations

from tests.factories import PASSWORD
from tests.permissions.dsl import Row, route

ROWS: list[Row] = [
    *route(
        "POST",
        "/api/v1/signin",
        body={"username": "{reader}", "password": PASSWORD},
        anonymous=403,
        default=200,
    ),
    *route("POST", "/api/v1/signout", anonymous=403, default=200),
    *route(
        "POST", "/api/v1/signin/verify", body={"password": PASSWORD}, anonymous=403, noscope=403, default=200
    ),
    *route("POST", "/api/v1/recovery", body={"email": "nobody@example.com"}, anonymous=403, default=200),
    *route("GET", "/api/v1/user/notifications", anonymous=401, noscope=403, default=200),
    *route("GET", "/api/v1/user/notifications/{uuid}", anonymous=401, noscope=403, default=404),
    *route(
        "PUT",
        "/api/v1/user/notifications/{uuid}",
        body={"dismissed": True},
        anonymous=403,
        noscope=403,
        default=404,
    ),
]
