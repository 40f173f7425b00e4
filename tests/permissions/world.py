"""The identity world every matrix row runs against, built once per test through the services.

One organization (``matrixorg``) owned by ``org_admin`` (``owners`` team), with a ``members`` team
(role member) holding ``member`` and a ``creators`` team (role creator) holding ``creator``. It owns a
private repository ``matrixorg/private`` on which ``reader``, ``writer`` and ``repo_admin`` hold
explicit roles, and a public repository ``matrixorg/public``. ``unrelated`` holds nothing;
``superuser`` is a superuser. ``noscope`` is a superuser and org admin whose OAuth token carries every
scope except the one the route documents (and the scopes implying it), so only the scope is missing.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from berth.accounts.models import Account
from berth.auditlog.service import Actor
from berth.lib import scopes as sc
from berth.oauth.service import create_access_token
from berth.orgs.models import TeamRole
from berth.orgs.service import (
    add_team_member,
    create_organization,
    require_organization,
    require_team,
    upsert_team,
)
from berth.repos.models import RoleName, Visibility
from berth.repos.service import create_repository, set_permission
from berth.robots.service import create_robot
from berth.runtime import Runtime
from tests.factories import make_user

IDENTITIES: tuple[str, ...] = (
    "anonymous",
    "unrelated",
    "reader",
    "writer",
    "repo_admin",
    "member",
    "creator",
    "org_admin",
    "robot",
    "superuser",
    "noscope",
)
USER_IDENTITIES = ("unrelated", "reader", "writer", "repo_admin", "member", "creator", "org_admin")
ORG = "matrixorg"
PRIVATE_REPO = f"{ORG}/private"
PUBLIC_REPO = f"{ORG}/public"
ROBOT_SKIP_REASON = (
    "robot identity: robot accounts arrive with berth.robots (issue 4, helper 2); "
    "set World.headers['robot'] in tests/permissions/world.py:_add_robot once they exist"
)


@dataclass
class World:
    """Names of everything built, and how each identity authenticates."""

    runtime: Runtime
    names: dict[str, str] = field(default_factory=dict)
    headers: dict[str, dict[str, str] | None] = field(default_factory=dict)
    noscope_user: str = ""

    def defaults(self) -> dict[str, str]:
        """Values for the path parameters routes use, unless a row overrides them."""
        return {
            "orgname": ORG,
            "teamname": "members",
            "repository": PRIVATE_REPO,
            "username": self.names["reader"],
            "membername": self.names["member"],
            "uuid": "00000000-0000-0000-0000-000000000000",
            "error_type": "not_found",
            "prefix": "matrix",
        }

    def fill(self, text: str) -> str:
        """Replace ``{identity}`` and world placeholders (``{org}``, ``{private_repo}``...) in ``text``."""
        values = {**self.defaults(), **self.names, "org": ORG, "private_repo": PRIVATE_REPO}
        values["public_repo"] = PUBLIC_REPO
        return text.format(**values)

    def fill_any(self, value: Any) -> Any:
        """:meth:`fill` applied through dicts and lists (request bodies)."""
        if isinstance(value, str):
            return self.fill(value)
        if isinstance(value, dict):
            return {k: self.fill_any(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill_any(v) for v in value]
        return value

    def headers_for(self, identity: str, needed_scope: str | None) -> dict[str, str] | None:
        """Request headers for ``identity`` (None: this identity cannot be built yet)."""
        if identity == "noscope":
            return {"Authorization": f"Bearer {self._noscope_token(needed_scope)}"}
        return self.headers[identity]

    def _noscope_token(self, needed_scope: str | None) -> str:
        lacking = sc.ALL_SCOPES - _COVERING.get(needed_scope or "", frozenset({needed_scope}))
        if needed_scope is None:
            lacking = frozenset()
        with self.runtime.db.transaction() as session:
            account = session.query(Account).filter_by(username=self.noscope_user).one()
            token, _ = create_access_token(
                session, account, lacking, now=self.runtime.clock(), lifetime_s=None
            )
        return token


# Scopes whose role clamp covers a documented scope (Quay clamps roles; it never matches scopes).
_COVERING: dict[str, frozenset[str]] = {
    sc.REPO_READ: frozenset({sc.REPO_READ, sc.REPO_WRITE, sc.REPO_ADMIN}),
    sc.REPO_WRITE: frozenset({sc.REPO_WRITE, sc.REPO_ADMIN}),
    sc.REPO_CREATE: frozenset({sc.REPO_CREATE, sc.ORG_ADMIN}),
    sc.USER_READ: frozenset({sc.USER_READ, sc.USER_ADMIN}),
}

WorldHook = Callable[[World], None]
# Other sections may register extra world builders here (called after the base world exists).
EXTRA_BUILDERS: list[WorldHook] = []


def build_world(runtime: Runtime) -> World:
    """Build the accounts, org, teams and repositories, and a full-scope token per identity."""
    world = World(runtime=runtime)
    now = runtime.clock()
    with runtime.db.transaction() as session:
        accounts: dict[str, Account] = {}
        for identity in (*USER_IDENTITIES, "superuser", "noscope"):
            accounts[identity] = make_user(session, now, superuser=identity in ("superuser", "noscope"))
            world.names[identity] = accounts[identity].username
        actor = Actor(account_id=accounts["org_admin"].id)
        org = create_organization(
            session, name=ORG, email=None, creator=accounts["org_admin"], actor=actor, now=now
        )
        add_team_member(
            session, org, require_team(session, org, "owners"), world.names["noscope"], actor=actor, now=now
        )
        for team_name, role, identity in (
            ("members", TeamRole.MEMBER, "member"),
            ("creators", TeamRole.CREATOR, "creator"),
        ):
            team = upsert_team(session, org, team_name, role=role, description="", actor=actor, now=now).team
            add_team_member(session, org, team, world.names[identity], actor=actor, now=now)
        private = create_repository(
            session,
            namespace=org,
            name="private",
            visibility=Visibility.PRIVATE,
            description="",
            actor=actor,
            now=now,
        )
        create_repository(
            session,
            namespace=org,
            name="public",
            visibility=Visibility.PUBLIC,
            description="",
            actor=actor,
            now=now,
        )
        for identity, repo_role in (
            ("reader", RoleName.READ),
            ("writer", RoleName.WRITE),
            ("repo_admin", RoleName.ADMIN),
        ):
            set_permission(session, private, accounts[identity].id, repo_role)
        for identity in (*USER_IDENTITIES, "superuser"):
            token, _ = create_access_token(
                session, accounts[identity], sc.ALL_SCOPES, now=now, lifetime_s=None
            )
            world.headers[identity] = {"Authorization": f"Bearer {token}"}
    world.noscope_user = world.names["noscope"]
    world.names["org"] = ORG
    world.headers["anonymous"] = {}
    _add_robot(world)
    for builder in EXTRA_BUILDERS:
        builder(world)
    return world


def _add_robot(world: World) -> None:
    """The robot identity: ``matrixorg+bot``, a member of ``members``, presenting its token as Basic
    credentials. ``/api/v1`` ignores Basic auth (as Quay), so a robot is anonymous there."""
    runtime = world.runtime
    with runtime.db.transaction() as session:
        org = require_organization(session, ORG)
        actor = Actor(account_id=None)
        issued = create_robot(
            session,
            org,
            "bot",
            description=None,
            unstructured_metadata=None,
            actor=actor,
            now=runtime.clock(),
        )
        add_team_member(
            session,
            org,
            require_team(session, org, "members"),
            issued.record.name,
            actor=actor,
            now=runtime.clock(),
        )
    world.names["robot"] = issued.record.name
    raw = base64.b64encode(f"{issued.record.name}:{issued.token}".encode()).decode()
    world.headers["robot"] = {"Authorization": f"Basic {raw}"}
