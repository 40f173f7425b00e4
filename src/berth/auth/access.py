"""Permission checks that need the database (organization and team roles), run before any lookup
answers the caller: a caller without the role gets 401/403 whether or not the target exists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from berth.accounts.models import Account
from berth.auth.policy import DB_NEEDS, REPO_NEEDS, Need, PolicyOptions, deny, require
from berth.auth.principal import Principal, Role
from berth.orgs.models import TeamMember, TeamRole
from berth.orgs.service import get_organization, get_team, org_team_role
from berth.repos.models import Visibility
from berth.repos.service import (
    RepoRole,
    can_create_in_namespace,
    effective_repo_role,
    get_repository,
    split_repository_path,
)

_REPO_ROLE_OF_NEED = {
    Need.REPO_READ: RepoRole.READ,
    Need.REPO_WRITE: RepoRole.WRITE,
    Need.REPO_ADMIN: RepoRole.ADMIN,
}


def _superuser_bypass(principal: Principal, options: PolicyOptions) -> bool:
    return principal.is_superuser and options.superusers_full_access


def is_org_admin(session: Session, principal: Principal, org_name: str, options: PolicyOptions) -> bool:
    """Admin of the organization through a team with role admin, within the token's scopes."""
    if principal.account_id is None or principal.is_robot:
        return False
    if _superuser_bypass(principal, options):
        return True
    org = get_organization(session, org_name)
    if org is None:
        return False
    role = org_team_role(session, principal.account_id, org.id)
    return role is TeamRole.ADMIN and principal.org_role_cap() >= Role.ADMIN


def is_org_member(session: Session, principal: Principal, org_name: str, options: PolicyOptions) -> bool:
    """Member of any team of the organization (robots included), within the token's scopes."""
    if principal.account_id is None:
        return False
    if _superuser_bypass(principal, options):
        return True
    org = get_organization(session, org_name)
    if org is None:
        return False
    return org_team_role(session, principal.account_id, org.id) is not None and (
        principal.org_role_cap() >= Role.READ or principal.repo_role_cap() >= Role.READ
    )


def _is_team_member(session: Session, principal: Principal, org_name: str, team_name: str) -> bool:
    org = get_organization(session, org_name)
    if org is None or principal.account_id is None:
        return False
    team = get_team(session, org, team_name)
    if team is None:
        return False
    found = session.scalar(
        select(TeamMember.id).where(
            TeamMember.team_id == team.id, TeamMember.account_id == principal.account_id
        )
    )
    return found is not None


def _namespace_owner_role(session: Session, principal: Principal, namespace: str) -> RepoRole:
    """The role over a repository that does not exist (yet): admin for the namespace's owner or an
    admin of the organization, so the handler can answer 404; nothing for anyone else."""
    if principal.account_id is None:
        return RepoRole.NONE
    account = session.scalar(select(Account).where(Account.username == namespace))
    if account is None:
        return RepoRole.NONE
    if account.id == principal.account_id:
        return RepoRole.ADMIN
    if org_team_role(session, principal.account_id, account.id) is TeamRole.ADMIN:
        return RepoRole.ADMIN
    return RepoRole.NONE


def repo_role(session: Session, principal: Principal, repository: str) -> RepoRole:
    """The role ``principal`` may exercise on ``namespace/name``: ownership, permission rows, teams
    and public visibility, clamped by the credential's ``repo:*`` scopes (public read never is)."""
    ref = split_repository_path(repository)
    if ref is None:
        return RepoRole.NONE
    repo = get_repository(session, ref.namespace, ref.name)
    if repo is None:
        role = _namespace_owner_role(session, principal, ref.namespace)
    else:
        role = effective_repo_role(session, principal.account_id, repo)
    if principal.account_id is not None:
        role = min(role, RepoRole(int(principal.repo_role_cap())))
    if repo is not None and repo.visibility == Visibility.PUBLIC:
        role = max(role, RepoRole.READ)
    return role


def has_repo_role(
    session: Session, principal: Principal, repository: str, need: Need, options: PolicyOptions
) -> bool:
    """Whether ``principal`` holds the role ``need`` names on ``repository`` (superusers with
    ``FEATURE_SUPERUSERS_FULL_ACCESS`` hold every role)."""
    if _superuser_bypass(principal, options):
        return True
    if principal.is_anonymous and not options.anonymous_access:
        return False
    return repo_role(session, principal, repository) >= _REPO_ROLE_OF_NEED[need]


def can_create_repo(session: Session, principal: Principal, namespace: str, options: PolicyOptions) -> bool:
    """Quay's ``CreateRepositoryPermission``: one's own namespace, or an organization where one is
    an admin or in a ``creator`` team; the credential needs ``repo:create`` or ``org:admin``."""
    if principal.account_id is None or principal.is_robot:
        return False
    if _superuser_bypass(principal, options):
        return True
    account = session.scalar(select(Account).where(Account.username == namespace))
    if account is None or principal.org_role_cap() < Role.CREATOR:
        return False
    return can_create_in_namespace(session, principal.account_id, account)


def require_create_repo(
    session: Session, principal: Principal, namespace: str, options: PolicyOptions
) -> None:
    """Raise 401/403 unless ``principal`` may create repositories in ``namespace``."""
    if not can_create_repo(session, principal, namespace, options):
        raise deny(principal)


def check_access(
    session: Session, principal: Principal, need: Need, path: Mapping[str, Any], options: PolicyOptions
) -> None:
    """Raise 401/403 unless ``principal`` satisfies ``need`` for the target named in ``path``."""
    if need not in DB_NEEDS:
        require(principal, need, options)
        return
    if need is Need.NAMESPACE_CREATE_REPO:
        # The namespace is in the body: the handler calls require_create_repo before any lookup.
        require(principal, Need.ANONYMOUS_IF_ENABLED, options)
        return
    if need in REPO_NEEDS:
        if has_repo_role(session, principal, str(path.get("repository", "")), need, options):
            return
        raise deny(principal)
    org_name = str(path.get("orgname", ""))
    if need is Need.ORG_ADMIN and is_org_admin(session, principal, org_name, options):
        return
    if need is Need.ORG_MEMBER and is_org_member(session, principal, org_name, options):
        return
    if need is Need.TEAM_MEMBER_OR_ORG_ADMIN and (
        is_org_admin(session, principal, org_name, options)
        or _is_team_member(session, principal, org_name, str(path.get("teamname", "")))
    ):
        return
    raise deny(principal)
