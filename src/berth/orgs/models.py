"""Tables for teams and team membership; the organization itself is an ``account`` row."""

from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from berth.db.base import Base


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
