"""In-app notifications addressed to an account (Quay's ``Notification``, shown in the UI's bell).

They live in ``accounts`` because each one targets a user or organization row, is read and
dismissed only by that account and disappears with it. Producers (team invites, the repository
``quay_notification`` method of a later ``notifications`` slice, maintenance notices) call
:func:`create_notification`; the user API lists, shows and dismisses them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, Notification
from berth.errors import NotFound

# Quay's ``NotificationKind`` rows.
NOTIFICATION_KINDS = frozenset(
    {
        "test_notification",
        "repo_push",
        "build_queued",
        "build_start",
        "build_success",
        "build_failure",
        "build_cancelled",
        "vulnerability_found",
        "repo_mirror_sync_started",
        "repo_mirror_sync_success",
        "repo_mirror_sync_failed",
        "service_key_submitted",
        "password_required",
        "over_private_usage",
        "expiring_license",
        "maintenance",
        "org_team_invite",
        "assigned_authorization",
        "quota_warning",
        "quota_error",
    }
)
DEFAULT_PAGE_SIZE = 5
MAX_PAGE_SIZE = 100


def create_notification(
    session: Session,
    target: Account,
    kind: str,
    *,
    now: datetime,
    metadata: dict[str, Any] | None = None,
    lookup_path: str | None = None,
) -> Notification:
    """Add a notification of a Quay kind for ``target``."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    note = Notification(
        uuid=str(uuid.uuid4()),
        kind=kind,
        target_id=target.id,
        metadata_json=dict(metadata or {}),
        created=now,
        dismissed=False,
        lookup_path=lookup_path,
    )
    session.add(note)
    session.flush()
    return note


def list_notifications(
    session: Session, account: Account, *, page: int = 1, limit: int = DEFAULT_PAGE_SIZE
) -> tuple[list[Notification], bool]:
    """Undismissed notifications, newest first, one page; the flag says whether more follow."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    offset = (max(page, 1) - 1) * limit
    rows = session.scalars(
        select(Notification)
        .where(Notification.target_id == account.id, Notification.dismissed.is_(False))
        .order_by(Notification.created.desc(), Notification.id.desc())
        .offset(offset)
        .limit(limit + 1)
    ).all()
    return list(rows[:limit]), len(rows) > limit


def get_notification(session: Session, account: Account, note_uuid: str) -> Notification:
    """One of the account's notifications (dismissed ones included), else NotFound."""
    note = session.scalar(
        select(Notification).where(Notification.uuid == note_uuid, Notification.target_id == account.id)
    )
    if note is None:
        raise NotFound("Not Found")
    return note


def set_dismissed(session: Session, account: Account, note_uuid: str, *, dismissed: bool) -> Notification:
    """Dismiss (or restore) one of the account's notifications."""
    note = get_notification(session, account, note_uuid)
    note.dismissed = dismissed
    session.flush()
    return note
