"""Repository permissions of users, robots and teams, and a team's repositories (Quay's
``permission`` API section)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from berth.api.v1.repository import repo_at
from berth.auth.policy import Need
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.orgs import service as orgs
from berth.repos import permissions as perms
from berth.repos.models import RoleName, Visibility
from berth.repos.schemas import team_permission_view, user_permission_view

_TAG = "permission"
_USER = "/api/v1/repository/{repository}/permissions/user"
_TEAM = "/api/v1/repository/{repository}/permissions/team"


class UserPermission(BaseModel):
    """Description of a user permission."""

    role: Literal["read", "write", "admin"] = Field(description="Role to use for the user")


class TeamPermission(BaseModel):
    """Description of a team permission."""

    role: Literal["read", "write", "admin"] = Field(description="Role to use for the team")


def _target(ctx: RequestContext) -> perms.RepoTarget:
    repo, namespace = repo_at(ctx)
    return perms.RepoTarget(repo, namespace)


def list_user_permissions(ctx: RequestContext) -> dict[str, Any]:
    """Every explicit user and robot permission on the repository."""
    target = _target(ctx)
    rows = perms.user_permissions(ctx.session, target.repo)
    members = perms.org_member_ids(ctx.session, target.namespace, [account.id for account, _ in rows])
    return {
        "permissions": {
            account.username: user_permission_view(
                account, role, is_org_member=_is_member(account, target, members)
            )
            for account, role in rows
        }
    }


def _is_member(account: Any, target: perms.RepoTarget, members: set[int]) -> bool:
    if account.username.startswith(f"{target.namespace.username}+"):
        return True
    return bool(account.id in members)


def get_user_permission(ctx: RequestContext) -> dict[str, Any]:
    """One user's explicit role (400 ``{"message"}`` when it has none)."""
    target = _target(ctx)
    account, role = perms.user_permission(ctx.session, target.repo, str(ctx.path["username"]))
    members = perms.org_member_ids(ctx.session, target.namespace, [account.id])
    return user_permission_view(account, role, is_org_member=_is_member(account, target, members))


def get_transitive_permission(ctx: RequestContext) -> dict[str, Any]:
    """Every role the user holds on the repository, directly or through teams."""
    target = _target(ctx)
    roles = perms.transitive_roles(ctx.session, target.repo, str(ctx.path["username"]))
    return {"permissions": [{"role": role.value} for role in roles]}


def change_user_permission(ctx: RequestContext) -> dict[str, Any]:
    """Give a user or robot a role on the repository."""
    target = _target(ctx)
    role = RoleName(ctx.body_as(UserPermission).role)
    account = perms.set_user_permission(
        ctx.session, target, str(ctx.path["username"]), role, actor=ctx.actor, now=ctx.now
    )
    members = perms.org_member_ids(ctx.session, target.namespace, [account.id])
    return user_permission_view(account, role, is_org_member=_is_member(account, target, members))


def delete_user_permission(ctx: RequestContext) -> Reply:
    """Remove a user's explicit permission."""
    target = _target(ctx)
    perms.delete_user_permission(ctx.session, target, str(ctx.path["username"]), actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def list_team_permissions(ctx: RequestContext) -> dict[str, Any]:
    """Every team permission on the repository."""
    target = _target(ctx)
    rows = perms.team_permissions(ctx.session, target.repo)
    return {"permissions": {team.name: team_permission_view(team, role) for team, role in rows}}


def get_team_permission(ctx: RequestContext) -> dict[str, Any]:
    """One team's role (400 ``{"message"}`` when it has none)."""
    target = _target(ctx)
    return {"role": perms.team_permission(ctx.session, target.repo, str(ctx.path["teamname"])).value}


def change_team_permission(ctx: RequestContext) -> dict[str, Any]:
    """Give a team of the owning organization a role on the repository."""
    target = _target(ctx)
    role = RoleName(ctx.body_as(TeamPermission).role)
    team = perms.set_team_permission(
        ctx.session, target, str(ctx.path["teamname"]), role, actor=ctx.actor, now=ctx.now
    )
    return team_permission_view(team, role)


def delete_team_permission(ctx: RequestContext) -> Reply:
    """Remove a team's permission."""
    target = _target(ctx)
    perms.delete_team_permission(ctx.session, target, str(ctx.path["teamname"]), actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def get_team_repositories(ctx: RequestContext) -> dict[str, Any]:
    """The repositories a team holds a role on."""
    org = orgs.require_organization(ctx.session, str(ctx.path["orgname"]))
    team = orgs.require_team(ctx.session, org, str(ctx.path["teamname"]))
    rows = perms.team_repository_roles(ctx.session, team)
    return {
        "permissions": [
            {
                "repository": {"name": repo.name, "is_public": repo.visibility == Visibility.PUBLIC},
                "role": role.value,
            }
            for repo, role in rows
        ]
    }


def _admin(method: str, path: str, handler: Any, nickname: str, description: str, **extra: Any) -> Endpoint:
    return Endpoint(
        method, path, handler, Need.REPO_ADMIN, nickname, description, _TAG, scope="repo:admin", **extra
    )


ENDPOINTS: tuple[Endpoint, ...] = (
    _admin(
        "GET", f"{_USER}/", list_user_permissions, "listRepoUserPermissions", "List all user permissions."
    ),
    _admin(
        "GET",
        f"{_USER}/{{username}}",
        get_user_permission,
        "getUserPermissions",
        "Get the permission for the specified user.",
    ),
    _admin(
        "GET",
        f"{_USER}/{{username}}/transitive",
        get_transitive_permission,
        "getUserTransitivePermission",
        "Get the fetch the permission for the specified user.",
    ),
    _admin(
        "PUT",
        f"{_USER}/{{username}}",
        change_user_permission,
        "changeUserPermissions",
        "Update the perimssions for an existing repository.",
        body=UserPermission,
    ),
    _admin(
        "DELETE",
        f"{_USER}/{{username}}",
        delete_user_permission,
        "deleteUserPermissions",
        "Delete the permission for the user.",
        status=204,
    ),
    _admin("GET", f"{_TEAM}/", list_team_permissions, "listRepoTeamPermissions", "List all team permission."),
    _admin(
        "GET",
        f"{_TEAM}/{{teamname}}",
        get_team_permission,
        "getTeamPermissions",
        "Fetch the permission for the specified team.",
    ),
    _admin(
        "PUT",
        f"{_TEAM}/{{teamname}}",
        change_team_permission,
        "changeTeamPermissions",
        "Update the existing team permission.",
        body=TeamPermission,
    ),
    _admin(
        "DELETE",
        f"{_TEAM}/{{teamname}}",
        delete_team_permission,
        "deleteTeamPermissions",
        "Delete the permission for the specified team.",
        status=204,
    ),
    Endpoint(
        "GET",
        "/api/v1/organization/{orgname}/team/{teamname}/permissions",
        get_team_repositories,
        Need.ORG_ADMIN,
        "getOrganizationTeamPermissions",
        "Returns the list of repository permissions for the org's team.",
        "team",
        scope="org:admin",
    ),
)
