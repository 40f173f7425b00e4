"""Namespace quotas: create, change and delete a namespace's quota and its thresholds, measure how
many bytes the namespace holds, and check a push against its ``Reject`` thresholds.

Quay keeps one quota per namespace. A threshold is a percentage of the quota's ``limit_bytes``;
``Warning`` thresholds only inform, ``Reject`` ones refuse pushes once usage passes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, AccountKind
from berth.accounts.service import get_account
from berth.auditlog.service import Actor, log_action
from berth.content.models import Blob, Manifest, ManifestBlob
from berth.errors import DataModelError, Forbidden, InvalidRequest, NotFound
from berth.quotas.models import NamespaceQuota, NamespaceQuotaLimit, QuotaType
from berth.quotas.schemas import human_size, quota_brief_view
from berth.repos.models import Repository

_MAX_BYTES = 2**63 - 1
_PERCENT_RULE = "Quota limit threshold must be between 1 and 100"
_TYPE_RULE = "Quota type must be one of [Warning, Reject]"


class QuotaExceeded(Forbidden):
    """A push would take the namespace past a ``Reject`` threshold (Quay's ``QuotaExceeded``)."""


def get_namespace(session: Session, name: str) -> Account | None:
    """The user or organization called ``name`` (robots have no quota)."""
    account = get_account(session, name)
    return account if account is not None and account.kind != AccountKind.ROBOT else None


def require_namespace(session: Session, name: str) -> Account:
    """The user or organization called ``name`` or :class:`NotFound`."""
    account = get_namespace(session, name)
    if account is None:
        raise NotFound("Not Found")
    return account


def list_quotas(session: Session, namespace: Account) -> list[NamespaceQuota]:
    """The namespace's quotas (none or one)."""
    return list(
        session.scalars(
            select(NamespaceQuota)
            .where(NamespaceQuota.namespace_id == namespace.id)
            .order_by(NamespaceQuota.id)
        )
    )


def require_quota(session: Session, namespace: Account, quota_id: str) -> NamespaceQuota:
    """The namespace's quota with this id or :class:`NotFound`."""
    if not quota_id.isdigit():
        raise NotFound("Not Found")
    quota = session.scalar(
        select(NamespaceQuota).where(
            NamespaceQuota.namespace_id == namespace.id, NamespaceQuota.id == int(quota_id)
        )
    )
    if quota is None:
        raise NotFound("Not Found")
    return quota


def limits_of(session: Session, quota: NamespaceQuota) -> list[NamespaceQuotaLimit]:
    """The quota's thresholds, oldest first."""
    return list(
        session.scalars(
            select(NamespaceQuotaLimit)
            .where(NamespaceQuotaLimit.quota_id == quota.id)
            .order_by(NamespaceQuotaLimit.id)
        )
    )


def require_limit(session: Session, quota: NamespaceQuota, limit_id: str) -> NamespaceQuotaLimit:
    """The quota's threshold with this id or :class:`NotFound`."""
    if not limit_id.isdigit():
        raise NotFound("Not Found")
    limit = session.scalar(
        select(NamespaceQuotaLimit).where(
            NamespaceQuotaLimit.quota_id == quota.id, NamespaceQuotaLimit.id == int(limit_id)
        )
    )
    if limit is None:
        raise NotFound("Not Found")
    return limit


def _check_bytes(limit_bytes: int) -> None:
    if limit_bytes <= 0:
        raise InvalidRequest(f"Invalid quota size limit value: '{limit_bytes}'")
    if limit_bytes > _MAX_BYTES:
        raise InvalidRequest("Unsupported quota size limit.")


def _quota_type(name: str) -> QuotaType:
    for quota_type in QuotaType:
        if name.lower() == quota_type.value.lower():
            return quota_type
    raise DataModelError(_TYPE_RULE)


def _log(
    session: Session, kind: str, namespace: Account, metadata: dict[str, Any], *, actor: Actor, now: datetime
) -> None:
    log_action(
        session,
        kind,
        actor=actor,
        now=now,
        namespace_id=namespace.id,
        metadata={"namespace": namespace.username, **metadata},
    )


def create_quota(
    session: Session,
    namespace: Account,
    limit_bytes: int,
    *,
    duplicate_message: str,
    actor: Actor,
    now: datetime,
) -> NamespaceQuota:
    """Give ``namespace`` its quota; a second one is refused with ``duplicate_message``."""
    if list_quotas(session, namespace):
        raise InvalidRequest(duplicate_message)
    _check_bytes(limit_bytes)
    quota = NamespaceQuota(namespace_id=namespace.id, limit_bytes=limit_bytes)
    session.add(quota)
    session.flush()
    _log(
        session,
        "org_create_quota",
        namespace,
        {"limit_bytes": limit_bytes, "limit": human_size(limit_bytes)},
        actor=actor,
        now=now,
    )
    return quota


def update_quota(
    session: Session,
    namespace: Account,
    quota: NamespaceQuota,
    limit_bytes: int | None,
    *,
    actor: Actor,
    now: datetime,
) -> NamespaceQuota:
    """Change the quota's size (None: leave it as it is)."""
    if limit_bytes is None:
        return quota
    _check_bytes(limit_bytes)
    previous = quota.limit_bytes
    quota.limit_bytes = limit_bytes
    session.flush()
    _log(
        session,
        "org_change_quota",
        namespace,
        {
            "quota_id": quota.id,
            "limit_bytes": limit_bytes,
            "limit": human_size(limit_bytes),
            "previous_limit_bytes": previous,
        },
        actor=actor,
        now=now,
    )
    return quota


def delete_quota(
    session: Session, namespace: Account, quota: NamespaceQuota, *, actor: Actor, now: datetime
) -> None:
    """Remove the quota and its thresholds."""
    _log(
        session,
        "org_delete_quota",
        namespace,
        {"quota_id": quota.id, "limit_bytes": quota.limit_bytes},
        actor=actor,
        now=now,
    )
    session.execute(delete(NamespaceQuotaLimit).where(NamespaceQuotaLimit.quota_id == quota.id))
    session.delete(quota)
    session.flush()


def create_limit(
    session: Session,
    namespace: Account,
    quota: NamespaceQuota,
    type_name: str,
    percent: int,
    *,
    actor: Actor,
    now: datetime,
) -> NamespaceQuotaLimit:
    """Add a threshold; the same type and percentage twice is refused.

    The checks run in Quay's order, with its two bodies: a non-zero percentage out of range or an
    unknown type is a bare ``{"message"}``, a zero percentage and a duplicate the full error body.
    """
    if percent and not 0 < percent <= 100:
        raise DataModelError(_PERCENT_RULE)
    quota_type = _quota_type(type_name)
    duplicate = session.scalar(
        select(NamespaceQuotaLimit.id).where(
            NamespaceQuotaLimit.quota_id == quota.id,
            NamespaceQuotaLimit.quota_type == quota_type,
            NamespaceQuotaLimit.percent_of_limit == percent,
        )
    )
    if duplicate is not None:
        raise InvalidRequest("Quota limit already exists")
    if not 0 < percent <= 100:
        raise InvalidRequest(_PERCENT_RULE)
    limit = NamespaceQuotaLimit(quota_id=quota.id, quota_type=quota_type, percent_of_limit=percent)
    session.add(limit)
    session.flush()
    _log(
        session,
        "org_create_quota_limit",
        namespace,
        {"quota_id": quota.id, "limit_id": limit.id, "type": quota_type.value, "threshold_percent": percent},
        actor=actor,
        now=now,
    )
    return limit


def update_limit(
    session: Session,
    namespace: Account,
    limit: NamespaceQuotaLimit,
    *,
    type_name: str | None,
    percent: int | None,
    actor: Actor,
    now: datetime,
) -> NamespaceQuotaLimit:
    """Change a threshold's type and/or percentage."""
    previous_type, previous_percent = limit.quota_type, limit.percent_of_limit
    if type_name is not None:
        limit.quota_type = _quota_type(type_name)
    if percent is not None:
        if not 0 < percent <= 100:
            raise DataModelError(_PERCENT_RULE)
        limit.percent_of_limit = percent
    session.flush()
    _log(
        session,
        "org_change_quota_limit",
        namespace,
        {
            "quota_id": limit.quota_id,
            "limit_id": limit.id,
            "type": limit.quota_type.value,
            "threshold_percent": limit.percent_of_limit,
            "previous_type": previous_type.value,
            "previous_threshold_percent": previous_percent,
        },
        actor=actor,
        now=now,
    )
    return limit


def delete_limit(
    session: Session, namespace: Account, limit: NamespaceQuotaLimit, *, actor: Actor, now: datetime
) -> None:
    """Remove a threshold."""
    _log(
        session,
        "org_delete_quota_limit",
        namespace,
        {
            "quota_id": limit.quota_id,
            "limit_id": limit.id,
            "type": limit.quota_type.value,
            "threshold_percent": limit.percent_of_limit,
        },
        actor=actor,
        now=now,
    )
    session.delete(limit)
    session.flush()


def _referenced_blob_ids(namespace_id: int) -> Select[int]:
    """Ids of the blobs the live manifests of the namespace's live repositories reference."""
    return (
        select(ManifestBlob.blob_id)
        .join(Manifest, Manifest.id == ManifestBlob.manifest_id)
        .join(Repository, Repository.id == Manifest.repository_id)
        .where(
            Repository.namespace_id == namespace_id,
            Repository.deleted.is_(False),
            Manifest.deleted_at.is_(None),
        )
    )


def namespace_size(session: Session, namespace_id: int) -> int:
    """Bytes the namespace holds: the sizes of the distinct blobs that the live manifests of its
    live repositories reference, each blob counted once however many manifests share it."""
    referenced = _referenced_blob_ids(namespace_id)
    total = session.scalar(select(func.coalesce(func.sum(Blob.size), 0)).where(Blob.id.in_(referenced)))
    return int(total or 0)


def new_bytes(session: Session, namespace_id: int, digests: list[str]) -> int:
    """Bytes of the blobs among ``digests`` that the namespace does not hold yet (what a manifest
    referencing them would add to its usage)."""
    if not digests:
        return 0
    total = session.scalar(
        select(func.coalesce(func.sum(Blob.size), 0)).where(
            Blob.digest.in_(set(digests)), Blob.id.not_in(_referenced_blob_ids(namespace_id))
        )
    )
    return int(total or 0)


def quota_report(session: Session, namespace: Account) -> dict[str, Any]:
    """Quay's ``quota_report`` of organization and user views: usage and the configured quota.

    Usage is computed on read, so the backfill Quay runs is always ``complete``.
    """
    quotas = list_quotas(session, namespace)
    return {
        "quota_bytes": namespace_size(session, namespace.id),
        "configured_quota": quotas[0].limit_bytes if quotas else None,
        "running_backfill": "complete",
        "backfill_status": "complete",
    }


def quotas_brief(session: Session, namespace: Account) -> list[dict[str, Any]]:
    """Quay's ``quotas`` list of organization and user views."""
    return [quota_brief_view(q, limits_of(session, q)) for q in list_quotas(session, namespace)]


@dataclass(frozen=True)
class QuotaCheck:
    """Where a namespace stands against its quota (Quay's ``check_limits``)."""

    usage_bytes: int
    quota_limit_bytes: int | None
    # The highest threshold passed: its bytes, type and percentage (None: none passed).
    limit_bytes: int | None
    severity: QuotaType | None
    threshold_percent: int | None
    # Whether any ``Reject`` threshold is passed (a higher ``Warning`` one may hide it in ``severity``).
    rejected: bool = False


def check_limits(session: Session, namespace_id: int, extra_bytes: int = 0) -> QuotaCheck:
    """Usage (plus ``extra_bytes`` about to be added) against the namespace's thresholds."""
    usage = namespace_size(session, namespace_id) + extra_bytes
    quota = session.scalar(select(NamespaceQuota).where(NamespaceQuota.namespace_id == namespace_id))
    if quota is None:
        return QuotaCheck(usage, None, None, None, None)
    passed: tuple[int, NamespaceQuotaLimit] | None = None
    rejected = False
    for limit in limits_of(session, quota):
        allowed = quota.limit_bytes * limit.percent_of_limit // 100
        if usage > allowed:
            rejected = rejected or limit.quota_type is QuotaType.REJECT
            if passed is None or allowed > passed[0]:
                passed = (allowed, limit)
    if passed is None:
        return QuotaCheck(usage, quota.limit_bytes, None, None, None)
    allowed, limit = passed
    return QuotaCheck(
        usage, quota.limit_bytes, allowed, limit.quota_type, limit.percent_of_limit, rejected=rejected
    )


def require_within_quota(session: Session, namespace_id: int, extra_bytes: int = 0) -> None:
    """Raise :class:`QuotaExceeded` when usage plus ``extra_bytes`` passes a ``Reject`` threshold.

    The registry calls this before accepting a manifest (``extra_bytes``: :func:`new_bytes` of its
    blobs) while ``FEATURE_QUOTA_MANAGEMENT`` is on; Quay answers 403 ``DENIED`` there.
    """
    if check_limits(session, namespace_id, extra_bytes).rejected:
        raise QuotaExceeded("Quota has been exceeded on namespace")


def require_room_for_push(session: Session, namespace_id: int, digests: list[str]) -> None:
    """:func:`require_within_quota` for a manifest referencing the blobs ``digests``; a namespace
    without a quota is let through before anything is measured."""
    quota = session.scalar(select(NamespaceQuota.id).where(NamespaceQuota.namespace_id == namespace_id))
    if quota is not None:
        require_within_quota(session, namespace_id, new_bytes(session, namespace_id, digests))
