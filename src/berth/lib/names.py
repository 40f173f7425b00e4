"""Name rules for namespaces, repositories, tags and robots, as Quay enforces them."""

from __future__ import annotations

import re

USERNAME_RE = re.compile(r"^[a-z0-9_][a-z0-9_.-]{1,254}$")
_USERNAME_BAD_SEQUENCES = ("..", "__", "--")
REPOSITORY_NAME_RE = re.compile(r"^[a-z0-9][.a-z0-9_-]{0,254}(?:/[a-z0-9][.a-z0-9_-]{0,254})*$")
TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")
ROBOT_SHORTNAME_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RESERVED_USERNAMES = frozenset({"admin-internal", "_internal", "api", "v1", "v2", "static", "oauth"})


def is_valid_username(name: str) -> bool:
    """Usernames and organization names: 2-255 chars of ``[a-z0-9_.-]``, no doubled separators."""
    if not USERNAME_RE.match(name):
        return False
    return not any(seq in name for seq in _USERNAME_BAD_SEQUENCES)


def is_valid_repository_name(name: str) -> bool:
    """Repository names (``/`` allowed for extended names)."""
    return len(name) <= 255 and bool(REPOSITORY_NAME_RE.match(name))


def is_valid_tag(name: str) -> bool:
    """Tag names: ``[\\w][\\w.-]{0,127}``."""
    return bool(TAG_RE.match(name))


def is_valid_robot_shortname(name: str) -> bool:
    """Robot short names: 2-255 chars of lowercase words joined by ``.``, ``_`` or ``-``."""
    return 2 <= len(name) <= 255 and bool(ROBOT_SHORTNAME_RE.match(name))


def is_valid_email(address: str) -> bool:
    """A light check that an e-mail address has a local part and a dotted domain."""
    return len(address) <= 255 and bool(EMAIL_RE.match(address))


def parse_robot_username(username: str) -> tuple[str, str] | None:
    """Split ``namespace+shortname``; None when the name is not a robot's."""
    if "+" not in username:
        return None
    namespace, _, shortname = username.partition("+")
    if not namespace or not shortname:
        return None
    return namespace, shortname
