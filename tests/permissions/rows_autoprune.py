"""Matrix rows for auto-prune policies (organization, the caller's namespace, repositories).

Every row turns ``FEATURE_AUTO_PRUNE`` on first (Quay's default, and Berth's, is off).
"""

from __future__ import annotations

from dataclasses import replace

from berth.accounts.service import get_account
from berth.auditlog.service import Actor
from berth.autoprune.service import create_policy, policy_config
from berth.repos.service import get_repository, handle_of
from tests.permissions.dsl import Row, route
from tests.permissions.world import ORG, World

POLICY_ID = "22222222-3333-4444-5555-666666666666"
BODY = {"method": "number_of_tags", "value": 10}


def _feature(world: World) -> None:
    runtime = world.runtime
    runtime.settings = replace(runtime.settings, features={**runtime.settings.features, "AUTO_PRUNE": True})


def _policy(world: World, namespace: str, repository: str | None = None) -> None:
    _feature(world)
    runtime = world.runtime
    with runtime.db.transaction() as session:
        account = get_account(session, namespace)
        assert account is not None
        repo = None
        if repository is not None:
            found = get_repository(session, namespace, repository)
            assert found is not None
            repo = handle_of(found, namespace)
        policy = create_policy(
            session,
            account,
            repo,
            policy_config("creation_date", "7d", None, None),
            actor=Actor(None),
            now=runtime.clock(),
        )
        policy.uuid = POLICY_ID


def _org_policy(world: World) -> None:
    _policy(world, ORG)


def _reader_policy(world: World) -> None:
    _policy(world, world.names["reader"])


def _repo_policy(world: World) -> None:
    _policy(world, ORG, "private")


ONE = {"policy_uuid": POLICY_ID}
_ORG = "/api/v1/organization/{orgname}/autoprunepolicy/"
_USER = "/api/v1/user/autoprunepolicy/"
_REPO = "/api/v1/repository/{repository}/autoprunepolicy/"
# The repository's admins: its explicit admin, and the organization's admins (owners team).
_REPO_ADMINS = {"repo_admin": 200, "org_admin": 200}

ROWS: list[Row] = [
    *route("GET", _ORG, setup=_org_policy, anonymous=401, org_admin=200, default=403),
    *route("POST", _ORG, setup=_feature, body=BODY, anonymous=403, org_admin=201, default=403),
    *route(
        "GET",
        f"{_ORG}{{policy_uuid}}",
        args=ONE,
        setup=_org_policy,
        anonymous=401,
        org_admin=200,
        default=403,
    ),
    *route(
        "PUT",
        f"{_ORG}{{policy_uuid}}",
        args=ONE,
        setup=_org_policy,
        body=BODY,
        anonymous=403,
        org_admin=204,
        default=403,
    ),
    *route(
        "DELETE",
        f"{_ORG}{{policy_uuid}}",
        args=ONE,
        setup=_org_policy,
        anonymous=403,
        org_admin=200,
        default=403,
    ),
    # The user routes act on the caller's own namespace: the policy is the reader's, so only the
    # reader finds it; every other signed-in user gets 404.
    *route("GET", _USER, setup=_reader_policy, anonymous=401, robot=401, noscope=403, default=200),
    *route("POST", _USER, setup=_feature, body=BODY, anonymous=403, robot=403, noscope=403, default=201),
    *route(
        "GET",
        f"{_USER}{{policy_uuid}}",
        args=ONE,
        setup=_reader_policy,
        anonymous=401,
        robot=401,
        noscope=403,
        reader=200,
        default=404,
    ),
    *route(
        "PUT",
        f"{_USER}{{policy_uuid}}",
        args=ONE,
        setup=_reader_policy,
        body=BODY,
        anonymous=403,
        robot=403,
        noscope=403,
        reader=204,
        default=404,
    ),
    *route(
        "DELETE",
        f"{_USER}{{policy_uuid}}",
        args=ONE,
        setup=_reader_policy,
        anonymous=403,
        robot=403,
        noscope=403,
        reader=200,
        default=404,
    ),
    *route("GET", _REPO, setup=_repo_policy, anonymous=401, expect=_REPO_ADMINS, default=403),
    *route(
        "POST",
        _REPO,
        setup=_feature,
        body=BODY,
        anonymous=403,
        repo_admin=201,
        org_admin=201,
        default=403,
    ),
    *route(
        "GET",
        f"{_REPO}{{policy_uuid}}",
        args=ONE,
        setup=_repo_policy,
        anonymous=401,
        expect=_REPO_ADMINS,
        default=403,
    ),
    *route(
        "PUT",
        f"{_REPO}{{policy_uuid}}",
        args=ONE,
        setup=_repo_policy,
        body=BODY,
        anonymous=403,
        repo_admin=204,
        org_admin=204,
        default=403,
    ),
    *route(
        "DELETE",
        f"{_REPO}{{policy_uuid}}",
        args=ONE,
        setup=_repo_policy,
        anonymous=403,
        repo_admin=200,
        org_admin=200,
        default=403,
    ),
]
