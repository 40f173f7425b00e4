"""Accounts: users, organizations and robots (one namespace table, as in Quay) and web sessions."""
