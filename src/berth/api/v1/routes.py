"""Every ``/api/v1`` operation Berth serves, gathered from the section modules."""

from __future__ import annotations

from berth.api.v1 import account, discovery, error, notifications, organization, signin, team, user
from berth.http.endpoint import Endpoint

ENDPOINTS: tuple[Endpoint, ...] = (
    *discovery.ENDPOINTS,
    *error.ENDPOINTS,
    *user.ENDPOINTS,
    *signin.ENDPOINTS,
    *account.ENDPOINTS,
    *notifications.ENDPOINTS,
    *organization.ENDPOINTS,
    *team.ENDPOINTS,
)


def _check_unique(endpoints: tuple[Endpoint, ...]) -> None:
    seen: set[tuple[str, str]] = set()
    nicknames: set[str] = set()
    for endpoint in endpoints:
        key = (endpoint.method, endpoint.path)
        if key in seen or endpoint.nickname in nicknames:
            raise ValueError(f"duplicate endpoint {endpoint.method} {endpoint.path} ({endpoint.nickname})")
        seen.add(key)
        nicknames.add(endpoint.nickname)


_check_unique(ENDPOINTS)
