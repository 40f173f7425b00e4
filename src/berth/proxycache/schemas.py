"""Quay's JSON view of a proxy-cache configuration (the password never appears)."""

from __future__ import annotations

from typing import Any

from berth.proxycache.models import ProxyCacheConfig


def proxy_cache_view(config: ProxyCacheConfig | None) -> dict[str, Any]:
    """``{"upstream_registry", "expiration_s", "insecure"}``; empty strings when none is set."""
    if config is None:
        return {"upstream_registry": "", "expiration_s": "", "insecure": ""}
    return {
        "upstream_registry": config.upstream_registry,
        "expiration_s": config.expiration_s,
        "insecure": config.insecure,
    }
