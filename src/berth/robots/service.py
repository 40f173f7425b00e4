"""Creating, finding, deleting robot accounts and checking their tokens.

A robot is an ``account`` row of kind ``robot`` named ``namespace+shortname`` plus a ``robot`` row
(description, metadata, dates). Its tokens are 64 characters ``[A-Z0-9]``, as Quay's: the first 32
are a lookup key, only the SHA-256 of the other 32 is stored, so a token is shown once, when it is
issued (on create and regenerate). Regenerating may keep the old tokens working for an overlap
window; :func:`issue_temporary_token` issues short-lived tokens (keyless federation builds on it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from berth.accounts.models import Account, AccountKind
from berth.auditlog.service import Actor, log_action
from berth.errors import DataModelError, InvalidRequest
from berth.lib.names import ROBOT_SHORTNAME_RE, parse_robot_username
from berth.lib.secrets import random_code, secret_matches, sha256_hex
from berth.robots.models import Robot, RobotToken

TOKEN_LENGTH = 64
LOOKUP_LENGTH = 32
MAX_OVERLAP_S = 7 * 86400
MAX_DESCRIPTION_LENGTH = 255
MAX_METADATA_BYTES = 16 * 1024
LAST_ACCESSED_RESOLUTION = timedelta(minutes=1)
ROBOT_NOT_FOUND = "Could not find robot with specified username"
_TOKEN_RE = re.compile(r"^[A-Z0-9]{64}$")
_NAME_RULE = "Namespace must match expression ^([a-z0-9]+(?:[._-][a-z0-9]+)*)$"
_LENGTH_RULE = "Namespace must be between 2 and 255 characters in length"


@dataclass(frozen=True)
class RobotRecord:
    """A robot: its account row and its metadata row."""

    account: Account
    robot: Robot

    @property
    def name(self) -> str:
        """The full name ``namespace+shortname``."""
        return self.account.username

    @property
    def shortname(self) -> str:
        """The part after ``+``."""
        return self.account.username.partition("+")[2]


@dataclass(frozen=True)
class IssuedRobot:
    """A robot and the token just issued for it (the only time the token exists in clear)."""

    record: RobotRecord
    token: str


def robot_username(namespace: str, shortname: str) -> str:
    """``namespace+shortname``."""
    return f"{namespace}+{shortname}"


def find_robot(session: Session, namespace: str, shortname: str) -> RobotRecord | None:
    """The robot ``namespace+shortname``, if it exists."""
    row = session.execute(
        select(Account, Robot)
        .join(Robot, Robot.account_id == Account.id)
        .where(Account.username == robot_username(namespace, shortname), Account.kind == AccountKind.ROBOT)
    ).first()
    return RobotRecord(row[0], row[1]) if row is not None else None


def require_robot(session: Session, namespace: str, shortname: str) -> RobotRecord:
    """The robot, or Quay's 400 ``{"message": "Could not find robot with specified username"}``."""
    record = find_robot(session, namespace, shortname)
    if record is None:
        raise DataModelError(ROBOT_NOT_FOUND)
    return record


