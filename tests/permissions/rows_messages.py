"""Matrix rows for global messages: anyone reads them, only superusers write them."""

from __future__ import annotations

from tests.permissions.dsl import Row, route

_MESSAGE = {"message": {"content": "Maintenance tonight", "media_type": "text/plain", "severity": "info"}}

ROWS: list[Row] = [
    *route("GET", "/api/v1/messages", default=200),
    *route("POST", "/api/v1/messages", body=_MESSAGE, anonymous=403, superuser=201, default=403),
    # An unknown uuid deletes nothing and still answers 204, as Quay.
    *route("DELETE", "/api/v1/message/{uuid}", anonymous=403, superuser=204, default=403),
]
