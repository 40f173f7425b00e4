"""Manifests of a repository: details, labels and security (Quay's ``manifest`` and ``secscan`` API
sections)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from berth.api.v1.tag import repo_of
from berth.auth.policy import Need
from berth.content import labels as svc
from berth.content.models import Manifest
from berth.content.schemas import label_view, manifest_view
from berth.content.security import scanner_for, security_view
from berth.content.tags import manifest_by_digest
from berth.errors import InvalidRequest, NotFound
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint, QueryParam
from berth.http.responses import Reply
from berth.lib.digests import parse_digest

_MEDIA_TYPE_SCHEMA = (
    "{'description': 'The media type for this label',\n"
    "     'enum': ['text/plain', 'application/json', None],\n"
    "     'type': ['string', 'null']}"
)


def _manifest(ctx: RequestContext) -> Manifest:
    repo = repo_of(ctx)
    digest = parse_digest(str(ctx.path["manifestref"]))
    manifest = manifest_by_digest(ctx.session, repo.id, str(digest)) if digest is not None else None
    if manifest is None:
        raise NotFound("Not Found")
    return manifest


def get_repo_manifest(ctx: RequestContext) -> dict[str, Any]:
    """The manifest's bytes, kind and layers."""
    return manifest_view(ctx.session, ctx.runtime.storage, _manifest(ctx))


def list_manifest_labels(ctx: RequestContext) -> dict[str, Any]:
    """The manifest's labels (``filter``: a key prefix)."""
    labels = svc.list_labels(ctx.session, _manifest(ctx), ctx.query.get("filter") or None)
    return {"labels": [label_view(label) for label in labels]}


class AddLabel(BaseModel):
    """Adds a label to a manifest"""

    key: str = Field(description="The key for the label")
    value: str = Field(description="The value for the label")
    media_type: str | None = Field(description="The media type for this label")


def _check_media_type(value: str | None) -> None:
    if value is None or value in svc.MEDIA_TYPES:
        return
    message = (
        f"{value!r} is not one of ['text/plain', 'application/json', None]\n\n"
        "Failed validating 'enum' in schema['properties']['media_type']:\n    "
        f"{_MEDIA_TYPE_SCHEMA}\n\nOn instance['media_type']:\n    {value!r}"
    )
    raise InvalidRequest(message)


def add_manifest_label(ctx: RequestContext) -> Reply:
    """Add a label (201 with a ``Location`` naming it)."""
    body = ctx.body_as(AddLabel)
    _check_media_type(body.media_type)
    repo = repo_of(ctx, writing=True)
    manifest = _manifest(ctx)
    label = svc.add_label(
        ctx.session,
        repo,
        manifest,
        key=body.key,
        value=body.value,
        media_type=body.media_type,
        actor=ctx.actor,
        now=ctx.now,
    )
    location = f"/api/v1/repository/{repo.full_name}/manifest/{manifest.digest}/labels/{label.uuid}"
    return Reply({"label": label_view(label)}, 201, headers={"Location": location})


def get_manifest_label(ctx: RequestContext) -> dict[str, Any]:
    """One label."""
    return label_view(svc.get_label(ctx.session, _manifest(ctx), str(ctx.path["labelid"])))


def delete_manifest_label(ctx: RequestContext) -> Reply:
    """Delete one label."""
    repo = repo_of(ctx, writing=True)
    manifest = _manifest(ctx)
    svc.delete_label(ctx.session, repo, manifest, str(ctx.path["labelid"]), actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


def get_repo_manifest_security(ctx: RequestContext) -> dict[str, Any]:
    """The scan status of the manifest (``unsupported`` while no scanner is configured)."""
    repo = repo_of(ctx)
    manifest = _manifest(ctx)
    result = scanner_for(ctx.runtime.settings).lookup(
        repo.full_name, manifest.digest, vulnerabilities=ctx.query_bool("vulnerabilities")
    )
    return security_view(result)


_MANIFEST = "/api/v1/repository/{repository}/manifest/{manifestref}"
_LABEL = _MANIFEST + "/labels/{labelid}"
ENDPOINTS = (
    Endpoint(
        "GET",
        _MANIFEST,
        get_repo_manifest,
        Need.REPO_READ,
        nickname="getRepoManifest",
        description="Resource for retrieving a specific repository manifest.",
        tag="manifest",
        scope="repo:read",
        query=(QueryParam("include_modelcard", "If specified, include modelcard markdown from image"),),
    ),
    Endpoint(
        "GET",
        _MANIFEST + "/labels",
        list_manifest_labels,
        Need.REPO_READ,
        nickname="listManifestLabels",
        description="Resource for listing the labels on a specific repository manifest.",
        tag="manifest",
        scope="repo:read",
        query=(QueryParam("filter", "If specified, only labels matching the given prefix will be returned"),),
    ),
    Endpoint(
        "POST",
        _MANIFEST + "/labels",
        add_manifest_label,
        Need.REPO_WRITE,
        nickname="addManifestLabel",
        description="Adds a new label into the tag manifest.",
        tag="manifest",
        body=AddLabel,
        status=201,
        scope="repo:write",
    ),
    Endpoint(
        "GET",
        _LABEL,
        get_manifest_label,
        Need.REPO_READ,
        nickname="getManifestLabel",
        description="Retrieves the label with the specific ID under the manifest.",
        tag="manifest",
        scope="repo:read",
    ),
    Endpoint(
        "DELETE",
        _LABEL,
        delete_manifest_label,
        Need.REPO_WRITE,
        nickname="deleteManifestLabel",
        description="Deletes an existing label from a manifest.",
        tag="manifest",
        status=204,
        scope="repo:write",
    ),
    Endpoint(
        "GET",
        _MANIFEST + "/security",
        get_repo_manifest_security,
        Need.REPO_READ,
        nickname="getRepoManifestSecurity",
        description="Fetches the features and vulnerabilities (if any) for a repository manifest.",
        tag="secscan",
        feature="SECURITY_SCANNER",
        scope="repo:read",
        query=(QueryParam("vulnerabilities", "Include vulnerabilities informations", type="boolean"),),
    ),
)
