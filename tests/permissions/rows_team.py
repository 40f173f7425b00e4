"""Matrix rows for teams and team members."""

from __future__ import annotations

from tests.permissions.dsl import Row, route

ROWS: list[Row] = [
    *route(
        "PUT",
        "/api/v1/organization/{orgname}/team/{teamname}",
        body={"role": "member", "description": "d"},
        anonymous=403,
        org_admin=200,
        default=403,
    ),
    *route(
        "DELETE", "/api/v1/organization/{orgname}/team/{teamname}", anonymous=403, org_admin=204, default=403
    ),
    *route(
        "GET",
        "/api/v1/organization/{orgname}/team/{teamname}/members",
        anonymous=401,
        member=200,
        org_admin=200,
        default=403,
    ),
    *route(
        "PUT",
        "/api/v1/organization/{orgname}/team/{teamname}/members/{membername}",
        args={"membername": "{unrelated}"},
        anonymous=403,
        org_admin=200,
        default=403,
    ),
    *route(
        "DELETE",
        "/api/v1/organization/{orgname}/team/{teamname}/members/{membername}",
        anonymous=403,
        org_admin=204,
        default=403,
    ),
    *route(
        "PUT",
        "/api/v1/organization/{orgname}/team/{teamname}/invite/{email}",
        args={"email": "invitee@example.com"},
        anonymous=403,
        org_admin=200,
        default=403,
    ),
    *route(
        "DELETE",
        "/api/v1/organization/{orgname}/team/{teamname}/invite/{email}",
        args={"email": "invitee@example.com"},
        note="(no such invite)",
        anonymous=403,
        org_admin=204,
        default=403,
    ),
    *route(
        "PUT",
        "/api/v1/teaminvite/{code}",
        args={"code": "nosuchcode"},
        anonymous=403,
        noscope=403,
        default=400,
    ),
    *route(
        "DELETE",
        "/api/v1/teaminvite/{code}",
        args={"code": "nosuchcode"},
        anonymous=403,
        noscope=403,
        default=400,
    ),
]
