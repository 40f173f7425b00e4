"""Matrix rows for OAuth applications and their tokens, app-specific tokens and authorizations."""

from __future__ import annotations

from berth.accounts.service import get_account
from berth.oauth.applications import AppFields, create_application
from berth.oauth.service import create_access_token
from tests.permissions.dsl import Row, route
from tests.permissions.world import ORG, World

APPS = "/api/v1/organization/{orgname}/applications"
APP = {"client_id": "{client_id}"}


def _app(world: World) -> None:
    """An application of the matrix organization (its client id in ``{client_id}``) with one token."""
    runtime = world.runtime
    with runtime.db.transaction() as session:
        org = get_account(session, ORG)
        owner = get_account(session, world.names["org_admin"])
        assert org is not None
        assert owner is not None
        app, _ = create_application(
            session, org, AppFields(name="matrix-app"), actor=None, now=runtime.clock()
        )
        _, token = create_access_token(
            session,
            owner,
            frozenset({"repo:read"}),
            now=runtime.clock(),
            lifetime_s=60,
            application_id=app.id,
        )
        world.names["client_id"] = app.client_id
        world.names["token_uuid"] = token.uuid


_UPDATE = {"name": "renamed", "redirect_uri": "http://localhost/cb", "application_uri": "http://localhost"}

ROWS: list[Row] = [
    *route("GET", APPS, anonymous=401, org_admin=200, default=403),
    *route("POST", APPS, body={"name": "new-app"}, anonymous=403, org_admin=200, default=403),
    *route("GET", APPS + "/{client_id}", args=APP, setup=_app, anonymous=401, org_admin=200, default=403),
    *route(
        "PUT",
        APPS + "/{client_id}",
        args=APP,
        setup=_app,
        body=_UPDATE,
        anonymous=403,
        org_admin=200,
        default=403,
    ),
    *route("DELETE", APPS + "/{client_id}", args=APP, setup=_app, anonymous=403, org_admin=204, default=403),
    *route(
        "POST",
        APPS + "/{client_id}/resetclientsecret",
        args=APP,
        setup=_app,
        anonymous=403,
        org_admin=200,
        default=403,
    ),
    *route(
        "GET", APPS + "/{client_id}/tokens", args=APP, setup=_app, anonymous=401, org_admin=200, default=403
    ),
    *route(
        "POST",
        APPS + "/{client_id}/tokens",
        args=APP,
        setup=_app,
        body={"name": "ci", "scope": "repo:read"},
        anonymous=403,
        org_admin=200,
        default=403,
    ),
    *route(
        "DELETE",
        APPS + "/{client_id}/tokens/{token_uuid}",
        args={**APP, "token_uuid": "{token_uuid}"},
        setup=_app,
        anonymous=403,
        org_admin=204,
        default=403,
    ),
    *route("GET", "/api/v1/app/{client_id}", args=APP, setup=_app, default=200),
    *route("GET", "/api/v1/user/apptoken", anonymous=401, noscope=403, default=200),
    *route(
        "POST",
        "/api/v1/user/apptoken",
        body={"title": "t"},
        anonymous=403,
        noscope=403,
        default=200,
    ),
    *route(
        "GET",
        "/api/v1/user/apptoken/{token_uuid}",
        args={"token_uuid": "{uuid}"},
        anonymous=401,
        noscope=403,
        default=404,
    ),
    *route(
        "DELETE",
        "/api/v1/user/apptoken/{token_uuid}",
        args={"token_uuid": "{uuid}"},
        anonymous=403,
        noscope=403,
        default=404,
    ),
    *route("GET", "/api/v1/superuser/apptokens", anonymous=401, superuser=200, default=403),
    *route("GET", "/api/v1/user/authorizations", anonymous=401, noscope=403, default=200),
    *route(
        "GET",
        "/api/v1/user/authorizations/{access_token_uuid}",
        args={"access_token_uuid": "{uuid}"},
        anonymous=401,
        noscope=403,
        default=404,
    ),
    *route(
        "DELETE",
        "/api/v1/user/authorizations/{access_token_uuid}",
        args={"access_token_uuid": "{uuid}"},
        anonymous=403,
        noscope=403,
        default=404,
    ),
    *route("GET", "/api/v1/user/assignedauthorization", anonymous=401, noscope=403, default=200),
    *route(
        "DELETE",
        "/api/v1/user/assignedauthorization/{assigned_authorization_uuid}",
        args={"assigned_authorization_uuid": "{uuid}"},
        anonymous=403,
        noscope=403,
        default=404,
    ),
    *(
        row
        for method in ("GET", "POST", "DELETE")
        for row in route(
            method,
            "/api/v1/user/robots/{robot_shortname}/federation",
            args={"robot_shortname": "nobody"},
            body=[] if method == "POST" else None,
            note="missing robot",
            anonymous=401 if method == "GET" else 403,
            noscope=403,
            default=400,
        )
    ),
    *(
        row
        for method in ("GET", "POST", "DELETE")
        for row in route(
            method,
            "/api/v1/organization/{orgname}/robots/{robot_shortname}/federation",
            args={"robot_shortname": "nobody"},
            body=[] if method == "POST" else None,
            note="missing robot",
            anonymous=401 if method == "GET" else 403,
            org_admin=400,
            default=403,
        )
    ),
]
