"""Repositories: create, list, read, describe, change visibility or state, delete (Quay's
``repository`` API section)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from berth.accounts.models import Account
from berth.auth.access import has_repo_role, require_create_repo
from berth.auth.policy import Need
from berth.errors import InvalidRequest, NotFound
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint, QueryParam
from berth.http.responses import Reply
from berth.repos import listing, manage, paging
from berth.repos.models import Repository, RepoState, Visibility
from berth.repos.schemas import repo_list_view, repo_view, stats_view
from berth.repos.service import split_repository_path

_TAG = "repository"


class NewRepo(BaseModel):
    """Description of a new repository."""

    repository: str = Field(description="Repository name")
    visibility: Literal["public", "private"] = Field(
        description="Visibility which the repository will start with"
    )
    description: str = Field(description="Markdown encoded description for the repository")
    namespace: str | None = Field(
        default=None, description="Namespace in which the repository should be created"
    )
    repo_kind: Literal["image"] | None = Field(default=None, description="The kind of repository")


class RepoUpdate(BaseModel):
    """Fields which can be updated in a repository."""

    description: str = Field(description="Markdown encoded description for the repository")


class ChangeVisibility(BaseModel):
    """Change the visibility for the repository."""

    visibility: Literal["public", "private"] = Field(
        description="Visibility which the repository will start with"
    )


class ChangeState(BaseModel):
    """Change the state of the repository."""

    state: Literal["NORMAL", "READ_ONLY", "MIRROR"] = Field(
        description="Determines whether pushes are allowed."
    )


def repo_at(ctx: RequestContext) -> tuple[Repository, Account]:
    """The repository named by the path and its namespace account (404 when missing)."""
    ref = split_repository_path(str(ctx.path["repository"]))
    if ref is None:
        raise NotFound("Not Found")
    repo = manage.require_repository(ctx.session, ref.namespace, ref.name)
    namespace = ctx.session.get(Account, repo.namespace_id)
    assert namespace is not None
    return repo, namespace


def create_repo(ctx: RequestContext) -> Reply:
    """Create a repository in the caller's namespace or in one it may create in."""
    body = ctx.body_as(NewRepo)
    namespace_name = body.namespace or ctx.principal.username
    if not namespace_name:
        raise InvalidRequest("Must provide a namespace or must be logged in.")
    require_create_repo(ctx.session, ctx.principal, namespace_name, ctx.runtime.policy_options)
    namespace = manage.namespace_account(ctx.session, namespace_name)
    if namespace is None:
        raise NotFound("Not Found")
    manage.create_repository_checked(
        ctx.session,
        namespace=namespace,
        name=body.repository,
        visibility=Visibility(body.visibility),
        description=body.description,
        actor=ctx.actor,
        now=ctx.now,
    )
    return Reply({"namespace": namespace_name, "name": body.repository, "kind": "image"}, 201)


def list_repos(ctx: RequestContext) -> dict[str, Any]:
    """Repositories of a namespace, starred by the caller, or public, one page at a time."""
    namespace = ctx.query.get("namespace") or None
    starred = ctx.query_bool("starred")
    public = ctx.query_bool("public")
    if not namespace and not starred and not public:
        raise InvalidRequest("namespace, starred or public are required for this API call")
    if starred and ctx.principal.is_anonymous:
        raise InvalidRequest("You must be signed in to list starred repositories")
    repo_kind = ctx.query.get("repo_kind", "image")
    if repo_kind not in ("image", "application"):
        raise InvalidRequest("Invalid repository kind")
    if repo_kind == "application":  # Berth holds image repositories only
        return {"repositories": []}
    cursor = paging.decode_page_token(ctx.session, "repos", ctx.query.get("next_page"))
    page = listing.list_repositories(
        ctx.session,
        ctx.principal.account_id,
        namespace=namespace,
        starred=starred,
        public=public,
        after=paging.after_id(cursor),
    )
    ids = [row.id for row in page.rows]
    stars = listing.starred_ids(ctx.session, ctx.principal.account_id, ids)
    with_modified = ctx.query_bool("last_modified")
    modified = listing.last_modified(ctx.session, ids) if with_modified else {}
    quotas = ctx.runtime.settings.feature("QUOTA_MANAGEMENT")
    sizes = listing.repository_sizes(ctx.session, ids) if quotas else {}
    result: dict[str, Any] = {
        "repositories": [
            repo_list_view(
                row,
                starred=row.id in stars,
                last_modified=modified.get(row.id),
                include_last_modified=with_modified,
                include_popularity=ctx.query_bool("popularity"),
                quota_bytes=sizes.get(row.id, 0) if quotas else None,
            )
            for row in page.rows
        ]
    }
    if page.next_after is not None:
        result["next_page"] = paging.encode_page_token(ctx.session, "repos", {"after": page.next_after})
    return result


