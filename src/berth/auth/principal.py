"""The authenticated caller of a request and the role caps its OAuth scopes impose."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from berth.lib import scopes as sc


class AuthMethod(enum.StrEnum):
    """How the caller proved who they are."""

    NONE = "none"
    OAUTH = "oauth"
    SESSION = "session"
    APP_TOKEN = "app_token"  # noqa: S105 - a method name, not a secret
    PASSWORD = "password"  # noqa: S105 - a method name, not a secret
    ROBOT = "robot"
    REGISTRY_JWT = "registry_jwt"


class Role(enum.IntEnum):
    """Ordered roles; a cap is the highest role a credential may exercise."""

    NONE = 0
    READ = 1
    WRITE = 2
    CREATOR = 2  # team role: may create repositories (org-wide)
    ADMIN = 3


@dataclass(frozen=True)
class Principal:
    """A caller: anonymous, a user or a robot, with the scopes its credential carries."""

    account_id: int | None = None
    username: str | None = None
    is_robot: bool = False
    method: AuthMethod = AuthMethod.NONE
    scopes: frozenset[str] = field(default_factory=frozenset)
    configured_superuser: bool = False
    oauth_token_id: int | None = None
    login_time: datetime | None = None

    @property
    def is_anonymous(self) -> bool:
        """True when no credential was presented (or none checked out)."""
        return self.account_id is None

    @property
    def full_access(self) -> bool:
        """Sessions and app tokens carry Quay's internal ``direct_user_login`` scope."""
        return sc.DIRECT_USER_LOGIN in self.scopes

    def has_scope(self, scope: str) -> bool:
        """Whether the credential grants ``scope`` (implied scopes included)."""
        return self.full_access or scope in sc.expand(self.scopes)

    def repo_role_cap(self) -> Role:
        """The highest repository role this credential may use (``repo:*`` scopes)."""
        if self.full_access or self.method in (AuthMethod.ROBOT, AuthMethod.PASSWORD):
            return Role.ADMIN
        for scope, role in (
            (sc.REPO_ADMIN, Role.ADMIN),
            (sc.REPO_WRITE, Role.WRITE),
            (sc.REPO_READ, Role.READ),
        ):
            if scope in self.scopes:
                return role
        return Role.NONE

    def org_role_cap(self) -> Role:
        """The highest organization/team role: ``org:admin`` -> admin, ``repo:create`` -> creator."""
        if self.full_access or self.method in (AuthMethod.ROBOT, AuthMethod.PASSWORD):
            return Role.ADMIN
        if sc.ORG_ADMIN in self.scopes:
            return Role.ADMIN
        if sc.REPO_CREATE in self.scopes:
            return Role.CREATOR
        return Role.NONE

    def user_role_cap(self) -> Role:
        """The role over one's own account: ``user:admin`` -> admin, ``user:read`` -> read."""
        if self.full_access or self.method == AuthMethod.PASSWORD:
            return Role.ADMIN
        if sc.USER_ADMIN in self.scopes:
            return Role.ADMIN
        if sc.USER_READ in self.scopes:
            return Role.READ
        return Role.NONE

    @property
    def is_superuser(self) -> bool:
        """Superuser power: named in ``SUPER_USERS`` and holding ``super:user`` (or a session)."""
        return self.configured_superuser and not self.is_robot and self.has_scope(sc.SUPER_USER)


ANONYMOUS = Principal()
