"""``/v2/<name>/manifests/<reference>``: pull, push, delete by tag or digest."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from berth.content import manifests as svc
from berth.content.parsing import MAX_MANIFEST_BYTES, ParsedManifest, parse_manifest
from berth.errors import DigestInvalid
from berth.http.api_adapter import read_limited_body
from berth.lib.digests import Digest, digest_of, is_digest, parse_digest, sha256_digest
from berth.lib.mediatypes import accepted_types
from berth.notifications import delivery
from berth.quotas import service as quotas
from berth.registry.edge import Caller, RegistryEdge


class ManifestViews:
    """Handlers of ``/v2/<name>/manifests/<reference>``."""

    def __init__(self, edge: RegistryEdge) -> None:
        self.edge = edge
        self.db = edge.runtime.db

    async def get(self, request: Request) -> Response:
        """``GET``/``HEAD``: the manifest exactly as pushed, with its digest."""
        caller = await self.edge.caller(request)
        name, reference = request.path_params["name"], request.path_params["reference"]
        is_get = request.method == "GET"

        accepted = accepted_types(request.headers.get("accept"))

        def fetch() -> tuple[str, str, bytes]:
            now = self.edge.runtime.clock()
            with self.db.transaction(write=False) as session:
                repo = self.edge.authorize(session, caller, name, "pull")
                found = svc.negotiated_manifest(session, repo.id, reference, now, accepted)
            if is_get:
                # Written after the response, with other pulls' entries: a pull takes no write lock.
                self.edge.runtime.deferred_logs.add(
                    svc.pull_entry(repo, reference, actor=caller.actor, now=now)
                )
            return found

        media_type, digest, content = await run_in_threadpool(fetch)
        headers = {"Docker-Content-Digest": digest, "Content-Length": str(len(content))}
        body = content if is_get else b""
        return Response(body, headers=headers, media_type=media_type)

    async def put(self, request: Request) -> Response:
        """``PUT``: validate, check every reference exists, store, tag (when by tag)."""
        caller = await self.edge.caller(request)
        name, reference = request.path_params["name"], request.path_params["reference"]
        raw = await read_limited_body(request, MAX_MANIFEST_BYTES)
        digest = sha256_digest(raw)
        tag: str | None = reference
        if is_digest(reference):
            wanted = parse_digest(reference)
            if wanted is None:
                raise DigestInvalid("provided digest did not match uploaded content", detail={})
            actual = digest_of(raw, wanted.algorithm) if wanted.algorithm != "sha256" else digest
            if actual != wanted:
                raise DigestInvalid("provided digest did not match uploaded content", detail={})
            digest, tag = wanted, None
        parsed = parse_manifest(raw, request.headers.get("content-type"))
        await run_in_threadpool(
            lambda: self._store(caller, name, raw=raw, parsed=parsed, digest=digest, tag=tag)
        )
        headers = {
            "Location": f"/v2/{name}/manifests/{digest}",
            "Docker-Content-Digest": str(digest),
        }
        if parsed.subject is not None:
            headers["OCI-Subject"] = str(parsed.subject)
        return Response(b"OK", status_code=201, headers=headers, media_type="text/html; charset=utf-8")

    def _store(
        self,
        caller: Caller,
        name: str,
        *,
        raw: bytes,
        parsed: ParsedManifest,
        digest: Digest,
        tag: str | None,
    ) -> None:
        settings = self.edge.runtime.settings

        if settings.feature("QUOTA_MANAGEMENT"):
            # Measured in a read transaction, outside the write lock (the namespace's size is a scan):
            # pushes racing each other may pass a Reject threshold by what they add together.
            with self.db.transaction(write=False) as session:
                repo = self.edge.authorize(session, caller, name, "push")
                quotas.require_room_for_push(session, repo.namespace_id, [str(d) for d in parsed.blobs])

        def store(session: Session) -> list[delivery.DeliveryJob]:
            repo = self.edge.authorize(session, caller, name, "push")
            svc.push_manifest(
                session,
                repo,
                raw=raw,
                parsed=parsed,
                digest=digest,
                tag=tag,
                actor=caller.actor,
                now=self.edge.runtime.clock(),
                storage=self.edge.runtime.storage,
            )
            if tag is None:
                return []
            return delivery.push_jobs(
                session, repo.id, repo.namespace, repo.name, [tag], server_hostname=settings.server_hostname
            )

        for job in self.db.retrying(store):  # committed: tell the repository's repo_push notifications
            delivery.start(
                job,
                transaction=lambda write: self.db.transaction(write=write),
                allowed_hosts=settings.ssrf_allowed_hosts,
            )

    async def delete(self, request: Request) -> Response:
        """``DELETE`` by digest ends every tag on it; by tag, that tag (202)."""
        caller = await self.edge.caller(request)
        name, reference = request.path_params["name"], request.path_params["reference"]

        def remove() -> None:
            with self.db.transaction(write=True) as session:
                repo = self.edge.authorize(session, caller, name, "delete")
                svc.delete_manifest(
                    session, repo, reference, actor=caller.actor, now=self.edge.runtime.clock()
                )

        await run_in_threadpool(remove)
        return Response(status_code=202, headers={"Content-Length": "0"})
