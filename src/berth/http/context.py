"""What a handler receives: the caller, an open DB session, the parsed body and the runtime."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams
from starlette.requests import Request

from berth.accounts.models import WebSession
from berth.auditlog.service import Actor
from berth.auth.principal import Principal
from berth.errors import InvalidRequest
from berth.runtime import Runtime

T = TypeVar("T", bound=BaseModel)


@dataclass
class RequestContext:
    """The unit of work of one API call."""

    request: Request
    runtime: Runtime
    session: Session
    principal: Principal
    now: datetime
    path: dict[str, Any]
    query: QueryParams
    body: BaseModel | None
    web_session: WebSession | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    set_cookies: list[tuple[str, str, int]] = field(default_factory=list)
    clear_cookies: list[str] = field(default_factory=list)

    @property
    def actor(self) -> Actor:
        """The caller as the audit log records it."""
        client = self.request.client
        return Actor(
            account_id=self.principal.account_id,
            ip=client.host if client else None,
            oauth_token_id=self.principal.oauth_token_id,
        )

    def body_as(self, model: type[T]) -> T:
        """The parsed JSON body, typed."""
        if not isinstance(self.body, model):
            raise TypeError(f"expected body {model.__name__}")
        return self.body

    def query_bool(self, name: str, default: bool = False) -> bool:
        """A boolean query parameter as Quay parses them (``true``/``1``)."""
        value = self.query.get(name)
        if value is None:
            return default
        return value.lower() in ("true", "1", "yes")

    def query_int(self, name: str, default: int) -> int:
        """An integer query parameter: absent or empty gives ``default``, a non-integer is a 400."""
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise InvalidRequest(f"Invalid value for {name}: {raw}") from None
