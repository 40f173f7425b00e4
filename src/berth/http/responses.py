"""Response helpers: JSON rendering shared by the edges, and irregular-status replies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response


def json_bytes(body: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(body, separators=(", ", ": "), ensure_ascii=False).encode()


class JsonResponse(Response):
    """``application/json`` with Quay's serialisation."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


@dataclass(frozen=True)
class Reply:
    """A handler result whose status differs from the endpoint's usual one."""

    body: Any
    status: int
    headers: dict[str, str] | None = None
