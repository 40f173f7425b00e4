"""Default permissions of an organization (Quay's ``prototype`` API section)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from berth.auth.policy import Need
from berth.errors import InvalidRequest
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.orgs import prototypes
from berth.orgs.service import require_organization
from berth.repos.models import RoleName


class NewPrototype(BaseModel):
    """Description of a new prototype"""

    role: Literal["read", "write", "admin"] = Field(description="Role that should be applied to the delegate")
    activating_user: dict[str, Any] | None = Field(
        default=None, description="Repository creating user to whom the rule should apply"
    )
    delegate: dict[str, Any] = Field(
        description="Information about the user or team to which the rule grants access"
    )


class PrototypeUpdate(BaseModel):
    """Description of a the new prototype role"""

    role: Literal["read", "write", "admin"] = Field(
        description="Role that should be applied to the permission"
    )


def _text(value: dict[str, Any] | None, key: str, where: str) -> str | None:
    found = (value or {}).get(key)
    if found is not None and not isinstance(found, str):
        raise InvalidRequest(f"{found!r} is not of type 'string' ({where}.{key})")
    return found


def list_prototypes(ctx: RequestContext) -> dict[str, Any]:
    """The organization's default permissions."""
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    members = prototypes.org_member_ids(ctx.session, org)
    return {
        "prototypes": [
            prototypes.prototype_view(p, members) for p in prototypes.list_prototypes(ctx.session, org)
        ]
    }


def create_prototype(ctx: RequestContext) -> dict[str, Any]:
    """Add a default permission."""
    body = ctx.body_as(NewPrototype)
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    kind = _text(body.delegate, "kind", "delegate")
    if kind not in (None, "user", "team"):
        raise InvalidRequest(f"{kind!r} is not one of ['user', 'team'] (delegate.kind)")
    proto = prototypes.create_prototype(
        ctx.session,
        org,
        role=RoleName(body.role),
        activating_username=_text(body.activating_user, "name", "activating_user"),
        delegate_kind=kind,
        delegate_name=_text(body.delegate, "name", "delegate"),
        actor=ctx.actor,
        now=ctx.now,
    )
    return prototypes.prototype_view(proto, prototypes.org_member_ids(ctx.session, org))


def update_prototype(ctx: RequestContext) -> dict[str, Any]:
    """Change the role of a default permission."""
    body = ctx.body_as(PrototypeUpdate)
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    proto = prototypes.update_prototype(
        ctx.session, org, str(ctx.path["prototypeid"]), role=RoleName(body.role), actor=ctx.actor, now=ctx.now
    )
    return prototypes.prototype_view(proto, prototypes.org_member_ids(ctx.session, org))


def delete_prototype(ctx: RequestContext) -> Reply:
    """Remove a default permission."""
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    prototypes.delete_prototype(ctx.session, org, str(ctx.path["prototypeid"]), actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


_LIST = "/api/v1/organization/{orgname}/prototypes"
_ONE = f"{_LIST}/{{prototypeid}}"
ENDPOINTS = (
    Endpoint(
        "GET",
        _LIST,
        list_prototypes,
        Need.ORG_ADMIN,
        nickname="getOrganizationPrototypePermissions",
        description="List the existing prototypes for this organization.",
        tag="prototype",
        scope="org:admin",
    ),
    Endpoint(
        "POST",
        _LIST,
        create_prototype,
        Need.ORG_ADMIN,
        nickname="createOrganizationPrototypePermission",
        description="Create a new permission prototype.",
        tag="prototype",
        body=NewPrototype,
        scope="org:admin",
    ),
    Endpoint(
        "PUT",
        _ONE,
        update_prototype,
        Need.ORG_ADMIN,
        nickname="updateOrganizationPrototypePermission",
        description="Update the role of an existing permission prototype.",
        tag="prototype",
        body=PrototypeUpdate,
        scope="org:admin",
    ),
    Endpoint(
        "DELETE",
        _ONE,
        delete_prototype,
        Need.ORG_ADMIN,
        nickname="deleteOrganizationPrototypePermission",
        description="Delete an existing permission prototype.",
        tag="prototype",
        status=204,
        scope="org:admin",
    ),
)
