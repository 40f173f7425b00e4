"""Exporting usage logs (Quay's ``exportlogs``): validate the request, then, in a background thread,
write every entry of the window into blob storage as one JSON document and tell the requester where
it is, by a POST of JSON to ``callback_url`` and/or an e-mail to ``callback_email``.

The document has Quay's shape: ``{"export_id", "details": {start_time, end_time, namespace,
repository}, "logs": [entry..., {"terminator": true}]}``; entries are gathered in batches and
streamed into storage, which stores the object atomically (a failed export leaves no file). A
failure to export or deliver never reaches the caller (the answer was sent long ago): it is logged
and recorded as an ``export_logs_failure`` entry.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.orm import Session

from berth.auditlog.queries import LogFilter, Window, iter_entries
from berth.auditlog.schemas import log_view
from berth.auditlog.service import Actor, log_action
from berth.errors import DataModelError
from berth.lib.dates import epoch_seconds, format_quay_date
from berth.mail import Mailer
from berth.storage.base import BlobStorage

log = logging.getLogger(__name__)

EXPORT_PREFIX = "exports"
# ``<export id>-<random key>``: both UUIDs, so a download link cannot be derived from the export id.
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_FILE_ID = re.compile(f"^{_UUID}-{_UUID}$")
CALLBACK_TIMEOUT_S = 10.0
BATCH = 500
STATUS_SUCCESS = "success"
STATUS_FAILED = "failed"

Transaction = Callable[[bool], AbstractContextManager[Session]]


@dataclass(frozen=True)
class ExportRequest:
    """What to export and where to report it."""

    export_id: str
    namespace_id: int
    namespace_name: str
    repository_id: int | None
    repository_name: str | None
    window: Window
    callback_url: str | None
    callback_email: str | None
    requested_by: Actor

    @property
    def log_filter(self) -> LogFilter:
        """The entries this export covers (a repository's, else its namespace's)."""
        if self.repository_id is not None:
            return LogFilter(repository_id=self.repository_id)
        return LogFilter(namespace_id=self.namespace_id)


def validate_callbacks(callback_url: str | None, callback_email: str | None) -> None:
    """Quay's checks on the body (400 ``{"message"}``): an http(s) URL, an address with ``@``;
    Berth also insists on one of the two, since an export nobody hears about is lost."""
    if callback_url:
        parts = urlsplit(callback_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DataModelError("Invalid callback URL")
    if callback_email and "@" not in callback_email:
        raise DataModelError("Invalid callback e-mail")
    if not callback_url and not callback_email:
        raise DataModelError("Either callback_url or callback_email is required")


def new_export_id() -> str:
    """A fresh export id (a UUID, as Quay's)."""
    return str(uuid.uuid4())


def queued_metadata(request: ExportRequest, *, now: datetime) -> dict[str, Any]:
    """The metadata of the ``export_logs_success`` entry Quay writes when an export is queued."""
    metadata: dict[str, Any] = {
        "date/time": epoch_seconds(now),
        "export_id": request.export_id,
        "message": "queued for export",
        "url": request.callback_url or None,
        "email": request.callback_email or None,
    }
    if request.repository_name is not None:
        metadata["repo"] = request.repository_name
    return metadata


def export_key(file_id: str) -> str | None:
    """The storage key of an exported file named ``file_id`` (None for a malformed name)."""
    if not _FILE_ID.fullmatch(file_id):
        return None
    return f"{EXPORT_PREFIX}/{file_id}.json"


def _day(value: datetime) -> str:
    return value.strftime("%m/%d/%Y")


def _document(request: ExportRequest, transaction: Transaction) -> Iterator[bytes]:
    details = {
        "start_time": format_quay_date(request.window.start),
        "end_time": format_quay_date(request.window.end),
        "namespace": request.namespace_name,
        "repository": request.repository_name,
    }
    yield (
        f'{{"export_id": {json.dumps(request.export_id)}, "details": {json.dumps(details)}, "logs": ['
    ).encode()
    with transaction(False) as session:
        for rows in iter_entries(session, request.log_filter, request.window, batch=BATCH):
            yield "".join(json.dumps(log_view(row)) + ", " for row in rows).encode()
    yield b'{"terminator": true}]}'


@dataclass(frozen=True)
class ExportOutcome:
    """How an export ended: its status, the stored key and the errors met on the way."""

    status: str
    key: str | None
    errors: list[str]


def callback_allowed(url: str, allowed_hosts: frozenset[str]) -> bool:
    """Whether a callback may call ``url``: its host is listed in ``allowed_hosts`` or every address
    it resolves to is public (no loopback, private, link-local or reserved address: no SSRF)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        return False
    if host in allowed_hosts:
        return True
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError):
        return False
    addresses = {str(info[4][0]).split("%", 1)[0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_global for a in addresses)


def _post_callback(
    request: ExportRequest, status: str, url: str | None, allowed_hosts: frozenset[str]
) -> str | None:
    assert request.callback_url is not None
    if not callback_allowed(request.callback_url, allowed_hosts):
        return "callback refused: the host is not public (SSRF_ALLOWED_HOSTS)"
    payload = {
        "export_id": request.export_id,
        "start_time": _day(request.window.start),
        "end_time": _day(request.window.end),
        "namespace": request.namespace_name,
        "repository": request.repository_name,
        "exported_data_url": url,
        "status": status,
    }
    try:
        response = httpx.post(
            request.callback_url, json=payload, timeout=CALLBACK_TIMEOUT_S, follow_redirects=False
        )
    except httpx.HTTPError as exc:
        return f"callback failed: {type(exc).__name__}"
    if response.status_code // 100 != 2:
        return f"callback answered {response.status_code}"
    return None


def _mail_body(request: ExportRequest, status: str, url: str | None) -> str:
    what = request.namespace_name
    if request.repository_name is not None:
        what = f"{request.namespace_name}/{request.repository_name}"
    if status == STATUS_SUCCESS:
        return (
            f"The usage logs of {what} from {format_quay_date(request.window.start)} to "
            f"{format_quay_date(request.window.end)} were exported (export {request.export_id}).\n\n"
            f"Download: {url}\n"
        )
    return f"The export {request.export_id} of the usage logs of {what} failed.\n"


def _send_mail(request: ExportRequest, status: str, url: str | None, mailer: Mailer) -> str | None:
    assert request.callback_email is not None
    try:
        mailer.send(request.callback_email, "Usage logs export", _mail_body(request, status, url))
    except Exception as exc:  # a mail failure is reported as an entry, never raised
        return f"e-mail failed: {type(exc).__name__}"
    return None


def run_export(
    request: ExportRequest,
    *,
    transaction: Transaction,
    storage: BlobStorage,
    mailer: Mailer,
    base_url: str,
    clock: Callable[[], datetime],
    allowed_hosts: frozenset[str] = frozenset(),
) -> ExportOutcome:
    """Export, deliver, and record a failure (never raises)."""
    errors: list[str] = []
    file_name = f"{request.export_id}-{uuid.uuid4()}"
    key = export_key(file_name)
    status = STATUS_SUCCESS
    try:
        assert key is not None
        storage.write(key, _document(request, transaction))
    except Exception as exc:
        log.exception("log export failed", extra={"export_id": request.export_id})
        errors.append(f"export failed: {type(exc).__name__}")
        status, key = STATUS_FAILED, None
    url = f"{base_url}/exportedlogs/{file_name}" if key is not None else None
    if request.callback_url:
        error = _post_callback(request, status, url, allowed_hosts)
        if error:
            errors.append(error)
    if request.callback_email:
        error = _send_mail(request, status, url, mailer)
        if error:
            errors.append(error)
    if errors:
        log.warning("log export %s: %s", request.export_id, "; ".join(errors))
        _record_failure(request, errors, transaction, clock)
    return ExportOutcome(STATUS_FAILED if errors else STATUS_SUCCESS, key, errors)


def _record_failure(
    request: ExportRequest, errors: list[str], transaction: Transaction, clock: Callable[[], datetime]
) -> None:
    metadata: dict[str, Any] = {
        "export_id": request.export_id,
        "error": "; ".join(errors),
        "url": request.callback_url or None,
        "email": request.callback_email or None,
    }
    if request.repository_name is not None:
        metadata["repo"] = request.repository_name
    try:
        with transaction(True) as session:
            log_action(
                session,
                "export_logs_failure",
                actor=request.requested_by,
                now=clock(),
                namespace_id=request.namespace_id,
                repository_id=request.repository_id,
                metadata=metadata,
            )
    except Exception:
        log.exception("could not record the failed log export", extra={"export_id": request.export_id})


class ExportJobs:
    """The exports running in this process: each in its own daemon thread, awaited at shutdown."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()

    def start(
        self,
        request: ExportRequest,
        *,
        transaction: Transaction,
        storage: BlobStorage,
        mailer: Mailer,
        base_url: str,
        clock: Callable[[], datetime],
        allowed_hosts: frozenset[str] = frozenset(),
        before: Callable[[], object] | None = None,
    ) -> threading.Thread:
        """Run :func:`run_export` in a new thread; ``before`` runs first in that thread (the API
        writes its queued pull entries there, so the export sees them)."""

        def work() -> None:
            try:
                if before is not None:
                    try:
                        before()
                    except Exception:
                        log.exception("log export: preparing failed", extra={"export_id": request.export_id})
                run_export(
                    request,
                    transaction=transaction,
                    storage=storage,
                    mailer=mailer,
                    base_url=base_url,
                    clock=clock,
                    allowed_hosts=allowed_hosts,
                )
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=work, name=f"berth-log-export-{request.export_id}", daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()
        return thread

    @property
    def running(self) -> int:
        """Exports not finished yet."""
        with self._lock:
            return len(self._threads)

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait (up to ``timeout`` seconds in all) for the running exports; True when none is left."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                threads = list(self._threads)
            if not threads:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            threads[0].join(remaining)
