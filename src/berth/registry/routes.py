"""The ``/v2`` route table: one row per method and path, built into Starlette routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from berth.registry.blobs import BlobViews
from berth.registry.edge import RegistryEdge
from berth.registry.listing import ListingViews
from berth.registry.manifests import ManifestViews
from berth.registry.token import TokenViews
from berth.runtime import Runtime

Handler = Callable[[Request], Awaitable[Response]]
_NAME = "{name:path}"


def registry_routes(runtime: Runtime) -> list[BaseRoute]:
    """Every ``/v2`` route, most specific first (repository names may contain ``/``)."""
    edge = RegistryEdge(runtime)
    token, blobs = TokenViews(edge), BlobViews(edge)
    manifests, listing = ManifestViews(edge), ListingViews(edge)
    table: list[tuple[str, str, Handler, str]] = [
        ("GET", "/v2/auth", token.auth, "v2_auth"),
        ("GET", "/v2/", token.base, "v2_base"),
        ("GET", "/v2/_catalog", listing.catalog, "v2_catalog"),
        ("GET", f"/v2/{_NAME}/tags/list", listing.tags, "v2_tags_list"),
        ("GET", f"/v2/{_NAME}/referrers/{{digest}}", listing.referrers, "v2_referrers"),
        ("POST", f"/v2/{_NAME}/blobs/uploads/", blobs.start, "v2_upload_start"),
        ("GET", f"/v2/{_NAME}/blobs/uploads/{{uuid}}", blobs.status, "v2_upload_status"),
        ("PATCH", f"/v2/{_NAME}/blobs/uploads/{{uuid}}", blobs.patch, "v2_upload_patch"),
        ("PUT", f"/v2/{_NAME}/blobs/uploads/{{uuid}}", blobs.finish, "v2_upload_finish"),
        ("DELETE", f"/v2/{_NAME}/blobs/uploads/{{uuid}}", blobs.cancel, "v2_upload_cancel"),
        ("GET", f"/v2/{_NAME}/blobs/{{digest}}", blobs.get, "v2_blob_get"),
        ("DELETE", f"/v2/{_NAME}/blobs/{{digest}}", blobs.delete, "v2_blob_delete"),
        ("GET", f"/v2/{_NAME}/manifests/{{reference}}", manifests.get, "v2_manifest_get"),
        ("PUT", f"/v2/{_NAME}/manifests/{{reference}}", manifests.put, "v2_manifest_put"),
        ("DELETE", f"/v2/{_NAME}/manifests/{{reference}}", manifests.delete, "v2_manifest_delete"),
    ]
    return [
        Route(path, edge.handler(handler), methods=[method], name=route_name)
        for method, path, handler, route_name in table
    ]
