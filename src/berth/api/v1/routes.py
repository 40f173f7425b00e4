"""Every ``/api/v1`` operation Berth serves, gathered from the section modules of this package.

Each section module (``user.py``, ``organization.py``, ...) declares a tuple ``ENDPOINTS``; this
module collects them in a stable order (by module name), so adding a section never means editing a
shared list. Duplicate paths or nicknames fail at import time.
"""

from __future__ import annotations

import importlib
import pkgutil

import berth.api.v1
from berth.http.endpoint import Endpoint

_NOT_SECTIONS = frozenset({"routes"})


def _collect() -> tuple[Endpoint, ...]:
    endpoints: list[Endpoint] = []
    for info in sorted(pkgutil.iter_modules(berth.api.v1.__path__), key=lambda m: m.name):
        if info.name in _NOT_SECTIONS or info.ispkg:
            continue
        module = importlib.import_module(f"berth.api.v1.{info.name}")
        section = getattr(module, "ENDPOINTS", None)
        if section is None:
            continue
        endpoints.extend(section)
    return tuple(endpoints)


def _check_unique(endpoints: tuple[Endpoint, ...]) -> None:
    seen: set[tuple[str, str]] = set()
    nicknames: set[str] = set()
    for endpoint in endpoints:
        key = (endpoint.method, endpoint.path)
        if key in seen or endpoint.nickname in nicknames:
            raise ValueError(f"duplicate endpoint {endpoint.method} {endpoint.path} ({endpoint.nickname})")
        seen.add(key)
        nicknames.add(endpoint.nickname)


ENDPOINTS: tuple[Endpoint, ...] = _collect()
_check_unique(ENDPOINTS)
