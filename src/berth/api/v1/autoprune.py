"""Auto-prune policies of organizations, of the caller's own namespace and of repositories
(Quay's ``autoprune`` section, behind ``FEATURE_AUTO_PRUNE``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from berth.accounts.models import Account
from berth.accounts.service import get_account
from berth.auth.policy import Need
from berth.autoprune import service
from berth.autoprune.schemas import policy_view
from berth.errors import NotFound, Unauthenticated
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.orgs.service import get_organization
from berth.repos.service import RepoHandle, get_repository, handle_of, split_repository_path

_FEATURE = "AUTO_PRUNE"


class AutoPrunePolicyConfig(BaseModel):
    """The policy configuration that is to be applied to the namespace or repository"""

    method: str = Field(description="The method to use for pruning tags (number_of_tags, creation_date)")
    value: int | str = Field(
        description=(
            "The value to use for the pruning method (number of tags e.g. 10, time delta e.g. 7d (7 days))"
        )
    )
    tagPattern: str | None = Field(  # noqa: N815 - Quay's field name
        default=None, description="Tags only matching this pattern will be pruned"
    )
    tagPatternMatches: bool | None = Field(  # noqa: N815 - Quay's field name
        default=None, description="Determine whether pruned tags should or should not match the tagPattern"
    )


def _config(ctx: RequestContext) -> service.PolicyConfig:
    body = ctx.body_as(AutoPrunePolicyConfig)
    return service.policy_config(body.method, body.value, body.tagPattern, body.tagPatternMatches)


def _org(ctx: RequestContext) -> Account:
    org = get_organization(ctx.session, str(ctx.path["orgname"]))
    if org is None:
        raise NotFound("Not Found")
    return org


def _me(ctx: RequestContext) -> Account:
    account = get_account(ctx.session, ctx.principal.username or "")
    if account is None:
        raise Unauthenticated("Requires authentication")
    return account


def _repo(ctx: RequestContext) -> tuple[Account, RepoHandle]:
    ref = split_repository_path(str(ctx.path["repository"]))
    repo = get_repository(ctx.session, ref.namespace, ref.name) if ref else None
    namespace = get_account(ctx.session, ref.namespace) if ref else None
    if repo is None or ref is None or namespace is None:
        raise NotFound("Not Found")
    return namespace, handle_of(repo, ref.namespace)


def _listing(ctx: RequestContext, namespace: Account, repo: RepoHandle | None) -> dict[str, Any]:
    repository_id = repo.id if repo is not None else None
    policies = service.list_policies(ctx.session, namespace.id, repository_id)
    return {"policies": [policy_view(p) for p in policies]}


def _one(ctx: RequestContext, namespace: Account, repo: RepoHandle | None) -> dict[str, Any]:
    repository_id = repo.id if repo is not None else None
    uuid = str(ctx.path["policy_uuid"])
    return policy_view(service.require_policy(ctx.session, namespace.id, repository_id, uuid))


def _create(ctx: RequestContext, namespace: Account, repo: RepoHandle | None) -> Reply:
    config = _config(ctx)
    policy = service.create_policy(ctx.session, namespace, repo, config, actor=ctx.actor, now=ctx.now)
    return Reply({"uuid": policy.uuid}, 201)


def _update(ctx: RequestContext, namespace: Account, repo: RepoHandle | None) -> Reply:
    uuid = str(ctx.path["policy_uuid"])
    # Quay looks the policy up before it checks the body: a missing policy is a 404 first.
    service.require_policy(ctx.session, namespace.id, repo.id if repo is not None else None, uuid)
    config = _config(ctx)
    service.update_policy(ctx.session, namespace, repo, uuid, config, actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def _delete(ctx: RequestContext, namespace: Account, repo: RepoHandle | None) -> dict[str, Any]:
    uuid = str(ctx.path["policy_uuid"])
    service.delete_policy(ctx.session, namespace, repo, uuid, actor=ctx.actor, now=ctx.now)
    return {"uuid": uuid}


def list_org_policies(ctx: RequestContext) -> dict[str, Any]:
    """The organization's policies (an unknown organization has none, as in Quay)."""
    org = get_organization(ctx.session, str(ctx.path["orgname"]))
    return _listing(ctx, org, None) if org is not None else {"policies": []}


def create_org_policy(ctx: RequestContext) -> Reply:
    """Add a policy to the organization."""
    return _create(ctx, _org(ctx), None)


def get_org_policy(ctx: RequestContext) -> dict[str, Any]:
    """One policy of the organization."""
    return _one(ctx, _org(ctx), None)


def update_org_policy(ctx: RequestContext) -> Reply:
    """Replace one policy of the organization."""
    return _update(ctx, _org(ctx), None)


