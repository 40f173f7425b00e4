"""Matrix rows for storage quotas (organization, user and superuser routes).

Quota routes need ``FEATURE_QUOTA_MANAGEMENT`` (off by default, as in Quay): every row's setup turns
it on, except the one that checks the gate. Organization members and superusers read an
organization's quota, members alone its limits; only superusers (with ``super:user``) write.
Anonymous non-GET calls fail CSRF (403) first.
"""

from __future__ import annotations

from dataclasses import replace

from berth.accounts.service import get_account
from berth.quotas.models import NamespaceQuota, NamespaceQuotaLimit, QuotaType
from tests.permissions.dsl import Row, route
from tests.permissions.world import ORG, World

QUOTA_ID = "7"
LIMIT_ID = "9"


def _enable(world: World) -> None:
    runtime = world.runtime
    runtime.settings = replace(
        runtime.settings, features={**runtime.settings.features, "QUOTA_MANAGEMENT": True}
    )


def _quota_for(world: World, namespace: str) -> None:
    _enable(world)
    with world.runtime.db.transaction() as session:
        account = get_account(session, namespace)
        assert account is not None
        session.add(NamespaceQuota(id=int(QUOTA_ID), namespace_id=account.id, limit_bytes=10 * 2**30))
        session.flush()
        session.add(
            NamespaceQuotaLimit(
                id=int(LIMIT_ID), quota_id=int(QUOTA_ID), quota_type=QuotaType.WARNING, percent_of_limit=80
            )
        )


def _org_quota(world: World) -> None:
    _quota_for(world, ORG)


def _reader_quota(world: World) -> None:
    _quota_for(world, world.names["reader"])


_ORG = "/api/v1/organization/{orgname}/quota"
_ORG_ONE = _ORG + "/{quota_id}"
_ORG_LIMITS = _ORG_ONE + "/limit"
_ORG_LIMIT = _ORG_LIMITS + "/{limit_id}"
_USER = "/api/v1/user/quota"
_USER_ONE = _USER + "/{quota_id}"
_SU_ORG = "/api/v1/superuser/organization/{namespace}/quota"
_SU_USER = "/api/v1/superuser/users/{namespace}/quota"
ONE = {"quota_id": QUOTA_ID}
LIMIT = {"quota_id": QUOTA_ID, "limit_id": LIMIT_ID}
# Members of the organization and, for the quota itself, superusers (noscope: a token without scopes).
ORG_READERS = {"member": 200, "creator": 200, "org_admin": 200}
WRITE = {"anonymous": 403, "superuser": 200, "default": 403}


def _su_rows(base: str, namespace: str) -> list[Row]:
    args = {"namespace": namespace}
    one = {**args, "quota_id": QUOTA_ID}
    setup = _org_quota if namespace == ORG else _reader_quota
    return [
        *route("GET", base, args=args, setup=setup, anonymous=401, superuser=200, default=403),
        *route(
            "POST",
            base,
            args=args,
            setup=_enable,
            body={"limit_bytes": 1000},
            anonymous=403,
            superuser=201,
            default=403,
        ),
        *route(
            "PUT",
            base + "/{quota_id}",
            args=one,
            setup=setup,
            body={"limit": "2 GiB"},
            anonymous=403,
            superuser=200,
            default=403,
        ),
        *route(
            "DELETE", base + "/{quota_id}", args=one, setup=setup, anonymous=403, superuser=204, default=403
        ),
    ]


ROWS: list[Row] = [
    *route("GET", _ORG, note="(QUOTA_MANAGEMENT off)", default=404),
    *route("GET", _ORG, setup=_org_quota, expect=ORG_READERS, anonymous=401, superuser=200, default=403),
    *route(
        "POST", _ORG, setup=_enable, body={"limit_bytes": 1000}, anonymous=403, superuser=201, default=403
    ),
    *route(
        "GET",
        _ORG_ONE,
        args=ONE,
        setup=_org_quota,
        expect=ORG_READERS,
        anonymous=401,
        superuser=200,
        default=403,
    ),
    *route(
        "PUT",
        _ORG_ONE,
        args=ONE,
        setup=_org_quota,
        body={"limit_bytes": 2000},
        anonymous=403,
        superuser=200,
        default=403,
    ),
    *route("DELETE", _ORG_ONE, args=ONE, setup=_org_quota, anonymous=403, superuser=204, default=403),
    *route("GET", _ORG_LIMITS, args=ONE, setup=_org_quota, expect=ORG_READERS, anonymous=401, default=403),
    *route(
        "POST",
        _ORG_LIMITS,
        args=ONE,
        setup=_org_quota,
        body={"type": "Reject", "threshold_percent": 100},
        anonymous=403,
        superuser=201,
        default=403,
    ),
    *route("GET", _ORG_LIMIT, args=LIMIT, setup=_org_quota, expect=ORG_READERS, anonymous=401, default=403),
    *route(
        "PUT",
        _ORG_LIMIT,
        args=LIMIT,
        setup=_org_quota,
        body={"threshold_percent": 90},
        anonymous=403,
        superuser=200,
        default=403,
    ),
    *route("DELETE", _ORG_LIMIT, args=LIMIT, setup=_org_quota, anonymous=403, superuser=204, default=403),
    # The caller's own namespace: only the reader has a quota here; noscope lacks user:admin.
    *route("GET", _USER, setup=_reader_quota, anonymous=401, noscope=403, default=200),
    *route(
        "GET", _USER_ONE, args=ONE, setup=_reader_quota, anonymous=401, reader=200, noscope=403, default=404
    ),
    *route(
        "GET",
        _USER_ONE + "/limit",
        args=ONE,
        setup=_reader_quota,
        anonymous=401,
        reader=200,
        noscope=403,
        default=404,
    ),
    *route(
        "GET",
        _USER_ONE + "/limit/{limit_id}",
        args=LIMIT,
        setup=_reader_quota,
        anonymous=401,
        reader=200,
        noscope=403,
        default=404,
    ),
    *_su_rows(_SU_ORG, ORG),
    *_su_rows(_SU_USER, "{reader}"),
]
