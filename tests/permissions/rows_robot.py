"""Matrix rows for robot accounts of users and organizations.

The world's robot is ``matrixorg+bot``; user-robot rows give every user identity a robot ``mine``.
"""

from __future__ import annotations

from berth.accounts.service import get_user
from berth.auditlog.service import Actor
from berth.robots.service import create_robot
from tests.permissions.dsl import Row, route
from tests.permissions.world import USER_IDENTITIES, World


def _user_robots(world: World) -> None:
    runtime = world.runtime
    with runtime.db.transaction() as session:
        for identity in (*USER_IDENTITIES, "superuser", "noscope"):
            user = get_user(session, world.names[identity])
            assert user is not None
            create_robot(
                session,
                user,
                "mine",
                description=None,
                unstructured_metadata=None,
                actor=Actor(None),
                now=runtime.clock(),
            )


_USER = "/api/v1/user/robots"
_USER_ONE = f"{_USER}/{{robot_shortname}}"
_ORG = "/api/v1/organization/{orgname}/robots"
_ORG_ONE = f"{_ORG}/{{robot_shortname}}"
MINE = {"robot_shortname": "mine"}
BOT = {"robot_shortname": "bot"}

ROWS: list[Row] = [
    *route("GET", _USER, anonymous=401, noscope=403, default=200),
    *route("GET", _USER_ONE, args=MINE, setup=_user_robots, anonymous=401, noscope=403, default=200),
    *route("PUT", _USER_ONE, args={"robot_shortname": "newbot"}, anonymous=403, noscope=403, default=201),
    *route("DELETE", _USER_ONE, args=MINE, setup=_user_robots, anonymous=403, noscope=403, default=204),
    *route(
        "GET",
        f"{_USER_ONE}/permissions",
        args=MINE,
        setup=_user_robots,
        anonymous=401,
        noscope=403,
        default=200,
    ),
    *route(
        "POST",
        f"{_USER_ONE}/regenerate",
        args=MINE,
        setup=_user_robots,
        anonymous=403,
        noscope=403,
        default=200,
    ),
    *route("GET", _ORG, anonymous=401, member=200, creator=200, org_admin=200, noscope=200, default=403),
    *route("GET", _ORG_ONE, args=BOT, anonymous=401, org_admin=200, default=403),
    *route("PUT", _ORG_ONE, args={"robot_shortname": "newbot"}, anonymous=403, org_admin=201, default=403),
    *route("DELETE", _ORG_ONE, args=BOT, anonymous=403, org_admin=204, default=403),
    # Documented as user:admin, but Quay checks the org-admin role, which org:admin keeps.
    *route(
        "GET", f"{_ORG_ONE}/permissions", args=BOT, anonymous=401, org_admin=200, noscope=200, default=403
    ),
    *route("POST", f"{_ORG_ONE}/regenerate", args=BOT, anonymous=403, org_admin=200, default=403),
]
