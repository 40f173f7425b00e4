"""Quay's JSON shapes for robot accounts.

Quay keeps robot tokens encrypted and shows them in every admin view. Berth stores only hashes, so
a token appears only in the answer that issued it (create, regenerate); the other views keep the
``token`` key, with an empty string, wherever Quay would send it, so clients reading it never break.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from berth.lib.avatar import avatar
from berth.lib.dates import format_quay_date
from berth.repos.models import RoleName
from berth.robots.service import RobotRecord

HIDDEN_TOKEN = ""


@dataclass
class RobotLinks:
    """The teams a robot is in and the repositories it holds a permission on."""

    teams: list[str] = field(default_factory=list)
    repositories: list[str] = field(default_factory=list)


def _base(record: RobotRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "created": format_quay_date(record.robot.created),
        "last_accessed": format_quay_date(record.robot.last_accessed),
    }


def robot_view(record: RobotRecord, *, token: str | None, just_created: bool = False) -> dict[str, Any]:
    """One robot (create and get): the token only when just issued, metadata ``{}`` when unset."""
    metadata = record.robot.unstructured_metadata
    return {
        **_base(record),
        "description": record.robot.description,
        "token": token if token is not None else HIDDEN_TOKEN,
        "unstructured_metadata": metadata if just_created else (metadata or {}),
    }


def regenerated_view(record: RobotRecord, token: str) -> dict[str, Any]:
    """The answer of ``POST .../regenerate``."""
    return {**_base(record), "description": record.robot.description, "token": token}


def robot_list_entry(record: RobotRecord, *, links: RobotLinks | None, include_token: bool) -> dict[str, Any]:
    """A robot in a list; ``teams``/``repositories`` with ``?permissions=true`` (admins only)."""
    view = _base(record)
    if links is not None:
        view["teams"] = [{"name": team, "avatar": avatar(team, None, "team")} for team in links.teams]
        view["repositories"] = list(links.repositories)
    view["description"] = record.robot.description
    if include_token:
        view["token"] = HIDDEN_TOKEN
    return view


def robot_permission_view(repository: str, is_public: bool, role: RoleName) -> dict[str, Any]:
    """One entry of ``GET .../robots/{shortname}/permissions``."""
    return {"repository": {"name": repository, "is_public": is_public}, "role": role.value}
