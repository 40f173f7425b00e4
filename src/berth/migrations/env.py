"""Alembic environment: runs migrations on the connection ``berth.migrate`` hands over."""

from __future__ import annotations

from alembic import context

from berth.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `berth migrate` (berth.migrate), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
