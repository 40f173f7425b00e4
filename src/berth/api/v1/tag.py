"""Tags of a repository with their history: list, create/move, expire, delete, restore, permanently
delete (Quay's ``tag`` API section)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from berth.auth.policy import Need
from berth.content import tags as svc
from berth.content.schemas import tag_view
from berth.errors import InvalidRequest, NotFound, ServiceUnavailable
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint, QueryParam
from berth.http.responses import Reply
from berth.lib.names import is_valid_tag
from berth.repos.models import RepoState
from berth.repos.service import RepoHandle, get_repository, handle_of, split_repository_path

TAG_ERROR = (
    'Invalid tag: must match [A-Za-z0-9_.-], NOT start with "." or "-", and can contain 1-128 characters'
)


def repo_of(ctx: RequestContext, *, writing: bool = False) -> RepoHandle:
    """The repository named by ``{repository}`` (404 when missing; writes need a normal state)."""
    ref = split_repository_path(str(ctx.path["repository"]))
    repo = get_repository(ctx.session, ref.namespace, ref.name) if ref else None
    if repo is None or ref is None:
        raise NotFound("Not Found")
    if writing and repo.state != RepoState.NORMAL:
        raise ServiceUnavailable(f"Repository is in read only or mirror mode: {repo.state}")
    return handle_of(repo, ref.namespace)


def list_repo_tags(ctx: RequestContext) -> dict[str, Any]:
    """The full tag history, alive and dead, newest first (``onlyActiveTags`` for live tags)."""
    repo = repo_of(ctx)
    page = max(1, ctx.query_int("page", 1))
    rows, more = svc.tag_history(
        ctx.session,
        repo.id,
        now=ctx.now,
        page=page,
        limit=ctx.query_int("limit", 50),
        specific_tag=ctx.query.get("specificTag") or None,
        name_filter=ctx.query.get("filter_tag_name") or None,
        active_only=ctx.query_bool("onlyActiveTags"),
    )
    immutable = ctx.runtime.settings.feature("IMMUTABLE_TAGS")
    return {
        "tags": [tag_view(tag, manifest, immutable_flag=immutable) for tag, manifest in rows],
        "page": page,
        "has_additional": more,
    }


class ChangeTag(BaseModel):
    """Makes changes to a specific tag"""

    manifest_digest: str | None = Field(
        default=None, description="(If specified) The manifest digest to which the tag should point"
    )
    expiration: float | None = Field(default=None, description="(If specified) The expiration for the image")
    immutable: bool | None = Field(default=None, description="(If specified) Whether the tag is immutable")


def _expiration(value: float | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidRequest("Invalid expiration") from None


def change_tag(ctx: RequestContext) -> Reply:
    """Create or move a tag (``manifest_digest``) and/or set or clear its ``expiration``."""
    body = ctx.body_as(ChangeTag)
    name = str(ctx.path["tag"])
    if not is_valid_tag(name):
        raise InvalidRequest(TAG_ERROR)
    repo = repo_of(ctx, writing=True)
    if "expiration" in body.model_fields_set:
        svc.change_expiration(
            ctx.session, repo, name, _expiration(body.expiration), actor=ctx.actor, now=ctx.now
        )
    if "manifest_digest" in body.model_fields_set:
        svc.retarget_tag(ctx.session, repo, name, body.manifest_digest or "", actor=ctx.actor, now=ctx.now)
    return Reply("Updated", 201)


def delete_full_tag(ctx: RequestContext) -> Reply:
    """End the tag; it stays restorable for the namespace's time-machine window."""
    repo = repo_of(ctx, writing=True)
    if not svc.delete_tag(ctx.session, repo, str(ctx.path["tag"]), actor=ctx.actor, now=ctx.now):
        raise NotFound("Not Found")
    return Reply(None, 204)


class RestoreTag(BaseModel):
    """Restores a tag to a specific image"""

    manifest_digest: str | None = Field(
        default=None, description="If specified, the manifest digest that should be used"
    )


