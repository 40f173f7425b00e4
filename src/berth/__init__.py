"""Berth: a container registry that speaks Red Hat Quay's API."""

__version__ = "0.1.0"
