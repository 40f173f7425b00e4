"""``GET /exportedlogs/<file_id>``: download a usage-log export.

As in Quay, the link itself is the credential: the file name joins the export id with a random
UUID that only the callback or the mail carried. The file streams from blob storage as JSON; a
malformed or unknown name answers 404.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from berth.auditlog.export import export_key
from berth.runtime import Runtime


def exported_logs_routes(runtime: Runtime) -> list[Route]:
    """The export-download route."""
    storage = runtime.storage

    async def download(request: Request) -> Response:
        key = export_key(str(request.path_params["file_id"]))
        if key is None or not await run_in_threadpool(storage.exists, key):
            raise HTTPException(404, "Not Found")
        return StreamingResponse(storage.read(key), media_type="application/json")

    return [Route("/exportedlogs/{file_id}", download, methods=["GET"])]
