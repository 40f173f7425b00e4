"""Database infrastructure: the declarative base, engines, transactions and migrations."""