def get_repo(ctx: RequestContext) -> dict[str, Any]:
    """The repository, its live tags (``includeTags``, on by default) and stats (``includeStats``)."""
    repo, namespace = repo_at(ctx)
    options = ctx.runtime.policy_options
    path = str(ctx.path["repository"])
    account_id = ctx.principal.account_id
    view = repo_view(
        repo,
        namespace,
        starred=repo.id in listing.starred_ids(ctx.session, account_id, [repo.id]),
        status_token=manage.status_token(ctx.session, repo),
        can_write=has_repo_role(ctx.session, ctx.principal, path, Need.REPO_WRITE, options),
        can_admin=has_repo_role(ctx.session, ctx.principal, path, Need.REPO_ADMIN, options),
        tags=listing.live_tags(ctx.session, repo.id, ctx.now)
        if ctx.query_bool("includeTags", True)
        else None,
    )
    if ctx.query_bool("includeStats"):
        view["stats"] = stats_view(ctx.now)
    return view


def update_repo(ctx: RequestContext) -> dict[str, Any]:
    """Replace the description."""
    repo, namespace = repo_at(ctx)
    description = ctx.body_as(RepoUpdate).description
    manage.set_description(ctx.session, repo, namespace.username, description, actor=ctx.actor, now=ctx.now)
    return {"success": True}


def change_visibility(ctx: RequestContext) -> dict[str, Any]:
    """Make the repository public or private."""
    repo, namespace = repo_at(ctx)
    visibility = Visibility(ctx.body_as(ChangeVisibility).visibility)
    manage.set_visibility(ctx.session, repo, namespace.username, visibility, actor=ctx.actor, now=ctx.now)
    return {"success": True}


def change_state(ctx: RequestContext) -> dict[str, Any]:
    """Set the repository's state (``NORMAL``, ``READ_ONLY``, ``MIRROR``)."""
    repo, namespace = repo_at(ctx)
    state = RepoState[ctx.body_as(ChangeState).state]
    if repo.state != state:
        manage.set_state(ctx.session, repo, namespace.username, state, actor=ctx.actor, now=ctx.now)
    return {"success": True}


def delete_repo(ctx: RequestContext) -> Reply:
    """Mark the repository deleted: gone from the API and ``/v2`` at once, reclaimed by GC later."""
    repo, namespace = repo_at(ctx)
    manage.mark_deleted(ctx.session, repo, namespace.username, actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


_LIST_QUERY = (
    QueryParam("namespace", "Filters the repositories returned to this namespace"),
    QueryParam("starred", "Filters the repositories returned to those starred by the user", "boolean"),
    QueryParam("public", "Adds any repositories visible to the user by virtue of being public", "boolean"),
    QueryParam("last_modified", "Whether to include when the repository was last modified.", "boolean"),
    QueryParam("popularity", "Whether to include the repository's popularity metric.", "boolean"),
    QueryParam("repo_kind", "The kind of repositories to return"),
    QueryParam("next_page", "The page token for the next page"),
)
_REPO = "/api/v1/repository/{repository}"

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "POST",
        "/api/v1/repository",
        create_repo,
        Need.NAMESPACE_CREATE_REPO,
        "createRepo",
        "Create a new repository.",
        _TAG,
        body=NewRepo,
        status=201,
        scope="repo:create",
    ),
    Endpoint(
        "GET",
        "/api/v1/repository",
        list_repos,
        Need.ANONYMOUS_IF_ENABLED,
        "listRepos",
        "Fetch the list of repositories visible to the current user under a variety of situations.",
        _TAG,
        scope="repo:read",
        query=_LIST_QUERY,
    ),
    Endpoint(
        "GET",
        _REPO,
        get_repo,
        Need.REPO_READ,
        "getRepo",
        "Fetch the specified repository.",
        _TAG,
        scope="repo:read",
        query=(
            QueryParam("includeStats", "Whether to include action statistics", "boolean"),
            QueryParam("includeTags", "Whether to include repository tags", "boolean"),
        ),
    ),
    Endpoint(
        "PUT",
        _REPO,
        update_repo,
        Need.REPO_WRITE,
        "updateRepo",
        "Update the description in the specified repository.",
        _TAG,
        body=RepoUpdate,
        scope="repo:write",
    ),
    Endpoint(
        "DELETE",
        _REPO,
        delete_repo,
        Need.REPO_ADMIN,
        "deleteRepository",
        "Delete a repository.",
        _TAG,
        status=204,
        scope="repo:admin",
    ),
    Endpoint(
        "POST",
        f"{_REPO}/changevisibility",
        change_visibility,
        Need.REPO_ADMIN,
        "changeRepoVisibility",
        "Change the visibility of a repository.",
        _TAG,
        body=ChangeVisibility,
        scope="repo:admin",
    ),
    Endpoint(
        "PUT",
        f"{_REPO}/changestate",
        change_state,
        Need.REPO_ADMIN,
        "changeRepoState",
        "Change the state of a repository.",
        _TAG,
        body=ChangeState,
        feature="REPO_MIRROR",
        scope="repo:admin",
    ),
)
