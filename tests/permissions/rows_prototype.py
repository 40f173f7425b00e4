"""Matrix rows for default permissions (prototypes) of organizations."""

from __future__ import annotations

from berth.auditlog.service import Actor
from berth.orgs.prototypes import create_prototype
from berth.orgs.service import require_organization
from berth.repos.models import RoleName
from tests.permissions.dsl import Row, route
from tests.permissions.world import ORG, World

PROTOTYPE_ID = "11111111-2222-3333-4444-555555555555"


def _prototype(world: World) -> None:
    runtime = world.runtime
    with runtime.db.transaction() as session:
        org = require_organization(session, ORG)
        proto = create_prototype(
            session,
            org,
            role=RoleName.READ,
            activating_username=None,
            delegate_kind="user",
            delegate_name=world.names["reader"],
            actor=Actor(None),
            now=runtime.clock(),
        )
        proto.row.uuid = PROTOTYPE_ID


_LIST = "/api/v1/organization/{orgname}/prototypes"
_ONE = f"{_LIST}/{{prototypeid}}"
ONE = {"prototypeid": PROTOTYPE_ID}

ROWS: list[Row] = [
    *route("GET", _LIST, anonymous=401, org_admin=200, default=403),
    *route(
        "POST",
        _LIST,
        body={"role": "read", "delegate": {"kind": "user", "name": "{reader}"}},
        anonymous=403,
        org_admin=200,
        default=403,
    ),
    *route(
        "PUT",
        _ONE,
        args=ONE,
        setup=_prototype,
        body={"role": "write"},
        anonymous=403,
        org_admin=200,
        default=403,
    ),
    *route("DELETE", _ONE, args=ONE, setup=_prototype, anonymous=403, org_admin=204, default=403),
]
