"""Matrix rows for repository notifications: only the repository's admins may touch them."""

from __future__ import annotations

from berth.auditlog.service import Actor
from berth.notifications.service import create_notification
from tests.permissions.dsl import Row, route
from tests.permissions.world import ORG, World

NOTIFICATION_ID = "00000000-0000-0000-0000-000000000000"  # the world's default ``{uuid}``
BODY = {
    "event": "repo_push",
    "method": "webhook",
    "config": {"url": "https://example.com/hook"},
    "eventConfig": {},
}


def _notification(world: World) -> None:
    runtime = world.runtime
    with runtime.db.transaction() as session:
        created = create_notification(
            session,
            ORG,
            "private",
            event="repo_push",
            method="quay_notification",
            config={"target": {"kind": "org", "name": ORG}},
            event_config={},
            title=None,
            actor=Actor(None),
            now=runtime.clock(),
        )
        created.uuid = NOTIFICATION_ID


_BASE = "/api/v1/repository/{repository}/notification/"
_ONE = "/api/v1/repository/{repository}/notification/{uuid}"
# The repository's admins: its explicit admin, and the organization's admins (owners team).
_ADMINS = {"repo_admin": 200, "org_admin": 200}

ROWS: list[Row] = [
    *route("GET", _BASE, setup=_notification, anonymous=401, expect=_ADMINS, default=403),
    *route("POST", _BASE, body=BODY, anonymous=403, repo_admin=201, org_admin=201, default=403),
    *route("GET", _ONE, setup=_notification, anonymous=401, expect=_ADMINS, default=403),
    *route("DELETE", _ONE, setup=_notification, anonymous=403, repo_admin=204, org_admin=204, default=403),
    *route("POST", _ONE, setup=_notification, anonymous=403, repo_admin=204, org_admin=204, default=403),
    *route("POST", f"{_ONE}/test", setup=_notification, anonymous=403, expect=_ADMINS, default=403),
]