def list_robots(session: Session, namespace: Account, *, limit: int | None = None) -> list[RobotRecord]:
    """The namespace's robots in creation order."""
    query = (
        select(Account, Robot)
        .join(Robot, Robot.account_id == Account.id)
        .where(Robot.namespace_id == namespace.id)
        .order_by(Robot.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [RobotRecord(account, robot) for account, robot in session.execute(query).all()]


def _validate(namespace: Account, shortname: str, description: str | None, metadata: Any) -> str:
    if not 2 <= len(shortname) <= 255 or len(robot_username(namespace.username, shortname)) > 255:
        raise InvalidRequest(f"The name for the robot '{shortname}' is invalid: {_LENGTH_RULE}")
    if not ROBOT_SHORTNAME_RE.match(shortname):
        raise InvalidRequest(f"The name for the robot '{shortname}' is invalid: {_NAME_RULE}")
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidRequest(f"The description may be at most {MAX_DESCRIPTION_LENGTH} characters")
    if metadata is not None and len(json.dumps(metadata)) > MAX_METADATA_BYTES:
        raise InvalidRequest(f"unstructured_metadata may be at most {MAX_METADATA_BYTES} bytes of JSON")
    return robot_username(namespace.username, shortname)


def _new_token(session: Session, robot_account_id: int, *, now: datetime, expires_at: datetime | None) -> str:
    token = random_code(TOKEN_LENGTH)
    session.add(
        RobotToken(
            robot_account_id=robot_account_id,
            lookup=token[:LOOKUP_LENGTH],
            secret_hash=sha256_hex(token[LOOKUP_LENGTH:]),
            created=now,
            expires_at=expires_at,
        )
    )
    session.flush()
    return token


def create_robot(
    session: Session,
    namespace: Account,
    shortname: str,
    *,
    description: str | None,
    unstructured_metadata: dict[str, Any] | None,
    actor: Actor,
    now: datetime,
) -> IssuedRobot:
    """Create ``namespace+shortname`` with a first token; every rule is checked before any write."""
    name = _validate(namespace, shortname, description, unstructured_metadata)
    if session.scalar(select(Account.id).where(Account.username == name)) is not None:
        raise InvalidRequest(f"Existing robot with name: {name}")
    try:
        with session.begin_nested():
            account = Account(username=name, kind=AccountKind.ROBOT, verified=True, enabled=True, created=now)
            session.add(account)
            session.flush()
    except IntegrityError:  # created concurrently
        raise InvalidRequest(f"Existing robot with name: {name}") from None
    robot = Robot(
        account_id=account.id,
        namespace_id=namespace.id,
        description=description or "",
        unstructured_metadata=unstructured_metadata,
        created=now,
        last_accessed=None,
    )
    session.add(robot)
    session.flush()
    token = _new_token(session, account.id, now=now, expires_at=None)
    log_action(
        session,
        "create_robot",
        actor=actor,
        now=now,
        namespace_id=namespace.id,
        metadata={
            "robot": shortname,
            "description": description or "",
            "unstructured_metadata": unstructured_metadata or {},
        },
    )
    return IssuedRobot(RobotRecord(account, robot), token)


def delete_robot(session: Session, record: RobotRecord, *, actor: Actor, now: datetime) -> None:
    """Delete the robot; its tokens, team memberships and permissions go with its account row."""
    log_action(
        session,
        "delete_robot",
        actor=actor,
        now=now,
        namespace_id=record.robot.namespace_id,
        metadata={"robot": record.shortname},
    )
    session.execute(delete(Account).where(Account.id == record.account.id))
    session.flush()


def delete_namespace_robots(session: Session, namespace_id: int) -> None:
    """Delete every robot of a namespace (the namespace is going away)."""
    owned = select(Robot.account_id).where(Robot.namespace_id == namespace_id)
    session.execute(delete(Account).where(Account.id.in_(owned), Account.kind == AccountKind.ROBOT))


def _purge_expired(session: Session, robot_account_id: int, now: datetime) -> None:
    session.execute(
        delete(RobotToken).where(
            RobotToken.robot_account_id == robot_account_id,
            RobotToken.expires_at.is_not(None),
            RobotToken.expires_at <= now,
        )
    )


def parse_overlap(value: str | None) -> int:
    """The ``overlap`` query value: whole seconds, 0 to seven days (absent means 0)."""
    if value is None or value == "":
        return 0
    if not value.isdigit() or int(value) > MAX_OVERLAP_S:
        raise InvalidRequest(f"overlap must be a whole number of seconds between 0 and {MAX_OVERLAP_S}")
    return int(value)


def regenerate_token(
    session: Session, record: RobotRecord, *, overlap_s: int, actor: Actor, now: datetime
) -> str:
    """Issue a new token. The old ones stop working at once, or after ``overlap_s`` seconds."""
    robot_id = record.account.id
    if session.get_bind().dialect.name == "postgresql":  # concurrent regenerations queue here
        session.execute(select(Robot.id).where(Robot.id == record.robot.id).with_for_update())
    _purge_expired(session, robot_id, now)
    if overlap_s <= 0:
        session.execute(delete(RobotToken).where(RobotToken.robot_account_id == robot_id))
    else:
        deadline = now + timedelta(seconds=overlap_s)
        for old in session.scalars(select(RobotToken).where(RobotToken.robot_account_id == robot_id)):
            if old.expires_at is None or old.expires_at > deadline:
                old.expires_at = deadline
    token = _new_token(session, robot_id, now=now, expires_at=None)
    metadata: dict[str, Any] = {"robot": record.shortname}
    if overlap_s > 0:
        metadata["overlap_s"] = overlap_s
    log_action(
        session,
        "regenerate_robot_token",
        actor=actor,
        now=now,
        namespace_id=record.robot.namespace_id,
        metadata=metadata,
    )
    return token


def issue_temporary_token(session: Session, record: RobotRecord, *, now: datetime, lifetime_s: int) -> str:
    """A token for the robot that works for ``lifetime_s`` seconds, beside its regular token."""
    if lifetime_s <= 0:
        raise ValueError("lifetime_s must be positive")
    _purge_expired(session, record.account.id, now)
    return _new_token(session, record.account.id, now=now, expires_at=now + timedelta(seconds=lifetime_s))


def verify_robot_token(session: Session, username: str, token: str, *, now: datetime) -> Account | None:
    """The robot account when ``token`` is one of its live tokens (and it and its owner are enabled)."""
    if parse_robot_username(username) is None or not _TOKEN_RE.match(token):
        return None
    row = session.execute(
        select(RobotToken, Account, Robot)
        .join(Account, Account.id == RobotToken.robot_account_id)
        .join(Robot, Robot.account_id == Account.id)
        .where(RobotToken.lookup == token[:LOOKUP_LENGTH])
    ).first()
    if row is None:
        return None
    stored, account, robot = row[0], row[1], row[2]
    if not secret_matches(token[LOOKUP_LENGTH:], stored.secret_hash):
        return None
    if account.username != username or account.kind != AccountKind.ROBOT or not account.enabled:
        return None
    if stored.expires_at is not None and stored.expires_at <= now:
        return None
    owner = session.get(Account, robot.namespace_id)
    if owner is None or not owner.enabled:
        return None
    if robot.last_accessed is None or now - robot.last_accessed >= LAST_ACCESSED_RESOLUTION:
        robot.last_accessed = now
        session.flush()
    return account
