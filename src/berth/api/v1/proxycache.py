"""An organization's proxy-cache configuration (Quay's ``proxycache`` operations, behind
``FEATURE_PROXY_CACHE``). Serving images through the cache is not part of Berth."""

from __future__ import annotations

import pprint
import textwrap
from typing import Any

from pydantic import BaseModel, Field

from berth.auth.policy import Need
from berth.errors import InvalidRequest
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.orgs.service import require_organization
from berth.proxycache import service as svc
from berth.proxycache.schemas import proxy_cache_view

_REGISTRY_DESCRIPTION = "Name of the upstream registry that is to be cached"


class NewProxyCacheConfig(BaseModel):
    """Proxy cache configuration for an organization"""

    upstream_registry: Any = Field(description=_REGISTRY_DESCRIPTION, json_schema_extra={"type": "string"})
    upstream_registry_username: str | None = Field(
        default=None, description="Username for the upstream registry"
    )
    upstream_registry_password: str | None = Field(
        default=None, description="Password for the upstream registry"
    )
    expiration_s: int | None = Field(default=None, description="Cache expiration in seconds")
    insecure: bool | None = Field(default=None, description="Whether the upstream registry is insecure")


def _indent(value: object) -> str:
    return textwrap.indent(pprint.pformat(value, width=72), "    ")


def _settings(ctx: RequestContext) -> svc.UpstreamSettings:
    body = ctx.body_as(NewProxyCacheConfig)
    value = body.upstream_registry
    if not isinstance(value, str):
        schema = {"description": _REGISTRY_DESCRIPTION, "type": "string"}
        # jsonschema's message, as Quay answers it (pretty-printed at width 72, indented 4).
        raise InvalidRequest(
            f"{value!r} is not of type 'string'\n\n"
            "Failed validating 'type' in schema['properties']['upstream_registry']:\n"
            f"{_indent(schema)}\n\nOn instance['upstream_registry']:\n{_indent(value)}"
        )
    return svc.UpstreamSettings(
        upstream_registry=value,
        username=body.upstream_registry_username,
        password=body.upstream_registry_password,
        expiration_s=body.expiration_s,
        insecure=body.insecure,
    )


def get_proxy_cache(ctx: RequestContext) -> dict[str, Any]:
    """The configuration (empty strings when none is set)."""
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    return proxy_cache_view(svc.get_config(ctx.session, org))


def create_proxy_cache(ctx: RequestContext) -> Reply:
    """Configure the proxy cache: ``"Created"`` (201)."""
    settings = _settings(ctx)
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    svc.create_config(ctx.session, org, settings, actor=ctx.actor, now=ctx.now)
    return Reply("Created", 201)


def delete_proxy_cache(ctx: RequestContext) -> Reply:
    """Remove the configuration: ``"Deleted"`` (201, as Quay)."""
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    svc.delete_config(ctx.session, org, actor=ctx.actor, now=ctx.now)
    return Reply("Deleted", 201)


def validate_proxy_cache(ctx: RequestContext) -> Reply:
    """Log in to the upstream: ``"Valid"`` or ``"Anonymous"`` (202), else 400."""
    settings = _settings(ctx)
    require_organization(ctx.session, str(ctx.path["orgname"]))
    return Reply(svc.validate_upstream(settings), 202)


_PATH = "/api/v1/organization/{orgname}/proxycache"
_COMMON: dict[str, Any] = {"tag": "organization", "feature": "PROXY_CACHE", "scope": "org:admin"}
ENDPOINTS = (
    Endpoint(
        "GET",
        _PATH,
        get_proxy_cache,
        Need.ORG_MEMBER,
        nickname="getProxyCacheConfig",
        description="Retrieves the proxy cache configuration of the organization.",
        **_COMMON,
    ),
    Endpoint(
        "POST",
        _PATH,
        create_proxy_cache,
        Need.ORG_ADMIN,
        nickname="createProxyCacheConfig",
        description="Creates proxy cache configuration for the organization.",
        body=NewProxyCacheConfig,
        status=201,
        **_COMMON,
    ),
    Endpoint(
        "DELETE",
        _PATH,
        delete_proxy_cache,
        Need.ORG_ADMIN,
        nickname="deleteProxyCacheConfig",
        description="Delete proxy cache configuration for the organization.",
        status=201,
        **_COMMON,
    ),
    Endpoint(
        "POST",
        "/api/v1/organization/{orgname}/validateproxycache",
        validate_proxy_cache,
        Need.ORG_ADMIN,
        nickname="validateProxyCacheConfig",
        description="Validates the proxy cache configuration of the organization.",
        body=NewProxyCacheConfig,
        status=202,
        **_COMMON,
    ),
)
