"""Delivering a notification: a JSON POST for webhooks (and Slack), in a background thread.

The ``test`` operation sends a sample; a manifest push by tag sends ``repo_push`` (see
:func:`push_jobs`). Other events and methods send nothing yet. A failed delivery (refused host,
network error, an answer other than 2xx) adds one to the notification's ``number_of_failures``.
Callback hosts go through the same SSRF check as log-export callbacks (``SSRF_ALLOWED_HOSTS``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from berth.auditlog.export import callback_allowed
from berth.notifications.models import RepoNotification

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
# Methods whose delivery is an HTTP POST of JSON to ``config["url"]``.
HTTP_METHODS = ("webhook", "slack")

Transaction = Callable[[bool], AbstractContextManager[Session]]


@dataclass(frozen=True)
class DeliveryJob:
    """One message to send for one notification, detached from any session."""

    notification_id: int
    method: str
    config: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)
    # The one-line summary chat methods (Slack) send; a test's by default.
    text: str = ""


def sample_payload(event: str, namespace: str, name: str, *, server_hostname: str) -> dict[str, Any]:
    """The sample data a test of ``event`` sends for the repository ``namespace/name``."""
    payload: dict[str, Any] = {
        "repository": f"{namespace}/{name}",
        "namespace": namespace,
        "name": name,
        "docker_url": f"{server_hostname}/{namespace}/{name}",
        "homepage": f"https://{server_hostname}/repository/{namespace}/{name}",
    }
    if event == "repo_push":
        payload["updated_tags"] = ["latest"]
    return payload


def test_job(
    notification: RepoNotification, namespace: str, name: str, *, server_hostname: str
) -> DeliveryJob:
    """A delivery of the sample payload of the notification's event."""
    return DeliveryJob(
        notification.id,
        notification.method,
        dict(notification.config_json),
        sample_payload(notification.event, namespace, name, server_hostname=server_hostname),
    )


_PUSH_NOTIFICATIONS = select(
    RepoNotification.id, RepoNotification.method, RepoNotification.config_json
).where(RepoNotification.repository_id == bindparam("repository_id"), RepoNotification.event == "repo_push")


def push_jobs(
    session: Session, repository_id: int, namespace: str, name: str, tags: list[str], *, server_hostname: str
) -> list[DeliveryJob]:
    """The ``repo_push`` deliveries due for a push of ``tags`` to the repository (one Core query: every
    tagged push runs it)."""
    found = session.connection().execute(_PUSH_NOTIFICATIONS, {"repository_id": repository_id}).all()
    if not found:
        return []
    payload = sample_payload("repo_push", namespace, name, server_hostname=server_hostname)
    payload["updated_tags"] = list(tags)
    text = f"Pushed {', '.join(tags)} to {namespace}/{name}"
    return [DeliveryJob(row.id, row.method, dict(row.config_json), payload, text) for row in found]


def send(job: DeliveryJob, allowed_hosts: frozenset[str]) -> str | None:
    """Send the job now; the reason it failed, or None (methods without a sender succeed silently)."""
    if job.method not in HTTP_METHODS:
        return None
    url = str(job.config.get("url", ""))
    if not callback_allowed(url, allowed_hosts):
        return "refused: the host is not public (SSRF_ALLOWED_HOSTS)"
    body = (
        job.payload
        if job.method == "webhook"
        else {"text": job.text or f"Test notification for {job.payload['repository']}"}
    )
    try:
        response = httpx.post(url, json=body, timeout=TIMEOUT_S, follow_redirects=False)
    except httpx.HTTPError as exc:
        return f"failed: {type(exc).__name__}"
    if response.status_code // 100 != 2:
        return f"answered {response.status_code}"
    return None


def run(job: DeliveryJob, *, transaction: Transaction, allowed_hosts: frozenset[str]) -> str | None:
    """Send the job and count a failure on the notification (never raises)."""
    try:
        error = send(job, allowed_hosts)
    except Exception as exc:  # a broken delivery is a failure, never a crash of the thread
        error = f"failed: {type(exc).__name__}"
    if error is None:
        return None
    log.warning("notification %s delivery %s", job.notification_id, error)
    try:
        with transaction(True) as session:
            session.execute(
                update(RepoNotification)
                .where(RepoNotification.id == job.notification_id)
                .values(number_of_failures=RepoNotification.number_of_failures + 1)
            )
    except Exception:
        log.exception("could not count a notification failure")
    return error


def start(job: DeliveryJob, *, transaction: Transaction, allowed_hosts: frozenset[str]) -> threading.Thread:
    """Run the job in a daemon thread and return the thread."""
    thread = threading.Thread(
        target=run,
        args=(job,),
        kwargs={"transaction": transaction, "allowed_hosts": allowed_hosts},
        name=f"notification-{job.notification_id}",
        daemon=True,
    )
    thread.start()
    return thread
