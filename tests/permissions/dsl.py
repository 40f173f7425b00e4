"""Rows of the permission matrix: ``(method, path template, identity) -> expected status``.

A section file ``rows_<section>.py`` exports ``ROWS``, built with :func:`route`, which insists on a
status for every identity (give ``default=`` for the ones not listed)::

    ROWS = [
        *route("GET", "/api/v1/organization/{orgname}/members",
               anonymous=401, org_admin=200, default=403),
    ]

A robot authenticates with Basic credentials, which ``/api/v1`` ignores, so unless a row says
otherwise the robot expects the anonymous status.

``path`` is the route's template exactly as in ``berth.api.v1.routes.ENDPOINTS``; placeholders take
the world's defaults (see ``World.defaults``) unless ``args`` overrides them. ``args`` values,
``query`` and ``body`` may use ``{reader}``, ``{org}``, ``{private_repo}``... (``World.fill``).
``setup`` runs against the built world before the request (for data a row needs). Several
``route(...)`` calls for one route need distinct ``note=`` labels (``"(public)"``, ``"(missing)"``).

After changing rows, regenerate the document:
``.venv/bin/python -m tests.permissions.render > docs/permission-matrix.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.permissions.world import IDENTITIES, World


@dataclass(frozen=True)
class Row:
    """One cell of the matrix."""

    method: str
    path: str
    identity: str
    expected: int
    args: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    setup: Callable[[World], None] | None = None
    note: str = ""

    @property
    def id(self) -> str:
        """A readable pytest id."""
        extra = f" {self.note}" if self.note else ""
        return f"{self.method} {self.path}{extra} [{self.identity}]"


def route(
    method: str,
    path: str,
    *,
    default: int | None = None,
    args: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    body: Any = None,
    setup: Callable[[World], None] | None = None,
    note: str = "",
    expect: Mapping[str, int] | None = None,
    **statuses: int,
) -> list[Row]:
    """One row per identity for ``method path``; unknown identities and gaps fail at import.

    ``expect`` gives statuses as a mapping (a shared dict of identities: pass ``expect=READERS``
    rather than ``**READERS``, which mypy cannot check against the other keyword parameters).
    """
    statuses = {**(expect or {}), **statuses}
    unknown = set(statuses) - set(IDENTITIES)
    if unknown:
        raise ValueError(f"{method} {path}: unknown identities {sorted(unknown)}")
    rows: list[Row] = []
    for identity in IDENTITIES:
        expected = statuses.get(identity, default)
        if identity == "robot" and "robot" not in statuses and "anonymous" in statuses:
            # /api/v1 ignores the robot's Basic credentials (as Quay): it is anonymous there.
            expected = statuses["anonymous"]
        if expected is None:
            raise ValueError(f"{method} {path}: no expected status for {identity} (and no default)")
        rows.append(
            Row(method, path, identity, expected, dict(args or {}), dict(query or {}), body, setup, note)
        )
    return rows
