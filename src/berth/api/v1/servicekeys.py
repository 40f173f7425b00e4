"""Superuser management of service keys (Quay's ``superuser`` section: ``/superuser/keys``).

The private key is returned once, by ``createServiceKey``; Berth stores only the public JWK.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import Response

from berth.auth.policy import Need
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.servicekeys import service
from berth.servicekeys.models import ServiceKey
from berth.servicekeys.schemas import key_view


class CreateServiceKey(BaseModel):
    """Description of creation of a service key"""

    service: str = Field(description="The service authenticating with this key")
    name: str = Field(default="", description="The friendly name of a service key")
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="The key/value pairs of this key's metadata"
    )
    notes: str = Field(default="", description="If specified, the extra notes for the key")
    expiration: Any = Field(description="The expiration date as a unix timestamp, or null")


class PutServiceKey(BaseModel):
    """Description of updates for a service key"""

    name: str | None = Field(default=None, description="The friendly name of a service key")
    metadata: dict[str, Any] | None = Field(
        default=None, description="The key/value pairs of this key's metadata"
    )
    expiration: Any = Field(default=None, description="The expiration date as a unix timestamp, or null")


class ApproveServiceKey(BaseModel):
    """Information for approving service keys"""

    notes: str = Field(default="", description="Optional approval notes")


def _view(ctx: RequestContext, key: ServiceKey) -> dict[str, Any]:
    approver = service.approvers(ctx.session, [key]).get(key.approver_id or 0)
    return key_view(key, approver, super_users=ctx.runtime.settings.super_users)


def list_keys(ctx: RequestContext) -> dict[str, Any]:
    """Every service key."""
    keys = service.list_keys(ctx.session)
    found = service.approvers(ctx.session, keys)
    super_users = ctx.runtime.settings.super_users
    return {"keys": [key_view(k, found.get(k.approver_id or 0), super_users=super_users) for k in keys]}


def create_key(ctx: RequestContext) -> dict[str, Any]:
    """Generate and approve a key; the private key appears in this answer only."""
    body = ctx.body_as(CreateServiceKey)
    expiration = service.parse_expiration(
        body.expiration, now=ctx.now, past_message="Expiration date cannot be in the past"
    )
    created = service.create_key(
        ctx.session,
        service=body.service,
        name=body.name,
        expiration=expiration,
        metadata=body.metadata,
        notes=body.notes,
        approver_id=ctx.principal.account_id or 0,
        approver_name=ctx.principal.username or "",
        actor=ctx.actor,
        now=ctx.now,
    )
    return {
        "kid": created.key.kid,
        "name": created.key.name,
        "private_key": created.private_pem,
        "public_key": created.public_pem,
        "service": created.key.service,
    }


def get_key(ctx: RequestContext) -> dict[str, Any]:
    """One key, approved or not, expired or not."""
    return _view(ctx, service.require_key(ctx.session, str(ctx.path["kid"])))


def update_key(ctx: RequestContext) -> dict[str, Any]:
    """Rename a key, merge into its metadata, or change its expiration."""
    body = ctx.body_as(PutServiceKey)
    key = service.update_key(
        ctx.session,
        str(ctx.path["kid"]),
        fields=set(body.model_fields_set),
        name=body.name,
        metadata=body.metadata,
        expiration=body.expiration,
        actor=ctx.actor,
        now=ctx.now,
    )
    return _view(ctx, key)


def delete_key(ctx: RequestContext) -> Reply:
    """Delete a key."""
    service.delete_key(ctx.session, str(ctx.path["kid"]), actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def approve_key(ctx: RequestContext) -> Response:
    """Approve a key a service registered; Quay answers 201 with an empty HTML body."""
    body = ctx.body_as(ApproveServiceKey)
    service.approve_key(
        ctx.session,
        str(ctx.path["kid"]),
        approver_id=ctx.principal.account_id or 0,
        notes=body.notes,
        actor=ctx.actor,
        now=ctx.now,
    )
    return Response(b"", status_code=201, media_type="text/html")


_KEYS = "/api/v1/superuser/keys"
_KEY = "/api/v1/superuser/keys/{kid}"
_COMMON: dict[str, Any] = {"tag": "superuser", "feature": "SUPER_USERS", "scope": "super:user"}
_FRESH: dict[str, Any] = {**_COMMON, "fresh_login": True}
ENDPOINTS = (
    Endpoint("GET", _KEYS, list_keys, Need.SUPERUSER, "listServiceKeys", "List all service keys.",
             **_COMMON),
    Endpoint("POST", _KEYS, create_key, Need.SUPERUSER, "createServiceKey", "Creates a new service key.",
             body=CreateServiceKey, **_FRESH),
    Endpoint("GET", _KEY, get_key, Need.SUPERUSER, "getServiceKey",
             "Returns information about a service key.", **_COMMON),
    Endpoint("PUT", _KEY, update_key, Need.SUPERUSER, "updateServiceKey",
             "Updates information about a service key.", body=PutServiceKey, **_FRESH),
    Endpoint("DELETE", _KEY, delete_key, Need.SUPERUSER, "deleteServiceKey", "Deletes a service key.",
             status=204, **_FRESH),
    Endpoint("POST", "/api/v1/superuser/approvedkeys/{kid}", approve_key, Need.SUPERUSER, "approveServiceKey",
             "Approves a service key.", body=ApproveServiceKey, body_optional=True, status=201, **_FRESH),
)  # fmt: skip
