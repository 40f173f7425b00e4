"""``GET /api/v1/discovery``: the Swagger 2.0 document, generated from the endpoint table."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from berth.auth.policy import Need
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint, QueryParam
from berth.lib.scopes import SCOPES, SUPER_USER

_PATH_PARAM = re.compile(r"{([a-z_]+)}")
_ERROR_RESPONSES = {
    "400": {"description": "Bad Request", "schema": {"$ref": "#/definitions/ApiError"}},
    "401": {"description": "Session required", "schema": {"$ref": "#/definitions/ApiError"}},
    "403": {"description": "Unauthorized access", "schema": {"$ref": "#/definitions/ApiError"}},
    "404": {"description": "Not found", "schema": {"$ref": "#/definitions/ApiError"}},
}
_API_ERROR = {
    "type": "object",
    "required": ["status", "type", "title"],
    "properties": {
        "status": {"type": "integer", "description": "Status code of the response."},
        "type": {"type": "string", "description": "Reference to the type of the error."},
        "detail": {"type": "string", "description": "Details about the specific instance of the error."},
        "title": {"type": "string", "description": "Unique error code to identify the type of error."},
        "error_message": {"type": "string", "description": "Deprecated; alias for detail"},
        "error_type": {"type": "string", "description": "Deprecated; alias for detail"},
    },
}


def _swagger_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/definitions/{model}")
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        prop.pop("default", None)
        if "anyOf" in prop:  # Optional[X]: swagger 2.0 has no anyOf; document the non-null type
            types = [t for t in prop.pop("anyOf") if t.get("type") != "null"]
            if types:
                prop.update(types[0])
    schema["description"] = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
    schema["id"] = model.__name__
    return schema


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "description": "", "type": "string"}
        for name in _PATH_PARAM.findall(endpoint.path)
    ]
    params += [_query_param(q) for q in endpoint.query]
    if endpoint.body is not None:
        params.append(
            {
                "name": "body",
                "in": "body",
                "required": True,
                "description": "Request body contents.",
                "schema": {"$ref": f"#/definitions/{endpoint.body.__name__}"},
            }
        )
    return params


def _query_param(param: QueryParam) -> dict[str, Any]:
    return {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": param.description,
        "type": param.type,
    }


def build_discovery(
    endpoints: tuple[Endpoint, ...],
    *,
    base_url: str,
    host: str,
    scheme: str,
    internal: bool,
    super_users: bool,
) -> dict[str, Any]:
    """The Swagger 2.0 document for the operations Berth serves (internal ones on request)."""
    paths: dict[str, dict[str, Any]] = {}
    definitions: dict[str, Any] = {"ApiError": _API_ERROR}
    tags: set[str] = set()
    for endpoint in endpoints:
        if endpoint.internal and not internal:
            continue
        if endpoint.nickname == "initializeUser":
            continue  # web-hosted in Quay, never part of its discovery document
        entry = paths.setdefault(
            endpoint.path,
            {"x-name": f"berth.api.v1.{endpoint.tag}", "x-path": endpoint.path, "x-tag": endpoint.tag},
        )
        operation: dict[str, Any] = {
            "operationId": endpoint.nickname,
            "parameters": _parameters(endpoint),
            "description": endpoint.description,
            "tags": [endpoint.tag],
            "responses": {**_ERROR_RESPONSES, str(endpoint.status): {"description": "Successful invocation"}},
        }
        if endpoint.scope:
            operation["security"] = [{"oauth2_implicit": [endpoint.scope]}]
        if endpoint.internal:
            operation["x-internal"] = True
        entry[endpoint.method.lower()] = operation
        tags.add(endpoint.tag)
        if endpoint.body is not None:
            definitions[endpoint.body.__name__] = _swagger_schema(endpoint.body)
    scopes = {name: info.description for name, info in SCOPES.items() if super_users or name != SUPER_USER}
    return {
        "swagger": "2.0",
        "host": host,
        "basePath": "/",
        "schemes": [scheme],
        "info": {
            "version": "v1",
            "title": "Quay Frontend",
            "description": "This API allows you to perform many of the operations required to work with Quay "
            "repositories, users, and organizations.",
            "termsOfService": "",
            "contact": {"email": f"berth@{host.split(':', maxsplit=1)[0]}"},
        },
        "securityDefinitions": {
            "oauth2_implicit": {
                "type": "oauth2",
                "flow": "implicit",
                "authorizationUrl": f"{base_url}/oauth/authorize",
                "scopes": scopes,
            }
        },
        "paths": paths,
        "definitions": definitions,
        "tags": [{"name": tag, "description": ""} for tag in sorted(tags)],
    }


def discovery(ctx: RequestContext) -> dict[str, Any]:
    """The discovery document; ``?internal=true`` adds the internal-only operations."""
    settings = ctx.runtime.settings
    endpoints: tuple[Endpoint, ...] = ctx.request.app.state.api_endpoints
    return build_discovery(
        endpoints,
        base_url=settings.base_url,
        host=settings.server_hostname,
        scheme=settings.preferred_url_scheme,
        internal=ctx.query_bool("internal"),
        super_users=settings.feature("SUPER_USERS"),
    )


ENDPOINTS = (
    Endpoint(
        "GET",
        "/api/v1/discovery",
        discovery,
        Need.ANYONE,
        nickname="discovery",
        description="List all of the API endpoints available in the swagger API format.",
        tag="discovery",
        query=(QueryParam("internal", "Whether to include internal APIs.", type="boolean"),),
    ),
)
