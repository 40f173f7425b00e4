"""Matrix rows for superuser service-key management (``/superuser/keys``, ``/superuser/approvedkeys``)."""

from __future__ import annotations

from datetime import datetime

from berth.runtime import Runtime
from berth.servicekeys.models import ServiceKey
from berth.servicekeys.service import SUPERUSER_APPROVAL
from tests.permissions.dsl import Row, route
from tests.permissions.world import World

KID = "matrixkid"


def seed_service_key(
    runtime: Runtime,
    *,
    kid: str = KID,
    service: str = "matrix",
    approved: bool = True,
    expiration: datetime | None = None,
) -> None:
    """A key row as a service would register it (a fixed JWK; approved by nobody, or not yet)."""
    now = runtime.clock()
    with runtime.db.transaction() as session:
        session.add(
            ServiceKey(
                kid=kid,
                service=service,
                name="seeded",
                jwk={"e": "AQAB", "kty": "RSA", "n": "sXch", "kid": kid},
                metadata_json={},
                created=now,
                expiration=expiration,
                approval_type=SUPERUSER_APPROVAL if approved else None,
                approved_date=now if approved else None,
                approval_notes="" if approved else None,
            )
        )


def _seed(world: World) -> None:
    seed_service_key(world.runtime)


def _seed_unapproved(world: World) -> None:
    seed_service_key(world.runtime, approved=False)


_KEY = "/api/v1/superuser/keys/{kid}"
_ARGS = {"kid": KID}

ROWS: list[Row] = [
    *route("GET", "/api/v1/superuser/keys", anonymous=401, superuser=200, default=403),
    *route(
        "POST",
        "/api/v1/superuser/keys",
        body={"service": "matrix", "expiration": None},
        anonymous=403,
        superuser=200,
        default=403,
    ),
    *route("GET", _KEY, args=_ARGS, setup=_seed, anonymous=401, superuser=200, default=403),
    *route("GET", _KEY, args=_ARGS, note="(missing)", anonymous=401, superuser=404, default=403),
    *route(
        "PUT",
        _KEY,
        args=_ARGS,
        setup=_seed,
        body={"name": "renamed"},
        anonymous=403,
        superuser=200,
        default=403,
    ),
    *route("DELETE", _KEY, args=_ARGS, setup=_seed, anonymous=403, superuser=204, default=403),
    *route(
        "POST",
        "/api/v1/superuser/approvedkeys/{kid}",
        args=_ARGS,
        setup=_seed_unapproved,
        body={"notes": "ok"},
        anonymous=403,
        superuser=201,
        default=403,
    ),
]
