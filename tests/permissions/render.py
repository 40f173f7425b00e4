"""Writes the permission matrix as a Markdown table (``docs/permission-matrix.md``).

    .venv/bin/python -m tests.permissions.render > docs/permission-matrix.md

One line per route (and per variant a row file notes, e.g. ``(public)``), one column per identity;
the cells are the statuses ``tests/permissions/test_matrix.py`` asserts.
"""

from __future__ import annotations

import sys

from berth.api.v1.routes import ENDPOINTS
from tests.permissions.test_matrix import ROWS
from tests.permissions.world import IDENTITIES

_HEADER = """# Permission matrix

Generated from `tests/permissions/rows_*.py` by `python -m tests.permissions.render`; every cell is
asserted by `tests/permissions/test_matrix.py` on SQLite and PostgreSQL. Do not edit by hand.

Identities (built by `tests/permissions/world.py`): organization `matrixorg` with a private repository
`matrixorg/private` and a public one `matrixorg/public`.

| identity | who |
|---|---|
| anonymous | no credentials (non-GET calls without a session fail Quay's CSRF check: 403) |
| unrelated | a user with no role anywhere |
| reader / writer / repo_admin | explicit `read` / `write` / `admin` on `matrixorg/private` |
| member | in team `members` (role member), no repository role |
| creator | in team `creators` (role creator): may create repositories |
| org_admin | in team `owners` (role admin) |
| robot | `matrixorg+bot` with Basic credentials, which `/api/v1` ignores (anonymous, as Quay) |
| superuser | a superuser (no bypass: `FEATURE_SUPERUSERS_FULL_ACCESS` is off) |
| noscope | a superuser and org admin whose OAuth token lacks the route's documented scope |

"""


def render() -> str:
    """The whole document."""
    nicknames = {(e.method, e.path): e.nickname for e in ENDPOINTS}
    lines: dict[tuple[str, str, str], list[dict[str, int]]] = {}
    for row in ROWS:
        variants = lines.setdefault((row.method, row.path, row.note), [{}])
        if row.identity in variants[-1]:  # another row set for the same route and note
            variants.append({})
        variants[-1][row.identity] = row.expected
    out = [_HEADER, "| route | operation | " + " | ".join(IDENTITIES) + " |"]
    out.append("|---|---|" + "---:|" * len(IDENTITIES))
    ordered = sorted(lines.items(), key=lambda item: (item[0][1], item[0][0], item[0][2]))
    for (method, path, note), variants in ordered:
        for number, statuses in enumerate(variants, start=1):
            label = " ".join(filter(None, [note, f"(variant {number})" if len(variants) > 1 else ""]))
            route = f"`{method} {path}`" + (f" {label}" if label else "")
            cells = " | ".join(str(statuses.get(identity, "")) for identity in IDENTITIES)
            out.append(f"| {route} | {nicknames.get((method, path), '?')} | {cells} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
