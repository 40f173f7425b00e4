"""Avatar blocks as Quay renders them: a name, a SHA-256 hash and a palette colour."""

from __future__ import annotations

import hashlib

# Quay's 32-colour palette, indexed by the first byte of the hash modulo 32. Verified against real Quay
# responses for every index but 16-19, 24, 26, 27 and 30, which follow the d3 palettes it draws from.
_PALETTE = (
    "#969696",
    "#aec7e8",
    "#ff7f0e",
    "#ffbb78",
    "#2ca02c",
    "#98df8a",
    "#d62728",
    "#ff9896",
    "#9467bd",
    "#c5b0d5",
    "#8c564b",
    "#c49c94",
    "#e377c2",
    "#f7b6d2",
    "#7f7f7f",
    "#c7c7c7",
    "#bcbd22",
    "#dbdb8d",
    "#17becf",
    "#9edae5",
    "#393b79",
    "#5254a3",
    "#6b6ecf",
    "#9c9ede",
    "#637939",
    "#31a354",
    "#e6550d",
    "#fd8d3c",
    "#8c6d31",
    "#ad494a",
    "#843c39",
    "#a55194",
)


def avatar(name: str, email: str | None, kind: str) -> dict[str, str]:
    """The ``avatar`` object Quay attaches to users, organizations, robots and teams."""
    data = (email or name).strip().lower()
    digest = hashlib.sha256(data.encode()).hexdigest()
    color = _PALETTE[int(digest[:2], 16) % len(_PALETTE)]
    return {"name": name, "hash": digest, "color": color, "kind": kind}
