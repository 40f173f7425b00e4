"""Tables for teams, team membership and default permissions (prototypes); the organization itself is
an ``account`` row."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from berth.db.base import Base
from berth.repos.models import RoleName


class TeamRole(enum.StrEnum):
    """Org-wide team roles: ``admin`` makes members org admins, ``creator`` lets them create repos."""

    MEMBER = "member"
    CREATOR = "creator"
    ADMIN = "admin"


class Team(Base):
    """A team of an organization."""

    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[TeamRole] = mapped_column(Enum(TeamRole, native_enum=False, length=16))


class TeamMember(Base):
    """A user or robot in a team."""

    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("team_id", "account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)


class TeamInvite(Base):
    """A pending invitation to a team, for an existing user or an e-mail address.

    The invite code travels only in the notification and the e-mail; the table keeps its SHA-256.
    """

    __tablename__ = "team_invite"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(255))
    inviter_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[datetime]


class PermissionPrototype(Base):
    """A default permission: repositories created in the org (by ``activating_user``, or by anyone
    when it is null) give ``role`` to the delegate, a user/robot or a team of the org."""

    __tablename__ = "permission_prototype"
    __table_args__ = (
        CheckConstraint("(delegate_user_id IS NULL) <> (delegate_team_id IS NULL)", name="one_delegate"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    activating_user_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    delegate_user_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    delegate_team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    role: Mapped[RoleName] = mapped_column(Enum(RoleName, native_enum=False, length=16))
