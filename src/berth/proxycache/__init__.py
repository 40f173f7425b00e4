"""Proxy-cache configuration of an organization (Quay's ``FEATURE_PROXY_CACHE`` settings)."""
