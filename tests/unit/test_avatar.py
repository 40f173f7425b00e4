"""Avatars match the hash and colour real Quay sends for the same names."""

from __future__ import annotations

import pytest

from berth.lib.avatar import avatar


@pytest.mark.parametrize(
    ("name", "email", "kind", "color"),
    [
        ("admin", "admin@example.com", "user", "#98df8a"),
        ("acme", "acme@example.com", "org", "#f7b6d2"),
        ("owners", None, "team", "#c7c7c7"),
        ("devs", None, "team", "#ffbb78"),
    ],
)
def test_avatar_matches_quay(name: str, email: str | None, kind: str, color: str) -> None:
    block = avatar(name, email, kind)
    assert block["color"] == color
    assert block["kind"] == kind
    assert block["name"] == name
    assert len(block["hash"]) == 64


def test_admin_hash_is_quays() -> None:
    assert avatar("admin", "admin@example.com", "user")["hash"].startswith("258d8dc916db8cea")
