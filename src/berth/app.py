"""The composition root: ``create_app(settings)`` wires runtime, routes and middleware together."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from berth.api.errors import render_quay_error
from berth.api.v1.routes import ENDPOINTS
from berth.auth.registry_access import register_robot_checker
from berth.auth.robots import check_robot_credentials
from berth.config import Settings
from berth.db.engine import Database
from berth.errors import BerthError, NotFound, Unsupported
from berth.http.api_adapter import ApiRouteBuilder
from berth.http.converters import register_converters
from berth.http.endpoint import Endpoint
from berth.http.observability import Metrics, RequestLogMiddleware
from berth.http.responses import JsonResponse
from berth.registry.routes import registry_routes
from berth.runtime import Runtime
from berth.storage.factory import build_storage
from berth.web.csrf import csrf_routes
from berth.web.docs import docs_routes
from berth.web.exportedlogs import exported_logs_routes
from berth.web.federation import federation_routes
from berth.web.health import health_routes
from berth.web.oauth import oauth_routes
from berth.web.recovery import recovery_routes
from berth.web.servicekeys import servicekey_routes

log = logging.getLogger("berth.app")
_PARAM = re.compile(r"{[^}]+}")
# How long shutdown waits for usage-log exports still running in background threads.
EXPORT_SHUTDOWN_WAIT_S = 30.0


def build_runtime(settings: Settings) -> Runtime:
    """Database and storage for ``settings``."""
    return Runtime(settings=settings, db=Database(settings.db_uri), storage=build_storage(settings))


def _route_order(endpoint: Endpoint) -> tuple[int, int]:
    """Routes with more literal segments first, so ``{repository}`` never swallows a suffix."""
    literal_segments = [s for s in endpoint.path.split("/") if s and not _PARAM.fullmatch(s)]
    return (-len(literal_segments), -len(endpoint.path))


def api_routes(runtime: Runtime, endpoints: tuple[Endpoint, ...]) -> list[BaseRoute]:
    """One Starlette route per ``/api/v1`` endpoint."""
    builder = ApiRouteBuilder(runtime, render_quay_error)
    return [builder.route(endpoint) for endpoint in sorted(endpoints, key=_route_order)]


def create_app(settings: Settings, runtime: Runtime | None = None) -> Starlette:
    """The ASGI application serving Berth."""
    register_converters()
    register_robot_checker(check_robot_credentials)
    runtime = runtime or build_runtime(settings)
    metrics = Metrics()

    async def metrics_view(_request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    routes: list[BaseRoute] = [
        *api_routes(runtime, ENDPOINTS),
        *registry_routes(runtime),
        *health_routes(runtime),
        *csrf_routes(runtime),
        *recovery_routes(runtime),
        *exported_logs_routes(runtime),
        *oauth_routes(runtime),
        *federation_routes(runtime),
        *servicekey_routes(runtime),
        *docs_routes(),
        Route("/metrics", metrics_view, methods=["GET"]),
    ]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if request.url.path.startswith("/api/"):
            if exc.status_code == 405:
                return JsonResponse({"message": "The method is not allowed for the requested URL."}, 405)
            error: BerthError = (
                NotFound("Not Found") if exc.status_code == 404 else Unsupported(str(exc.detail))
            )
            return render_quay_error(error, request)
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code, headers=exc.headers)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", extra={"path": request.url.path, "error": type(exc).__name__})
        body = {
            "detail": "Internal server error",
            "error_message": "Internal server error",
            "error_type": "internal_error",
            "title": "internal_error",
            "status": 500,
        }
        return JsonResponse(body, status_code=500)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if not await run_in_threadpool(runtime.log_exports.wait, EXPORT_SHUTDOWN_WAIT_S):
            running = runtime.log_exports.running
            log.warning("usage-log exports still running at shutdown", extra={"running": running})
        try:
            await run_in_threadpool(runtime.deferred_logs.close)
        except Exception as exc:  # shutting down: report, never hang or crash the server's exit
            log.warning("deferred usage-log entries not written", extra={"error": type(exc).__name__})

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, Exception: unexpected},
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.api_endpoints = ENDPOINTS
    app.state.metrics = metrics
    app.add_middleware(RequestLogMiddleware, metrics=metrics)
    return app
