"""Robot federation (keyless authentication): which external OIDC issuers and subjects a robot
trusts (Quay's ``*RobotFederation`` operations). The path takes the short name or the full
``namespace+shortname``, as Quay's UI sends it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, RootModel

from berth.accounts.models import Account
from berth.accounts.service import get_user
from berth.auth.policy import Need
from berth.errors import DataModelError, Unauthenticated
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.oauth import federation
from berth.orgs.service import require_organization
from berth.robots.service import ROBOT_NOT_FOUND, RobotRecord, require_robot


class FederationEntry(BaseModel):
    """One trusted issuer and subject."""

    issuer: str = Field(description="The issuer of the token")
    subject: str = Field(description="The subject of the token")


class FederationConfig(RootModel[list[FederationEntry]]):
    """Federation configuration for the robot"""


def _robot(ctx: RequestContext) -> RobotRecord:
    namespace: Account | None
    if "orgname" in ctx.path:
        namespace = require_organization(ctx.session, str(ctx.path["orgname"]))
    else:
        namespace = get_user(ctx.session, ctx.principal.username or "")
        if namespace is None:
            raise Unauthenticated("Requires authentication")
    shortname = str(ctx.path["robot_shortname"])
    prefix, plus, rest = shortname.partition("+")
    if plus:
        if prefix != namespace.username:
            raise DataModelError(ROBOT_NOT_FOUND)
        shortname = rest
    return require_robot(ctx.session, namespace.username, shortname)


def get_federation(ctx: RequestContext) -> list[dict[str, str]]:
    """The robot's trusted issuer/subject pairs."""
    return federation.federation_view(ctx.session, _robot(ctx))


def set_federation(ctx: RequestContext) -> list[dict[str, str]]:
    """Replace the robot's trusted pairs."""
    body = ctx.body_as(FederationConfig)
    entries = [federation.Entry(e.issuer, e.subject) for e in body.root]
    return federation.set_federation(ctx.session, _robot(ctx), entries, actor=ctx.actor, now=ctx.now)


def delete_federation(ctx: RequestContext) -> Reply:
    """Remove every trusted pair."""
    federation.clear_federation(ctx.session, _robot(ctx), actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def _rows(prefix: str, need: Need, scope: str, kind: str) -> tuple[Endpoint, ...]:
    path = f"{prefix}/{{robot_shortname}}/federation"
    common: dict[str, Any] = {"tag": "robot", "scope": scope}
    return (
        Endpoint(
            "GET",
            path,
            get_federation,
            need,
            nickname=f"get{kind}RobotFederation",
            description="The robot's federation configuration.",
            **common,
        ),
        Endpoint(
            "POST",
            path,
            set_federation,
            need,
            nickname=f"create{kind}RobotFederation",
            description="Replace the robot's federation configuration.",
            body=FederationConfig,
            **common,
        ),
        Endpoint(
            "DELETE",
            path,
            delete_federation,
            need,
            nickname=f"delete{kind}RobotFederation",
            description="Delete the robot's federation configuration.",
            status=204,
            **common,
        ),
    )


ENDPOINTS = (
    *_rows("/api/v1/user/robots", Need.USER_ADMIN, "user:admin", "User"),
    *_rows("/api/v1/organization/{orgname}/robots", Need.ORG_ADMIN, "org:admin", "Org"),
)
