"""Stars: list, star and unstar repositories (Quay's ``/user/starred`` operations)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from berth.auth.access import has_repo_role
from berth.auth.policy import Need, deny
from berth.errors import NotFound
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint, QueryParam
from berth.http.responses import Reply
from berth.repos import listing, paging
from berth.repos.service import get_repository, split_repository_path

_TAG = "user"


class NewStarredRepository(BaseModel):
    """A repository to star."""

    namespace: str = Field(description="Namespace in which the repository belongs")
    repository: str = Field(description="Repository name")


def _caller_id(ctx: RequestContext) -> int:
    account_id = ctx.principal.account_id
    if account_id is None:
        raise deny(ctx.principal)
    return account_id


def list_starred(ctx: RequestContext) -> dict[str, Any]:
    """The caller's starred repositories it can still read, one page at a time."""
    cursor = paging.decode_page_token(ctx.session, "starred", ctx.query.get("next_page"))
    page = listing.list_repositories(
        ctx.session,
        _caller_id(ctx),
        namespace=None,
        starred=True,
        public=False,
        after=paging.after_id(cursor),
    )
    result: dict[str, Any] = {
        "repositories": [
            {
                "namespace": row.namespace,
                "name": row.name,
                "description": row.description,
                "is_public": row.is_public,
            }
            for row in page.rows
        ]
    }
    if page.next_after is not None:
        result["next_page"] = paging.encode_page_token(ctx.session, "starred", {"after": page.next_after})
    return result


def create_star(ctx: RequestContext) -> Reply:
    """Star a repository the caller may read (401/403 otherwise, before existence is revealed)."""
    body = ctx.body_as(NewStarredRepository)
    account_id = _caller_id(ctx)
    path = f"{body.namespace}/{body.repository}"
    if not has_repo_role(ctx.session, ctx.principal, path, Need.REPO_READ, ctx.runtime.policy_options):
        raise deny(ctx.principal)
    repo = get_repository(ctx.session, body.namespace, body.repository)
    if repo is None:
        raise NotFound("Not Found")
    listing.star_repository(ctx.session, account_id, repo, ctx.now)
    return Reply({"namespace": body.namespace, "repository": body.repository}, 201)


def delete_star(ctx: RequestContext) -> Reply:
    """Remove the caller's star (a repository it never starred is fine)."""
    ref = split_repository_path(str(ctx.path["repository"]))
    if ref is not None:
        listing.unstar_repository(ctx.session, _caller_id(ctx), ref.namespace, ref.name)
    return Reply(None, 204)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET",
        "/api/v1/user/starred",
        list_starred,
        Need.USER_ADMIN,
        "listStarredRepos",
        "List all starred repositories.",
        _TAG,
        scope="user:admin",
        query=(QueryParam("next_page", "The page token for the next page"),),
    ),
    Endpoint(
        "POST",
        "/api/v1/user/starred",
        create_star,
        Need.USER_ADMIN,
        "createStar",
        "Star a repository.",
        _TAG,
        body=NewStarredRepository,
        status=201,
        scope="repo:read",
    ),
    Endpoint(
        "DELETE",
        "/api/v1/user/starred/{repository}",
        delete_star,
        Need.USER_ADMIN,
        "deleteStar",
        "Removes a star from a repository.",
        _TAG,
        status=204,
        scope="user:admin",
    ),
)
