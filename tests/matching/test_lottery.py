"""The lottery is derived from the seed alone and can be recomputed by anyone."""
from __future__ import annotations

import hashlib

import pytest

import matching

pytestmark = pytest.mark.matching


def test_numbers_are_a_permutation():
    ids = [f"Y{i}" for i in range(500)]
    numbers = matching.draw_lottery(2026, ids)
    assert sorted(numbers.values()) == list(range(1, 501))


def test_numbers_follow_the_published_rule():
    ids = ["Y1", "Y2", "Y3", "anna", "Öl"]
    by_hash = sorted(ids, key=lambda y: hashlib.sha256(f"7:{y}".encode()).hexdigest())
    assert matching.draw_lottery(7, ids) == {y: n + 1 for n, y in enumerate(by_hash)}


def test_numbers_do_not_depend_on_order_and_do_on_seed():
    ids = [f"Y{i}" for i in range(50)]
    assert matching.draw_lottery(1, ids) == matching.draw_lottery(1, list(reversed(ids)))
    assert matching.draw_lottery(1, ids) != matching.draw_lottery(2, ids)
