"""Matrix rows for usage logs: lists, per-day counts and exports of the caller's own namespace, an
organization, a repository, and the installation-wide list for superusers.

User logs need a user (not a robot) whose token keeps ``user:admin``; organization logs an admin of
``matrixorg``; repository logs an admin of ``matrixorg/private``; ``listAllLogs`` a superuser with
``super:user``. Superusers get no bypass (FEATURE_SUPERUSERS_FULL_ACCESS is off), and anonymous
non-GET calls fail CSRF (403).
"""

from __future__ import annotations

from tests.permissions.dsl import Row, route

_ORG = "/api/v1/organization/{orgname}"
_REPO = "/api/v1/repository/{repository}"
# No mail server is configured: the export's delivery fails in the background, after the answer.
_EXPORT = {"callback_email": "logs@example.com"}
_MISSING = {"repository": "{org}/missing"}

ROWS: list[Row] = [
    *route("GET", "/api/v1/user/logs", anonymous=401, noscope=403, default=200),
    *route("GET", "/api/v1/user/aggregatelogs", anonymous=401, noscope=403, default=200),
    *route("POST", "/api/v1/user/exportlogs", body=_EXPORT, anonymous=403, noscope=403, default=200),
    *route("GET", f"{_ORG}/logs", anonymous=401, org_admin=200, default=403),
    *route("GET", f"{_ORG}/aggregatelogs", anonymous=401, org_admin=200, default=403),
    *route("POST", f"{_ORG}/exportlogs", body=_EXPORT, anonymous=403, org_admin=200, default=403),
    *route("GET", f"{_REPO}/logs", anonymous=401, repo_admin=200, org_admin=200, default=403),
    *route(
        "GET", f"{_REPO}/logs", args=_MISSING, note="(missing)", anonymous=401, org_admin=404, default=403
    ),
    *route("GET", f"{_REPO}/aggregatelogs", anonymous=401, repo_admin=200, org_admin=200, default=403),
    *route(
        "POST",
        f"{_REPO}/exportlogs",
        body=_EXPORT,
        anonymous=403,
        repo_admin=200,
        org_admin=200,
        default=403,
    ),
    *route("GET", "/api/v1/superuser/logs", anonymous=401, superuser=200, default=403),
]
