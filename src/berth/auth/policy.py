"""What each kind of endpoint requires of its caller, checked before anything is looked up.

Failing a check raises :class:`~berth.errors.Unauthenticated` (401 ``invalid_token``) for an
anonymous caller and :class:`~berth.errors.Forbidden` (403 ``insufficient_scope``) otherwise, as
Quay's ``Unauthorized()`` does.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from berth.auth.principal import Principal, Role
from berth.errors import Forbidden, Unauthenticated


class Need(enum.StrEnum):
    """The permission a route requires (Quay's ``auth`` label of the operation)."""

    ANYONE = "anonymous-ok"
    ANONYMOUS_IF_ENABLED = "anonymous-if-enabled"
    USER_READ = "user-read"
    USER_ADMIN = "user-admin"
    SUPERUSER = "superuser"
    ORG_ADMIN = "org-admin"
    ORG_MEMBER = "org-member"
    TEAM_MEMBER_OR_ORG_ADMIN = "team-member-or-org-admin"
    REPO_READ = "repo-read"
    REPO_WRITE = "repo-write"
    REPO_ADMIN = "repo-admin"
    # Checked by the handler against the body's namespace (before any lookup); the pipeline only
    # applies FEATURE_ANONYMOUS_ACCESS.
    NAMESPACE_CREATE_REPO = "namespace-create-repo"


REPO_NEEDS = frozenset({Need.REPO_READ, Need.REPO_WRITE, Need.REPO_ADMIN})
DB_NEEDS = (
    frozenset({Need.ORG_ADMIN, Need.ORG_MEMBER, Need.TEAM_MEMBER_OR_ORG_ADMIN, Need.NAMESPACE_CREATE_REPO})
    | REPO_NEEDS
)


class AnonymousAccessDisabled(Unauthenticated):
    """``FEATURE_ANONYMOUS_ACCESS`` is off and the caller is anonymous."""


@dataclass(frozen=True)
class PolicyOptions:
    """Installation settings the policy depends on."""

    anonymous_access: bool = True
    superusers_full_access: bool = False


def deny(principal: Principal) -> Exception:
    """Quay's ``Unauthorized()``: 401 for anonymous callers, 403 for known ones."""
    if principal.is_anonymous:
        return Unauthenticated("Requires authentication")
    return Forbidden("Unauthorized")


def require(principal: Principal, need: Need, options: PolicyOptions) -> None:
    """Raise unless ``principal`` satisfies ``need``."""
    if need in DB_NEEDS:
        raise TypeError(f"{need} needs the database: use berth.auth.access.check_access")
    if need is Need.ANYONE:
        return
    if need is Need.ANONYMOUS_IF_ENABLED:
        if principal.is_anonymous and not options.anonymous_access:
            raise AnonymousAccessDisabled("Anonymous access is not allowed")
        return
    if principal.is_anonymous or principal.is_robot:
        raise deny(principal)
    if need is Need.USER_READ and principal.user_role_cap() >= Role.READ:
        return
    if need is Need.USER_ADMIN and principal.user_role_cap() >= Role.ADMIN:
        return
    if need is Need.SUPERUSER and principal.is_superuser:
        return
    raise deny(principal)
