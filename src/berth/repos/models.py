"""Tables for repositories, their per-account and per-team permissions, and stars."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from berth.db.base import Base


class Visibility(enum.StrEnum):
    """Who may pull without an explicit permission."""

    PUBLIC = "public"
    PRIVATE = "private"


class RepoState(enum.StrEnum):
    """Quay's repository states; only ``normal`` repositories accept pushes."""

    NORMAL = "normal"
    READ_ONLY = "read_only"
    MIRROR = "mirror"
    MARKED_FOR_DELETION = "marked_for_deletion"


class RoleName(enum.StrEnum):
    """A repository role as stored (``read`` < ``write`` < ``admin``)."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class Repository(Base):
    """A repository ``namespace/name`` (the name may contain further ``/`` segments)."""

    __tablename__ = "repository"
    __table_args__ = (
        UniqueConstraint("namespace_id", "name"),
        # Listings page by id within a namespace, and over public repositories.
        Index("ix_repository_namespace_id_id", "namespace_id", "id"),
        Index("ix_repository_visibility_id", "visibility", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    namespace_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    visibility: Mapped[Visibility] = mapped_column(Enum(Visibility, native_enum=False, length=16))
    description: Mapped[str | None] = mapped_column(Text)
    state: Mapped[RepoState] = mapped_column(
        Enum(RepoState, native_enum=False, length=32), default=RepoState.NORMAL
    )
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime]


class RepositoryPermission(Base):
    """An explicit role of one account (user or robot) on one repository."""

    __tablename__ = "repository_permission"
    __table_args__ = (UniqueConstraint("repository_id", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repository.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    role: Mapped[RoleName] = mapped_column(Enum(RoleName, native_enum=False, length=16))


class TeamRepositoryPermission(Base):
    """A role a team of the owning organization holds on one repository."""

    __tablename__ = "team_repository_permission"
    __table_args__ = (UniqueConstraint("repository_id", "team_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repository.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    role: Mapped[RoleName] = mapped_column(Enum(RoleName, native_enum=False, length=16))


class RepositoryStar(Base):
    """A user's star on a repository."""

    __tablename__ = "repository_star"
    __table_args__ = (UniqueConstraint("account_id", "repository_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    repository_id: Mapped[int] = mapped_column(ForeignKey("repository.id", ondelete="CASCADE"), index=True)
    created: Mapped[datetime]
