"""Content discovery: ``tags/list``, ``_catalog`` and the OCI referrers API."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from berth.content.manifests import referrers
from berth.content.tags import list_tags
from berth.errors import DigestInvalid, InvalidRequest, Unauthenticated
from berth.lib import mediatypes as mt
from berth.lib.digests import parse_digest
from berth.registry.edge import NOT_AUTHORIZED, RegistryEdge
from berth.repos.service import get_repository, split_repository_path, visible_repositories

MAX_PAGE = 10000


def _page_size(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise InvalidRequest("invalid page size", detail={"n": value})
    return min(int(value), MAX_PAGE)


def _json(
    body: dict[str, Any], headers: dict[str, str] | None = None, media_type: str = "application/json"
) -> Response:
    return Response(json.dumps(body).encode(), headers=headers, media_type=media_type)


class ListingViews:
    """Handlers that list things."""

    def __init__(self, edge: RegistryEdge) -> None:
        self.edge = edge
        self.db = edge.runtime.db

    async def tags(self, request: Request) -> Response:
        """``{"name", "tags"}`` in lexical order, paged with ``n``/``last`` and a ``Link`` header."""
        caller = await self.edge.caller(request)
        name = request.path_params["name"]
        limit = _page_size(request.query_params.get("n"))
        last = request.query_params.get("last")

        def fetch() -> list[str]:
            with self.db.transaction(write=False) as session:
                repo = self.edge.authorize(session, caller, name, "pull")
                if limit == 0:
                    return []
                return list_tags(
                    session,
                    repo.id,
                    last=last,
                    limit=None if limit is None else limit + 1,
                    now=self.edge.runtime.clock(),
                )

        tags = await run_in_threadpool(fetch)
        headers: dict[str, str] = {}
        if limit is not None and len(tags) > limit:
            tags = tags[:limit]
            query = urlencode({"n": limit, "last": tags[-1]})
            headers["Link"] = f'</v2/{name}/tags/list?{query}>; rel="next"'
        return _json({"name": name, "tags": tags}, headers)

    async def catalog(self, request: Request) -> Response:
        """Repositories the caller may read, in creation order, paged with ``n``/``last``."""
        caller = await self.edge.caller(request)
        if caller.claims is None and not self.edge.anonymous_access:
            raise Unauthenticated(NOT_AUTHORIZED)
        limit = _page_size(request.query_params.get("n"))
        last = request.query_params.get("last")

        def fetch() -> list[tuple[int, str]]:
            with self.db.transaction(write=False) as session:
                after = 0
                if last:
                    ref = split_repository_path(last)
                    repo = get_repository(session, ref.namespace, ref.name) if ref else None
                    after = repo.id if repo else 0
                if limit == 0:
                    return []
                page = MAX_PAGE if limit is None else limit + 1
                return visible_repositories(session, caller.account_id, after_id=after, limit=page)

        rows = await run_in_threadpool(fetch)
        names = [row[1] for row in rows]
        headers: dict[str, str] = {}
        if limit is not None and len(names) > limit:
            names = names[:limit]
            headers["Link"] = f'</v2/_catalog?{urlencode({"n": limit, "last": names[-1]})}>; rel="next"'
        return _json({"repositories": names}, headers)

    async def referrers(self, request: Request) -> Response:
        """An OCI index of the manifests whose ``subject`` is the digest (empty when none)."""
        caller = await self.edge.caller(request)
        name = request.path_params["name"]
        subject = parse_digest(request.path_params["digest"])
        artifact_type = request.query_params.get("artifactType") or None

        def fetch() -> list[dict[str, Any]]:
            with self.db.transaction(write=False) as session:
                repo = self.edge.authorize(session, caller, name, "pull")
                if subject is None:
                    raise DigestInvalid("provided digest did not match uploaded content", detail={})
                return referrers(session, repo.id, subject, artifact_type)

        manifests = await run_in_threadpool(fetch)
        headers = {"OCI-Filters-Applied": "artifactType"} if artifact_type else {}
        body = {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": manifests}
        return _json(body, headers, media_type=mt.OCI_INDEX)
