"""Blob reads (``HEAD``/``GET`` with ranges) and the upload protocol (monolithic, chunked, mount)."""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from berth.content import blobs as svc
from berth.errors import BerthError, BlobUnknown, DigestInvalid, RangeNotSatisfiable, Unsupported
from berth.lib.digests import Digest, Hasher, new_hasher, parse_digest
from berth.registry.edge import Caller, RegistryEdge
from berth.registry.streaming import stream_to_staging

_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CONTENT_RANGE_RE = re.compile(r"^(?:bytes[= ])?(\d+)-(\d+)(?:/\d+|\*)?$")
BLOB_CACHE = "max-age=31536000"
BLOB_CACHE_HEAD = "max-age=31436000"  # sic: Quay's HEAD answer differs from its GET by one digit


def _digest_param(value: str | None) -> Digest:
    digest = parse_digest(value or "")
    if digest is None:
        raise DigestInvalid("provided digest did not match uploaded content", detail={"digest": value})
    return digest


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, end)`` inclusive from a ``Range`` header; None for the whole blob."""
    if not header:
        return None
    match = _RANGE_RE.match(header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        return None
    if not match.group(1):
        length = int(match.group(2))
        return (max(size - length, 0), size - 1) if length else None
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable(
            "requested range not satisfiable", extra={"headers": {"Content-Range": f"bytes */{size}"}}
        )
    return start, min(end, size - 1)


class BlobViews:
    """Handlers of ``/v2/<name>/blobs/...``."""

    def __init__(self, edge: RegistryEdge) -> None:
        self.edge = edge
        self.storage = edge.runtime.storage
        self.db = edge.runtime.db

    # --- reads ---------------------------------------------------------------------------------

    async def get(self, request: Request) -> Response:
        """``HEAD``/``GET`` a blob linked into the repository."""
        caller = await self.edge.caller(request)
        name = request.path_params["name"]
        digest = _digest_param(request.path_params["digest"])

        def lookup() -> tuple[int, str]:
            with self.db.transaction(write=False) as session:
                repo = self.edge.authorize(session, caller, name, "pull")
                blob = svc.repository_blob(session, repo.id, digest)
                if blob is None:
                    raise BlobUnknown("blob unknown to registry", detail={})
                return blob.size, blob.storage_key

        size, key = await run_in_threadpool(lookup)
        headers = {
            "Docker-Content-Digest": str(digest),
            "Cache-Control": BLOB_CACHE_HEAD if request.method == "HEAD" else BLOB_CACHE,
            "Accept-Ranges": "bytes",
        }
        span = _byte_range(request.headers.get("range"), size)
        status, offset, length = 200, 0, size
        if span is not None:
            status, offset, length = 206, span[0], span[1] - span[0] + 1
            headers["Content-Range"] = f"bytes {span[0]}-{span[1]}/{size}"
        headers["Content-Length"] = str(length)
        if request.method == "HEAD":
            return Response(status_code=status, headers=headers, media_type="application/octet-stream")
        chunks = await run_in_threadpool(self.storage.read, key, offset, length)
        return StreamingResponse(
            chunks, status_code=status, headers=headers, media_type="application/octet-stream"
        )

    async def delete(self, request: Request) -> Response:
        """Quay never deletes blobs through the registry API: 405 ``UNSUPPORTED``."""
        caller = await self.edge.caller(request)
        name = request.path_params["name"]

        def check() -> None:
            with self.db.transaction(write=False) as session:
                self.edge.authorize(session, caller, name, "push")

        await run_in_threadpool(check)
        raise Unsupported("The operation is unsupported.")

    # --- uploads -------------------------------------------------------------------------------

    def _push_target(self, caller: Caller, name: str) -> int:
        with self.db.transaction(write=False) as session:
            return self.edge.authorize(session, caller, name, "push").id

    async def start(self, request: Request) -> Response:
        """``POST .../uploads/``: mount, monolithic upload (``?digest=``) or a new session."""
        caller = await self.edge.caller(request)
        name = request.path_params["name"]
        repo_id = await run_in_threadpool(self._push_target, caller, name)
        query = request.query_params
        if query.get("mount"):
            mounted = await run_in_threadpool(self._mount, caller, repo_id, query["mount"], query.get("from"))
            if mounted is not None:
                return self._created(name, mounted)
        if query.get("digest") is not None:
            expected = _digest_param(query.get("digest"))
            key = svc.direct_staging_key(self.edge.runtime.clock())
            hasher = new_hasher(expected.algorithm)
            try:
                await stream_to_staging(request.stream(), self.storage, key, [hasher])
            except BaseException:
                await run_in_threadpool(self.storage.delete, key)
                raise
            await run_in_threadpool(
                self._publish, repo_id, key, Digest(expected.algorithm, hasher.hexdigest()), expected, None
            )
            return self._created(name, expected)
        upload_uuid = await run_in_threadpool(self._open_upload, repo_id)
        return Response(
            status_code=202,
            headers={
                "Location": self.edge.upload_url(name, upload_uuid),
                "Docker-Upload-UUID": upload_uuid,
                "Range": "bytes=0--1",
                "Content-Length": "0",
            },
        )

    def _open_upload(self, repo_id: int) -> str:
        with self.db.transaction(write=True) as session:
            return svc.start_upload(session, repo_id, self.edge.runtime.clock()).uuid

    def _mount(self, caller: Caller, repo_id: int, mount: str, source: str | None) -> Digest | None:
        digest = parse_digest(mount)
        if digest is None or not source:
            return None
        with self.db.transaction(write=True) as session:
            try:
                source_repo = self.edge.authorize(session, caller, source, "pull")
            except BerthError:  # any refusal means "no mount": fall back to a plain upload
                return None
            blob = svc.repository_blob(session, source_repo.id, digest)
            if blob is None:
                return None
            svc.link_blob(session, repo_id, blob.id, self.edge.runtime.clock())
        return digest

    def _created(self, name: str, digest: Digest) -> Response:
        return Response(
            status_code=201,
            headers={
                "Location": self.edge.blob_url(name, str(digest)),
                "Docker-Content-Digest": str(digest),
                "Content-Length": "0",
            },
        )

    def _publish(
        self, repo_id: int, key: str, actual: Digest, expected: Digest, upload_uuid: str | None
    ) -> None:
        """Verify, then (one transaction, safe against GC) move under the content address, record, link."""
        now = self.edge.runtime.clock()
        try:
            svc.check_staged(self.storage, key, actual, expected)
        except Exception:
            if upload_uuid is not None:
                with self.db.transaction(write=True) as session:
                    svc.end_upload(session, upload_uuid)
            raise
        with self.db.transaction(write=True) as session:
            svc.store_blob(
                session,
                self.storage,
                repository_id=repo_id,
                staging_key=key,
                digest=expected,
                now=now,
                upload_uuid=upload_uuid,
            )

    def _load_upload(self, caller: Caller, name: str, upload_uuid: str) -> tuple[int, int, str]:
        with self.db.transaction(write=False) as session:
            repo = self.edge.authorize(session, caller, name, "push")
            upload = svc.get_upload(session, repo.id, upload_uuid)
            return repo.id, upload.size, upload.staging_key

    def _progress_headers(self, name: str, upload_uuid: str, size: int) -> dict[str, str]:
        return {
            "Location": self.edge.upload_url(name, upload_uuid),
            "Docker-Upload-UUID": upload_uuid,
            "Range": f"0-{size - 1}" if size else "0-0",
        }

    async def _append(
        self, request: Request, upload_uuid: str, size: int, key: str
    ) -> tuple[int, Hasher | None]:
        await run_in_threadpool(svc.repair_staging, self.storage, key, size)
        hasher = self.edge.hashes.take(upload_uuid, size)
        if hasher is None and size == 0:
            hasher = new_hasher("sha256")
        received = await stream_to_staging(request.stream(), self.storage, key, [hasher] if hasher else [])
        return size + received, hasher

    async def patch(self, request: Request) -> Response:
        """Append a chunk; a chunk that does not start at the current end is a 416."""
        caller = await self.edge.caller(request)
        name, upload_uuid = request.path_params["name"], request.path_params["uuid"]
        _repo_id, size, key = await run_in_threadpool(self._load_upload, caller, name, upload_uuid)
        content_range = request.headers.get("content-range")
        if content_range:
            match = _CONTENT_RANGE_RE.match(content_range.strip())
            if match is None or int(match.group(1)) != size:
                headers = self._progress_headers(name, upload_uuid, size)
                raise RangeNotSatisfiable("requested range not satisfiable", extra={"headers": headers})
        new_size, hasher = await self._append(request, upload_uuid, size, key)

        def record() -> None:
            with self.db.transaction(write=True) as session:
                svc.record_size(session, upload_uuid, size, new_size, self.edge.runtime.clock())

        await run_in_threadpool(record)
        if hasher is not None:
            self.edge.hashes.put(upload_uuid, new_size, hasher)
        headers = self._progress_headers(name, upload_uuid, new_size)
        headers["Content-Length"] = "0"
        return Response(status_code=202, headers=headers)

    async def finish(self, request: Request) -> Response:
        """``PUT ...?digest=``: append any final bytes, verify the digest, publish the blob."""
        caller = await self.edge.caller(request)
        name, upload_uuid = request.path_params["name"], request.path_params["uuid"]
        repo_id, size, key = await run_in_threadpool(self._load_upload, caller, name, upload_uuid)
        expected = _digest_param(request.query_params.get("digest"))
        _new_size, hasher = await self._append(request, upload_uuid, size, key)
        actual = await run_in_threadpool(svc.staged_digest, self.storage, key, expected.algorithm, hasher)
        await run_in_threadpool(self._publish, repo_id, key, actual, expected, upload_uuid)
        return self._created(name, expected)

    async def status(self, request: Request) -> Response:
        """``GET`` an upload's progress (204 with ``Range``)."""
        caller = await self.edge.caller(request)
        name, upload_uuid = request.path_params["name"], request.path_params["uuid"]
        _repo_id, size, _key = await run_in_threadpool(self._load_upload, caller, name, upload_uuid)
        headers = self._progress_headers(name, upload_uuid, size)
        headers["Range"] = f"bytes=0-{max(size - 1, 0)}"
        return Response(status_code=204, headers=headers)

    async def cancel(self, request: Request) -> Response:
        """``DELETE`` an upload: forget it and discard its bytes."""
        caller = await self.edge.caller(request)
        name, upload_uuid = request.path_params["name"], request.path_params["uuid"]
        _repo_id, _size, key = await run_in_threadpool(self._load_upload, caller, name, upload_uuid)

        def cancel() -> None:
            with self.db.transaction(write=True) as session:
                svc.end_upload(session, upload_uuid)
            self.storage.delete(key)
            self.edge.hashes.drop(upload_uuid)

        await run_in_threadpool(cancel)
        return Response(status_code=204)
