"""Serving Berth over HTTP: one process, or several processes sharing one port.

With ``--workers N`` every worker binds its own listening socket to the same address with
``SO_REUSEPORT``, so the kernel spreads incoming connections across the workers (a single shared
socket lets one busy worker accept most keep-alive connections). The parent process only supervises:
it stops every worker when it is asked to stop or when any worker exits.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
from multiprocessing.connection import wait
from types import FrameType
from typing import TypedDict

import uvicorn

from berth.app import create_app
from berth.config import load_settings
from berth.http.observability import configure_logging
from berth.runtime import Runtime

STOP_TIMEOUT_S = 20


class _QuietOptions(TypedDict):
    log_level: str
    log_config: None
    access_log: bool


def _quiet() -> _QuietOptions:
    """uvicorn logs through Berth's JSON handler (``configure_logging``); Berth writes access logs."""
    return {"log_level": "warning", "log_config": None, "access_log": False}


def serve_single(runtime: Runtime, host: str, port: int) -> None:
    """Serve in this process until interrupted."""
    uvicorn.run(create_app(runtime.settings, runtime), host=host, port=port, **_quiet())


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def _worker(config_path: str | None, host: str, port: int) -> None:
    """One worker process: its own app and runtime, its own socket on the shared port."""
    settings = load_settings(config_path)
    configure_logging(settings.log_level)
    sock = _listening_socket(host, port)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), **_quiet()))
    server.run(sockets=[sock])


def serve_workers(config_path: str | None, host: str, port: int, workers: int) -> int:
    """Run ``workers`` worker processes on ``host:port``; returns when they have all stopped."""
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(config_path, host, port)) for _ in range(workers)]
    for process in processes:
        process.start()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    exit_code = 0
    try:
        wait([process.sentinel for process in processes])
        exit_code = 1  # a worker ended on its own: stop the others and report it
    except SystemExit:
        exit_code = 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(STOP_TIMEOUT_S)
            if process.is_alive():
                process.kill()
                process.join(STOP_TIMEOUT_S)
    return exit_code
