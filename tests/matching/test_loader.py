"""Bad input: one clear message naming the exact place in the file."""
from __future__ import annotations

import copy

import pytest

import matching
from tests.matching.helpers import problem

pytestmark = pytest.mark.matching

BASE = problem([{"id": "Y1"}, {"id": "Y2"}], [{"id": "J7", "kind": "job"}, {"id": "A3"}],
               [("Y1", "J7", 1), ("Y1", "A3", 2), ("Y2", "A3", 1)])


def broken(edit) -> dict:
    data = copy.deepcopy(BASE)
    edit(data)
    return data


CASES = [
    (lambda d: d["applications"][1].update(offer="J99"), "applications[1].offer", 'no offer "J99"'),
    (lambda d: d["applications"][2].update(youth="Y9"), "applications[2].youth", 'no youth "Y9"'),
    (lambda d: d["applications"][1].update(rank=1), "applications[1].rank", "already has rank 1"),
    (lambda d: d["applications"][2].update(rank=2), "applications[2].rank", "no first choice"),
    (lambda d: d["offers"][1].update(capacity=-1), "offers[1].capacity", "at least 0"),
    (lambda d: d["offers"][0].pop("weeks"), "offers[0].weeks", "missing key"),
    (lambda d: d["offers"][0].update(weeks=["2026-W60"]), "offers[0].weeks[0]", "ISO week"),
    (lambda d: d["offers"][0].update(kind="camp"), "offers[0].kind", '"job" or "activity"'),
    (lambda d: d["policy"].update(max_place_per_youth=2), "policy.max_place_per_youth", "unknown key"),
    (lambda d: d["policy"].pop("seed"), "policy.seed", "missing key"),
    (lambda d: d.update(extra=1), "extra", "unknown key"),
    (lambda d: d["youths"][1].update(id="Y1"), "youths[1].id", 'duplicate id "Y1"'),
    (lambda d: d["youths"][0].update(age="16"), "youths[0].age", "integer"),
    (lambda d: d.update(format="youth-allocation/2"), "format", "youth-allocation/1"),
    (lambda d: d["locked"].append({"youth": "Y1", "offer": "B"}), "locked[0].offer", 'no offer "B"'),
    (lambda d: d["apart"].append({"youths": ["Y1"]}), "apart[0].youths", "at least two"),
    (lambda d: d["applications"].append({"youth": "Y2", "offer": "A3", "rank": 3}), "applications[3]", "twice"),
]


@pytest.mark.parametrize("edit, where, words", CASES)
def test_bad_input_names_the_place(edit, where, words):
    with pytest.raises(matching.ProblemError) as caught:
        matching.load_problem(broken(edit))
    assert caught.value.where == where
    assert words in caught.value.message


def test_policy_defaults():
    policy = matching.load_problem(BASE).policy
    assert (policy.max_places_per_youth, policy.max_jobs_per_youth, policy.priority_tiers, policy.priority_ranks) \
        == (2, 1, (), True)