def delete_org_policy(ctx: RequestContext) -> dict[str, Any]:
    """Remove one policy of the organization."""
    return _delete(ctx, _org(ctx), None)


def list_user_policies(ctx: RequestContext) -> dict[str, Any]:
    """The caller's namespace policies."""
    return _listing(ctx, _me(ctx), None)


def create_user_policy(ctx: RequestContext) -> Reply:
    """Add a policy to the caller's namespace."""
    return _create(ctx, _me(ctx), None)


def get_user_policy(ctx: RequestContext) -> dict[str, Any]:
    """One policy of the caller's namespace."""
    return _one(ctx, _me(ctx), None)


def update_user_policy(ctx: RequestContext) -> Reply:
    """Replace one policy of the caller's namespace."""
    return _update(ctx, _me(ctx), None)


def delete_user_policy(ctx: RequestContext) -> dict[str, Any]:
    """Remove one policy of the caller's namespace."""
    return _delete(ctx, _me(ctx), None)


def list_repo_policies(ctx: RequestContext) -> dict[str, Any]:
    """The repository's policies."""
    return _listing(ctx, *_repo(ctx))


def create_repo_policy(ctx: RequestContext) -> Reply:
    """Add a policy to the repository."""
    return _create(ctx, *_repo(ctx))


def get_repo_policy(ctx: RequestContext) -> dict[str, Any]:
    """One policy of the repository."""
    return _one(ctx, *_repo(ctx))


def update_repo_policy(ctx: RequestContext) -> Reply:
    """Replace one policy of the repository."""
    return _update(ctx, *_repo(ctx))


def delete_repo_policy(ctx: RequestContext) -> dict[str, Any]:
    """Remove one policy of the repository."""
    return _delete(ctx, *_repo(ctx))


_SECTIONS: tuple[tuple[str, Need, str, str, tuple[Any, ...], tuple[str, ...]], ...] = (
    (
        "/api/v1/organization/{orgname}/autoprunepolicy/",
        Need.ORG_ADMIN,
        "org:admin",
        "organization",
        (list_org_policies, create_org_policy, get_org_policy, update_org_policy, delete_org_policy),
        (
            "listOrganizationAutoPrunePolicies",
            "createOrganizationAutoPrunePolicy",
            "getOrganizationAutoPrunePolicy",
            "updateOrganizationAutoPrunePolicy",
            "deleteOrganizationAutoPrunePolicy",
        ),
    ),
    (
        "/api/v1/user/autoprunepolicy/",
        Need.USER_ADMIN,
        "user:admin",
        "current user",
        (list_user_policies, create_user_policy, get_user_policy, update_user_policy, delete_user_policy),
        (
            "listUserAutoPrunePolicies",
            "createUserAutoPrunePolicy",
            "getUserAutoPrunePolicy",
            "updateUserAutoPrunePolicy",
            "deleteUserAutoPrunePolicy",
        ),
    ),
    (
        "/api/v1/repository/{repository}/autoprunepolicy/",
        Need.REPO_ADMIN,
        "repo:admin",
        "repository",
        (list_repo_policies, create_repo_policy, get_repo_policy, update_repo_policy, delete_repo_policy),
        (
            "listRepositoryAutoPrunePolicies",
            "createRepositoryAutoPrunePolicy",
            "getRepositoryAutoPrunePolicy",
            "updateRepositoryAutoPrunePolicy",
            "deleteRepositoryAutoPrunePolicy",
        ),
    ),
)


def _rows() -> tuple[Endpoint, ...]:
    """Five rows (list, create, get, update, delete) for each of the three owners of policies."""
    rows: list[Endpoint] = []
    for base, need, scope, owner, handlers, nicknames in _SECTIONS:
        one = f"{base}{{policy_uuid}}"
        common: dict[str, Any] = {"tag": "autoprune", "feature": _FEATURE, "scope": scope}
        shapes: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
            ("GET", base, "Lists the auto-prune policies", {}),
            ("POST", base, "Creates an auto-prune policy", {"body": AutoPrunePolicyConfig, "status": 201}),
            ("GET", one, "Fetches the auto-prune policy", {}),
            ("PUT", one, "Updates the auto-prune policy", {"body": AutoPrunePolicyConfig, "status": 204}),
            ("DELETE", one, "Deletes the auto-prune policy", {}),
        )
        for (method, path, text, extra), handler, nickname in zip(shapes, handlers, nicknames, strict=True):
            rows.append(
                Endpoint(
                    method,
                    path,
                    handler,
                    need,
                    nickname=nickname,
                    description=f"{text} for the {owner}",
                    **common,
                    **extra,
                )
            )
    return tuple(rows)


ENDPOINTS = _rows()
