"""Alembic migrations: the one schema source for SQLite and PostgreSQL."""
