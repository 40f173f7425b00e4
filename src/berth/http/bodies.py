"""Parsing JSON request bodies into pydantic models, with Quay-style ``invalid_request`` messages."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from berth.errors import InvalidRequest, PayloadTooLarge

MAX_JSON_BODY = 1024 * 1024
M = TypeVar("M", bound=BaseModel)

_TYPE_NAMES = {
    "string_type": "string",
    "int_type": "integer",
    "int_parsing": "integer",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "dict_type": "object",
    "list_type": "array",
    "float_type": "number",
    "model_type": "object",
}


def _describe(error: dict[str, Any]) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()))
    kind = error.get("type", "")
    if kind == "missing":
        return f"'{location}' is a required property"
    if kind in _TYPE_NAMES:
        return f"{error.get('input')!r} is not of type '{_TYPE_NAMES[kind]}' ({location})"
    if kind == "extra_forbidden":
        return f"Additional properties are not allowed ('{location}' was unexpected)"
    message = str(error.get("msg", "invalid value"))
    return f"{location}: {message}" if location else message


def parse_json_body(raw: bytes, model: type[M]) -> M:
    """Validate ``raw`` as ``model``; every failure is a 400 that names the field."""
    if len(raw) > MAX_JSON_BODY:
        raise PayloadTooLarge("Request body is too large")
    if not raw.strip():
        raise InvalidRequest("Missing JSON body")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"Malformed JSON body: {exc}") from None
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise InvalidRequest(_describe(dict(errors[0])), extra={}) from None
