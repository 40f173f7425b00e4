"""Instance-wide secrets kept in the database so every server process shares them.

A secret is generated on first use (session and CSRF signing, the registry token key pair) and
never leaves the database; scaling out needs no shared files.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import String, Text, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from berth.db.base import Base


class InstanceSecret(Base):
    """A named secret of this installation (e.g. the registry token signing key)."""

    __tablename__ = "instance_secret"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def get_or_create_secret(session: Session, name: str, make: Callable[[], str]) -> str:
    """Return the secret called ``name``, creating it with ``make()`` if no process has yet."""
    found = session.scalar(select(InstanceSecret.value).where(InstanceSecret.name == name))
    if found is not None:
        return found
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(InstanceSecret).values(name=name, value=make()).on_conflict_do_nothing())
    value = session.scalar(select(InstanceSecret.value).where(InstanceSecret.name == name))
    assert value is not None
    return value
