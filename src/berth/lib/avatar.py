"""Avatar blocks as Quay renders them: a name, an md5-free hash and a palette colour."""

from __future__ import annotations

import hashlib

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
    "#1f77b4",
    "#17becf",
    "#9edae5",
    "#393b79",
    "#5254a3",
    "#6b6ecf",
    "#9c9ede",
    "#637939",
    "#8ca252",
    "#b5cf6b",
    "#cedb9c",
    "#8c6d31",
    "#bd9e39",
    "#e7ba52",
    "#e7cb94",
    "#843c39",
    "#ad494a",
    "#d6616b",
    "#e7969c",
    "#7b4173",
    "#a55194",
    "#ce6dbd",
    "#de9ed6",
)


def avatar(name: str, email: str | None, kind: str) -> dict[str, str]:
    """The ``avatar`` object Quay attaches to users, organizations, robots and teams."""
    data = (email or name).strip().lower()
    digest = hashlib.sha256(data.encode()).hexdigest()
    color = _PALETTE[int(digest[:8], 16) % len(_PALETTE)]
    return {"name": name, "hash": digest, "color": color, "kind": kind}
