"""Matrix rows for an organization's proxy-cache configuration.

Every row turns ``FEATURE_PROXY_CACHE`` on first (Quay's default, and Berth's, is off). Reading the
configuration needs organization membership; changing or validating it needs org admin, as Quay.
Validation bodies carry no credentials, so no row contacts an upstream (the answer is
``"Anonymous"``).
"""

from __future__ import annotations

from dataclasses import replace

from berth.auditlog.service import Actor
from berth.orgs.service import require_organization
from berth.proxycache.service import UpstreamSettings, create_config
from tests.permissions.dsl import Row, route
from tests.permissions.world import ORG, World

_PATH = "/api/v1/organization/{orgname}/proxycache"
_VALIDATE = "/api/v1/organization/{orgname}/validateproxycache"
BODY = {"upstream_registry": "docker.io"}
ORG_MEMBERS = {"member": 200, "creator": 200, "org_admin": 200}
# Scopes clamp roles (Quay never checks the documented ``org:admin``): noscope's token still carries
# repository scopes, which leave an org admin the member role, enough to read the configuration.
READERS = {**ORG_MEMBERS, "noscope": 200}


def _feature(world: World) -> None:
    runtime = world.runtime
    runtime.settings = replace(runtime.settings, features={**runtime.settings.features, "PROXY_CACHE": True})


def _configured(world: World) -> None:
    _feature(world)
    runtime = world.runtime
    with runtime.db.transaction() as session:
        org = require_organization(session, ORG)
        create_config(session, org, UpstreamSettings("docker.io"), actor=Actor(None), now=runtime.clock())


ROWS: list[Row] = [
    *route("GET", _PATH, setup=_configured, expect=READERS, anonymous=401, default=403),
    *route("POST", _PATH, setup=_feature, body=BODY, anonymous=403, org_admin=201, default=403),
    *route("DELETE", _PATH, setup=_configured, anonymous=403, org_admin=201, default=403),
    *route("POST", _VALIDATE, setup=_feature, body=BODY, anonymous=403, org_admin=202, default=403),
]
