"""Quay's OAuth scopes: names, titles, descriptions and how a scope string is parsed."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ScopeInfo:
    """One grantable OAuth scope as Quay describes it."""

    name: str
    title: str
    description: str
    dangerous: bool = False


REPO_READ = "repo:read"
REPO_WRITE = "repo:write"
REPO_ADMIN = "repo:admin"
REPO_CREATE = "repo:create"
USER_READ = "user:read"
USER_ADMIN = "user:admin"
ORG_ADMIN = "org:admin"
SUPER_USER = "super:user"
DIRECT_USER_LOGIN = "direct_user_login"

SCOPES: dict[str, ScopeInfo] = {
    s.name: s
    for s in (
        ScopeInfo(
            REPO_READ,
            "View all visible repositories",
            "This application will be able to view and pull all repositories visible to the granting user",
        ),
        ScopeInfo(
            REPO_WRITE,
            "Read/Write to any accessible repositories",
            "This application will be able to view, push and pull to all repositories to which the "
            "granting user has write access",
        ),
        ScopeInfo(
            REPO_ADMIN,
            "Administer Repositories",
            "This application will have administrator access to all repositories to which the granting "
            "user has access",
        ),
        ScopeInfo(
            REPO_CREATE,
            "Create Repositories",
            "This application will be able to create repositories in all namespaces that the granting "
            "user is allowed to create repositories",
        ),
        ScopeInfo(
            USER_READ,
            "Read User Information",
            "This application will be able to read user information such as username and email address.",
        ),
        ScopeInfo(
            USER_ADMIN,
            "Administer User",
            "This application will be able to administer your account including creating robots and "
            "granting them permissions to your repositories. You should have absolute trust in the "
            "requesting application before granting this permission.",
            dangerous=True,
        ),
        ScopeInfo(
            ORG_ADMIN,
            "Administer Organization",
            "This application will be able to administer your organizations including creating robots, "
            "creating teams, adjusting team membership, and changing billing settings. You should have "
            "absolute trust in the requesting application before granting this permission.",
            dangerous=True,
        ),
        ScopeInfo(
            SUPER_USER,
            "Super User Access",
            "This application will be able to administer your installation including managing users, "
            "managing organizations and other features found in the superuser panel. You should have "
            "absolute trust in the requesting application before granting this permission.",
            dangerous=True,
        ),
    )
}

ALL_SCOPES: frozenset[str] = frozenset(SCOPES)

_IMPLIED = {REPO_ADMIN: {REPO_WRITE, REPO_READ}, REPO_WRITE: {REPO_READ}}


def parse_scope_string(text: str) -> frozenset[str] | None:
    """Split on spaces or commas; None when any scope is unknown (the whole string is invalid)."""
    names = [part for part in re.split(r"[\s,]+", text.strip()) if part]
    if not names or any(name not in SCOPES for name in names):
        return None
    return frozenset(names)


def expand(scopes: frozenset[str]) -> frozenset[str]:
    """Add the implied scopes: repo:admin > repo:write > repo:read."""
    out = set(scopes)
    for scope in scopes:
        out |= _IMPLIED.get(scope, set())
    return frozenset(out)


def scope_string(scopes: frozenset[str]) -> str:
    """A canonical space-separated scope string."""
    order = list(SCOPES)
    return " ".join(sorted(scopes, key=lambda s: order.index(s) if s in order else len(order)))
