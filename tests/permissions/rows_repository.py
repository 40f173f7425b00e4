"""Matrix rows for repositories (create, list, read, update, visibility, state, delete).

``matrixorg/private`` is read by ``reader``, written by ``writer``, administered by ``repo_admin``
and ``org_admin``; ``member`` and ``creator`` hold no role on it; superusers get no bypass
(FEATURE_SUPERUSERS_FULL_ACCESS is off); anonymous non-GET calls fail CSRF (403).
"""

from __future__ import annotations

from tests.permissions.dsl import Row, route

_REPO = "/api/v1/repository/{repository}"

ROWS: list[Row] = [
    *route(
        "POST",
        "/api/v1/repository",
        body={"namespace": "{org}", "repository": "fresh", "visibility": "private", "description": ""},
        creator=201,
        org_admin=201,
        default=403,
    ),
    *route("GET", "/api/v1/repository", query={"namespace": "{org}"}, default=200),
    *route("GET", _REPO, anonymous=401, reader=200, writer=200, repo_admin=200, org_admin=200, default=403),
    *route("GET", _REPO, args={"repository": "{public_repo}"}, note="(public)", default=200),
    *route(
        "GET",
        _REPO,
        args={"repository": "{org}/missing"},
        note="(missing)",
        anonymous=401,
        org_admin=404,
        default=403,
    ),
    *route("PUT", _REPO, body={"description": "new"}, writer=200, repo_admin=200, org_admin=200, default=403),
    *route("DELETE", _REPO, repo_admin=204, org_admin=204, default=403),
    *route(
        "POST",
        f"{_REPO}/changevisibility",
        body={"visibility": "public"},
        repo_admin=200,
        org_admin=200,
        default=403,
    ),
    *route("PUT", f"{_REPO}/changestate", body={"state": "READ_ONLY"}, note="(REPO_MIRROR off)", default=404),
]
