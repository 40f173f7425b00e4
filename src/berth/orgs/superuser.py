"""Superusers managing organizations: list them and rename them (robots follow the new name)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, AccountKind
from berth.accounts.service import get_account
from berth.auditlog.service import Actor, log_action
from berth.errors import InvalidRequest
from berth.lib.avatar import avatar
from berth.lib.names import is_valid_username
from berth.robots.models import Robot

_NAME_RULE = "Namespace must match expression ^([a-z0-9]+(?:[._-][a-z0-9]+)*)$"


def list_organizations(session: Session, *, after_id: int, limit: int | None) -> list[Account]:
    """Every organization, by id."""
    query = (
        select(Account)
        .where(Account.kind == AccountKind.ORGANIZATION, Account.id > after_id)
        .order_by(Account.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def rename_organization(
    session: Session, org: Account, new_name: str, *, actor: Actor, now: datetime
) -> None:
    """Rename ``org`` and its robots (``old+bot`` becomes ``new+bot``); repositories follow by id."""
    old_name = org.username
    if new_name == old_name:
        return
    if not is_valid_username(new_name):
        raise InvalidRequest(f"Invalid namespace {new_name}: {_NAME_RULE}")
    if get_account(session, new_name) is not None:
        raise InvalidRequest("A user or organization with this name already exists")
    robots = list(
        session.scalars(
            select(Account).join(Robot, Robot.account_id == Account.id).where(Robot.namespace_id == org.id)
        )
    )
    renamed = {robot.id: f"{new_name}+{robot.username.partition('+')[2]}" for robot in robots}
    if any(len(name) > 255 for name in renamed.values()):
        raise InvalidRequest(f"Invalid namespace {new_name}: a robot's name would exceed 255 characters")
    taken = session.scalar(select(Account.id).where(Account.username.in_(list(renamed.values()))))
    if taken is not None:
        raise InvalidRequest("A user or organization with this name already exists")
    for robot in robots:
        robot.username = renamed[robot.id]
    org.username = new_name
    session.flush()
    log_action(
        session,
        "org_change_name",
        actor=actor,
        now=now,
        namespace_id=org.id,
        metadata={"old_name": old_name, "new_name": new_name},
    )


def superuser_org_view(org: Account) -> dict[str, Any]:
    """An organization as the superuser panel lists it."""
    return {
        "name": org.username,
        "email": org.email,
        "avatar": avatar(org.username, org.email, "org"),
        "quotas": [],
        "quota_report": {
            "quota_bytes": 0,
            "configured_quota": None,
            "running_backfill": "waiting",
            "backfill_status": "waiting",
        },
    }
