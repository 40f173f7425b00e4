"""The search ranking score."""

from __future__ import annotations

import pytest

from berth.lib.closeness import closeness


def test_exact_match_is_one() -> None:
    assert closeness("busybox", "busybox") == 1.0


def test_prefix_beats_inner_match() -> None:
    assert closeness("busybox", "bus") > closeness("abusybox", "bus") > 0


def test_trailing_characters_after_a_started_match() -> None:
    assert closeness("abcd", "ab") == pytest.approx((1 + 1 + 0.9 + 0.9) / 4)


def test_no_in_order_match_is_zero() -> None:
    assert closeness("busybox", "xb") == 0.0
    assert closeness("ab", "abc") == 0.0


def test_empty_query() -> None:
    assert closeness("anything", "") == 0.8
