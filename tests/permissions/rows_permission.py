"""Matrix rows for repository user/team permissions and a team's repositories."""

from __future__ import annotations

from collections.abc import Callable

from berth.accounts.service import get_account
from berth.auditlog.service import Actor
from berth.repos.models import RoleName
from berth.repos.permissions import RepoTarget, set_team_permission
from berth.repos.service import get_repository
from tests.permissions.dsl import Row, route
from tests.permissions.world import ORG, World

_USER = "/api/v1/repository/{repository}/permissions/user"
_TEAM = "/api/v1/repository/{repository}/permissions/team"


def _grant_members_team(world: World) -> None:
    """Give the ``members`` team read on ``matrixorg/private``."""
    runtime = world.runtime
    with runtime.db.transaction() as session:
        repo = get_repository(session, ORG, "private")
        org = get_account(session, ORG)
        assert repo is not None
        assert org is not None
        set_team_permission(
            session, RepoTarget(repo, org), "members", RoleName.READ, actor=Actor(None), now=runtime.clock()
        )


def _admins(
    method: str, path: str, ok: int, *, body: object = None, setup: Callable[[World], None] | None = None
) -> list[Row]:
    """A repository-admin operation: admins get ``ok``, anonymous callers 401 (403 from CSRF for
    non-GET calls), everyone else 403."""
    anonymous = 401 if method == "GET" else 403
    return route(
        method, path, body=body, setup=setup, anonymous=anonymous, repo_admin=ok, org_admin=ok, default=403
    )


ROWS: list[Row] = [
    *_admins("GET", f"{_USER}/", 200),
    *_admins("GET", f"{_USER}/{{username}}", 200),
    *_admins("GET", f"{_USER}/{{username}}/transitive", 200),
    *_admins("PUT", f"{_USER}/{{username}}", 200, body={"role": "write"}),
    *_admins("DELETE", f"{_USER}/{{username}}", 204),
    *_admins("GET", f"{_TEAM}/", 200),
    *_admins("GET", f"{_TEAM}/{{teamname}}", 200, setup=_grant_members_team),
    *_admins("PUT", f"{_TEAM}/{{teamname}}", 200, body={"role": "read"}),
    *_admins("DELETE", f"{_TEAM}/{{teamname}}", 204, setup=_grant_members_team),
    *route(
        "GET",
        "/api/v1/organization/{orgname}/team/{teamname}/permissions",
        anonymous=401,
        org_admin=200,
        default=403,
    ),
]
