"""Tables for namespace quotas: one ``namespace_quota`` per user or organization, and its
``namespace_quota_limit`` thresholds (Quay's ``UserOrganizationQuota`` and ``QuotaLimits``)."""

from __future__ import annotations

import enum

from sqlalchemy import BigInteger, Enum, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from berth.db.base import Base


class QuotaType(enum.StrEnum):
    """What crossing a threshold does: warn, or refuse pushes."""

    WARNING = "Warning"
    REJECT = "Reject"


class NamespaceQuota(Base):
    """The storage quota of one namespace (Quay supports one quota per namespace)."""

    __tablename__ = "namespace_quota"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    namespace_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), unique=True)
    limit_bytes: Mapped[int] = mapped_column(BigInteger)


class NamespaceQuotaLimit(Base):
    """A threshold of a quota, in percent of its ``limit_bytes``."""

    __tablename__ = "namespace_quota_limit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quota_id: Mapped[int] = mapped_column(ForeignKey("namespace_quota.id", ondelete="CASCADE"), index=True)
    quota_type: Mapped[QuotaType] = mapped_column(Enum(QuotaType, native_enum=False, length=16))
    percent_of_limit: Mapped[int] = mapped_column(Integer)
