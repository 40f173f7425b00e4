"""Health endpoints with Quay's body shape: ``{"data": {"services": {...}}, "status_code": N}``."""

from __future__ import annotations

import shutil
import uuid

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from berth.http.responses import JsonResponse
from berth.runtime import Runtime
from berth.storage.base import StorageError

MIN_FREE_BYTES = 512 * 1024 * 1024


def _database_ok(runtime: Runtime) -> bool:
    try:
        with runtime.db.transaction(write=False) as session:
            session.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def _storage_ok(runtime: Runtime) -> bool:
    key = f"health/{uuid.uuid4().hex}"
    try:
        runtime.storage.write(key, [b"ok"])
        ok = runtime.storage.read_bytes(key) == b"ok"
        runtime.storage.delete(key)
    except (StorageError, OSError):
        return False
    return ok


def _disk_ok(runtime: Runtime) -> bool:
    root = getattr(runtime.storage, "root", None)
    if root is None:
        return True
    return shutil.disk_usage(root).free >= MIN_FREE_BYTES


def _report(services: dict[str, bool]) -> Response:
    status = 200 if all(services.values()) else 503
    return JsonResponse({"data": {"services": services}, "status_code": status}, status_code=status)


def health_routes(runtime: Runtime) -> list[Route]:
    """``/health/instance``, ``/health/endtoend`` (and Quay's aliases) and ``/_internal_ping``."""

    async def instance(_request: Request) -> Response:
        services = {
            "database": await run_in_threadpool(_database_ok, runtime),
            "disk_space": await run_in_threadpool(_disk_ok, runtime),
            "web": True,
        }
        return _report(services)

    async def endtoend(_request: Request) -> Response:
        services = {
            "database": await run_in_threadpool(_database_ok, runtime),
            "storage": await run_in_threadpool(_storage_ok, runtime),
            "disk_space": await run_in_threadpool(_disk_ok, runtime),
        }
        return _report(services)

    async def ping(_request: Request) -> Response:
        return PlainTextResponse("true")

    return [
        Route("/health/instance", instance, methods=["GET"]),
        Route("/health", instance, methods=["GET"]),
        Route("/health/endtoend", endtoend, methods=["GET"]),
        Route("/status", endtoend, methods=["GET"]),
        Route("/_internal_ping", ping, methods=["GET"]),
    ]