def restore_tag(ctx: RequestContext) -> dict[str, Any]:
    """Point the tag back at a manifest it (or another tag) had, within the time machine."""
    body = ctx.body_as(RestoreTag)
    repo = repo_of(ctx, writing=True)
    if body.manifest_digest is None:
        raise InvalidRequest("Missing manifest_digest")
    svc.restore_tag(
        ctx.session, repo, str(ctx.path["tag"]), body.manifest_digest, actor=ctx.actor, now=ctx.now
    )
    return {}


class ExpireTag(BaseModel):
    """Removes tag from the time machine window"""

    manifest_digest: str | None = Field(
        default=None,
        description="Required if is_alive set to false. If specified, the manifest digest that should be "
        "used. Ignored when setting alive to true.",
    )
    include_submanifests: bool = Field(
        default=False, description="If set to true, expire the sub-manifests as well"
    )
    is_alive: bool = Field(
        default=False,
        description="If true, set the expiry of the matching alive tag outside the time machine window. If "
        "false set the expiry of any expired tags with the same tag and manifest outside the time machine "
        "window.",
    )


def remove_tag_from_timemachine(ctx: RequestContext) -> Reply:
    """Delete the tag's history rows for good (no restore); the collector reclaims the rest."""
    body = ctx.body_as(ExpireTag)
    repo = repo_of(ctx)
    if not body.is_alive and body.manifest_digest is None:
        raise InvalidRequest("manifest_digest required when is_alive set to false")
    svc.remove_from_time_machine(
        ctx.session,
        repo,
        str(ctx.path["tag"]),
        digest=body.manifest_digest,
        is_alive=body.is_alive,
        actor=ctx.actor,
        now=ctx.now,
    )
    return Reply("", 200)


_TAG = "/api/v1/repository/{repository}/tag/{tag}"
ENDPOINTS = (
    Endpoint(
        "GET",
        "/api/v1/repository/{repository}/tag/",
        list_repo_tags,
        Need.REPO_READ,
        nickname="listRepoTags",
        description="Resource for listing full repository tag history, alive *and dead*.",
        tag="tag",
        scope="repo:read",
        query=(
            QueryParam("specificTag", "Filters the tags to the specific tag."),
            QueryParam(
                "filter_tag_name",
                "Syntax: <op>:<name> Filters the tag names based on the operation."
                "<op> can be 'like' or 'eq'.",
            ),
            QueryParam(
                "limit", "Limit to the number of results to return per page. Max 100.", type="integer"
            ),
            QueryParam("page", "Page index for the results. Default 1.", type="integer"),
            QueryParam("onlyActiveTags", "Filter to only active tags.", type="boolean"),
        ),
    ),
    Endpoint(
        "PUT",
        _TAG,
        change_tag,
        Need.REPO_WRITE,
        nickname="changeTag",
        description="Change which image a tag points to or create a new tag.",
        tag="tag",
        body=ChangeTag,
        status=201,
        scope="repo:write",
    ),
    Endpoint(
        "DELETE",
        _TAG,
        delete_full_tag,
        Need.REPO_WRITE,
        nickname="deleteFullTag",
        description="Delete the specified repository tag.",
        tag="tag",
        status=204,
        scope="repo:write",
    ),
    Endpoint(
        "POST",
        _TAG + "/restore",
        restore_tag,
        Need.REPO_WRITE,
        nickname="restoreTag",
        description="Restores a repository tag back to a previous image in the repository.",
        tag="tag",
        body=RestoreTag,
        body_optional=True,
        scope="repo:write",
    ),
    Endpoint(
        "POST",
        _TAG + "/expire",
        remove_tag_from_timemachine,
        Need.REPO_WRITE,
        nickname="removeTagFromTimemachine",
        description="Updates any expired tags with the matching name and manifest with an expiry outside "
        "the time machine window",
        tag="tag",
        body=ExpireTag,
        body_optional=True,
        feature="PERMANENTLY_DELETE_TAGS",
        scope="repo:write",
    ),
)
