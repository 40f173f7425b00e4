"""``/v2/auth`` credentials of robots: ``namespace+shortname`` with one of the robot's live tokens."""

from __future__ import annotations

from sqlalchemy.orm import Session

from berth.auth.credentials import principal_for_account
from berth.auth.principal import AuthMethod, Principal
from berth.auth.registry_access import CheckContext
from berth.robots.service import verify_robot_token


def check_robot_credentials(
    session: Session, username: str, secret: str, ctx: CheckContext
) -> Principal | None:
    """The robot's principal (its repository and team roles apply, unclamped), else None."""
    account = verify_robot_token(session, username, secret, now=ctx.now)
    if account is None:
        return None
    return principal_for_account(
        account, method=AuthMethod.ROBOT, scopes=frozenset(), super_users=ctx.super_users
    )
