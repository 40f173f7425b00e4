"""An API endpoint is a row: method, path, handler, required permission, body model, feature flag.

The router, ``/api/v1/discovery`` and the permission tests all read these rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from berth.auth.policy import Need

if TYPE_CHECKING:
    from berth.http.context import RequestContext


@dataclass(frozen=True)
class QueryParam:
    """A documented query-string parameter."""

    name: str
    description: str = ""
    type: str = "string"
    required: bool = False


@dataclass(frozen=True)
class Endpoint:
    """One Quay API operation as Berth serves it."""

    method: str
    path: str
    handler: Callable[[RequestContext], Any]
    need: Need
    nickname: str
    description: str
    tag: str
    body: type[BaseModel] | None = None
    feature: str | None = None
    internal: bool = False
    fresh_login: bool = False
    status: int = 200
    scope: str | None = None
    query: tuple[QueryParam, ...] = ()
    csrf_exempt: bool = False
    # An empty body stands for ``{}`` (Quay reads these bodies with ``get_json(silent=True) or {}``).
    body_optional: bool = False

    def __post_init__(self) -> None:
        if self.method not in ("GET", "POST", "PUT", "DELETE"):
            raise ValueError(f"{self.nickname}: unsupported method {self.method}")
        if not isinstance(self.need, Need):
            raise TypeError(f"{self.nickname}: every endpoint must declare the permission it requires")
        if not self.path.startswith("/"):
            raise ValueError(f"{self.nickname}: path must start with /")
