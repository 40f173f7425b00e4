"""Quay's JSON shape of an auto-prune policy."""

from __future__ import annotations

from typing import Any

from berth.autoprune.models import AutoPrunePolicy
from berth.autoprune.service import config_of


def policy_view(policy: AutoPrunePolicy) -> dict[str, Any]:
    """``{"uuid", "method", "value", "tagPattern", "tagPatternMatches"}`` as Quay answers."""
    config = config_of(policy)
    return {
        "uuid": policy.uuid,
        "method": config.method,
        "value": config.value,
        "tagPattern": config.tag_pattern,
        "tagPatternMatches": config.tag_pattern_matches,
    }
