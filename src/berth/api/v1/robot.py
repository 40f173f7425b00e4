"""Robot accounts of the caller and of organizations (Quay's ``robot`` API section).

Tokens are stored as hashes: a token is in the answer of create and regenerate only; other views
carry ``"token": ""`` where Quay would show it. ``POST .../regenerate?overlap=N`` (Berth's addition)
keeps the old token working for N more seconds.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from berth.accounts.models import Account
from berth.accounts.service import get_user
from berth.auth.access import is_org_admin
from berth.auth.policy import Need
from berth.errors import InvalidRequest, Unauthenticated
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint, QueryParam
from berth.http.responses import Reply
from berth.orgs.service import require_organization
from berth.robots import service
from berth.robots.listing import robot_links, robot_permissions
from berth.robots.schemas import (
    regenerated_view,
    robot_list_entry,
    robot_permission_view,
    robot_view,
)


class CreateRobot(BaseModel):
    """Optional data for creating a robot"""

    description: str | None = Field(default=None, description="Optional text description for the robot")
    unstructured_metadata: dict[str, Any] | None = Field(
        default=None, description="Optional unstructured metadata for the robot"
    )


def _namespace(ctx: RequestContext) -> Account:
    if "orgname" in ctx.path:
        return require_organization(ctx.session, str(ctx.path["orgname"]))
    user = get_user(ctx.session, ctx.principal.username or "")
    if user is None:
        raise Unauthenticated("Requires authentication")
    return user


def _robot(ctx: RequestContext) -> service.RobotRecord:
    namespace = _namespace(ctx)
    return service.require_robot(ctx.session, namespace.username, str(ctx.path["robot_shortname"]))


def _is_admin(ctx: RequestContext) -> bool:
    if "orgname" not in ctx.path:
        return True  # USER_ADMIN already checked: the caller administers its own robots
    return is_org_admin(ctx.session, ctx.principal, str(ctx.path["orgname"]), ctx.runtime.policy_options)


def _limit(ctx: RequestContext) -> int | None:
    raw = ctx.query.get("limit")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise InvalidRequest("limit must be a non-negative integer")
    return int(raw)


def list_robots(ctx: RequestContext) -> dict[str, Any]:
    """The namespace's robots; tokens and permissions only for its administrators."""
    namespace = _namespace(ctx)
    admin = _is_admin(ctx)
    include_token = admin and ctx.query_bool("token", default=True)
    include_permissions = admin and ctx.query_bool("permissions", default=False)
    records = service.list_robots(ctx.session, namespace, limit=_limit(ctx))
    links = robot_links(ctx.session, records) if include_permissions else {}
    robots = [
        robot_list_entry(r, links=links.get(r.account.id), include_token=include_token) for r in records
    ]
    return {"robots": robots}


def get_robot(ctx: RequestContext) -> dict[str, Any]:
    """One robot (its token is not stored in clear, so ``token`` is empty)."""
    return robot_view(_robot(ctx), token=None)


def create_robot(ctx: RequestContext) -> dict[str, Any]:
    """Create a robot; the answer holds its token, shown this once."""
    body = ctx.body_as(CreateRobot)
    issued = service.create_robot(
        ctx.session,
        _namespace(ctx),
        str(ctx.path["robot_shortname"]),
        description=body.description,
        unstructured_metadata=body.unstructured_metadata,
        actor=ctx.actor,
        now=ctx.now,
    )
    return robot_view(issued.record, token=issued.token, just_created=True)


def delete_robot(ctx: RequestContext) -> Reply:
    """Delete a robot; its credentials stop working at once."""
    service.delete_robot(ctx.session, _robot(ctx), actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def regenerate_token(ctx: RequestContext) -> dict[str, Any]:
    """A new token; the old one dies now, or after ``?overlap=`` seconds."""
    overlap = service.parse_overlap(ctx.query.get("overlap"))
    record = _robot(ctx)
    token = service.regenerate_token(ctx.session, record, overlap_s=overlap, actor=ctx.actor, now=ctx.now)
    return regenerated_view(record, token)


def get_robot_permissions(ctx: RequestContext) -> dict[str, Any]:
    """The robot's explicit repository permissions."""
    rows = robot_permissions(ctx.session, _robot(ctx))
    return {"permissions": [robot_permission_view(name, public, role) for name, public, role in rows]}


_LIST_QUERY = (
    QueryParam(
        "permissions",
        "Whether to include repositories and teams in which the robots have permission.",
        "boolean",
    ),
    QueryParam("token", "If false, the robot's token is not returned.", "boolean"),
    QueryParam("limit", "If specified, the number of robots to return.", "integer"),
)
_OVERLAP = (
    QueryParam(
        "overlap", "Seconds during which the previous token keeps working (Berth; default 0).", "integer"
    ),
)


_DESCRIPTIONS = {
    "User": (
        "List the available robots for the user.",
        "Returns the user's robot with the specified name.",
        "Create a new user robot with the specified name.",
        "Delete an existing robot.",
        "Returns the list of repository permissions for the user's robot.",
        "Regenerates the token for a user's robot.",
    ),
    "Org": (
        "List the organization's robots.",
        "Returns the organization's robot with the specified name.",
        "Create a new robot in the organization.",
        "Delete an existing organization robot.",
        "Returns the list of repository permissions for the org's robot.",
        "Regenerates the token for an organization robot.",
    ),
}


def _section(prefix: str, need: Need, list_need: Need, scope: str, nick: str) -> tuple[Endpoint, ...]:
    one = f"{prefix}/{{robot_shortname}}"
    text = _DESCRIPTIONS[nick]
    return (
        Endpoint("GET", prefix, list_robots, list_need, f"get{nick}Robots", text[0], "robot",
                 scope=scope, query=_LIST_QUERY),
        Endpoint("GET", one, get_robot, need, f"get{nick}Robot", text[1], "robot", scope=scope),
        Endpoint("PUT", one, create_robot, need, f"create{nick}Robot", text[2], "robot",
                 body=CreateRobot, body_optional=True, status=201, scope=scope),
        Endpoint("DELETE", one, delete_robot, need, f"delete{nick}Robot", text[3], "robot",
                 status=204, scope=scope),
        Endpoint("GET", f"{one}/permissions", get_robot_permissions, need,
                 f"get{nick}RobotPermissions", text[4], "robot", scope="user:admin"),
        Endpoint("POST", f"{one}/regenerate", regenerate_token, need,
                 f"regenerate{nick}RobotToken", text[5], "robot", scope=scope, query=_OVERLAP),
    )  # fmt: skip


ENDPOINTS = (
    *_section("/api/v1/user/robots", Need.USER_ADMIN, Need.USER_ADMIN, "user:admin", "User"),
    *_section("/api/v1/organization/{orgname}/robots", Need.ORG_ADMIN, Need.ORG_MEMBER, "org:admin", "Org"),
)
