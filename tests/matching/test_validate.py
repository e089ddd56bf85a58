"""The independent check finds a breach of each rule (so a passing check means something)."""
from __future__ import annotations

import pytest

import matching
from matching.result import Assignment
from tests.matching.helpers import problem, week

pytestmark = pytest.mark.matching

DATA = problem(
    [{"id": "Y1"}, {"id": "Y2"}, {"id": "Kid", "age": 13}],
    [{"id": "A", "weeks": [week(27)]}, {"id": "B", "weeks": [week(27)]}, {"id": "J1", "kind": "job", "weeks": [week(30)]},
     {"id": "J2", "kind": "job", "weeks": [week(31)]}, {"id": "C", "min_age": 15, "weeks": [week(32)], "capacity": 3}],
    [("Y1", "A", 1), ("Y1", "B", 2), ("Y1", "J1", 3), ("Y1", "J2", 4), ("Y1", "C", 5), ("Y2", "A", 1), ("Y2", "C", 2),
     ("Kid", "C", 1)],
    policy={"max_places_per_youth": 3}, locked=[("Y2", "C")], forbidden=[("Y1", "C")], apart=[("Y1", "Y2")])


def breaches_of(*pairs: tuple[str, str]) -> set[str]:
    prob = matching.load_problem(DATA)
    ranks = {(a.youth, a.offer): a.rank for a in prob.applications}
    result = matching.solve(prob)
    tampered = type(result)(result.status, tuple(Assignment(y, o, ranks.get((y, o))) for y, o in pairs),
                            result.lottery, result.levels, result.unplaced)
    return {b.rule for b in matching.validate(prob, tampered)}


@pytest.mark.parametrize("pairs, rule", [
    ((("Y2", "B"), ("Y2", "C")), "1"),
    ((("Y1", "A"), ("Y2", "A"), ("Y2", "C")), "2"),
    ((("Kid", "C"), ("Y2", "C")), "3"),
    ((("Y1", "A"), ("Y1", "B"), ("Y2", "C")), "4"),
    ((("Y1", "J1"), ("Y1", "J2"), ("Y2", "C")), "5"),
    ((("Y1", "A"), ("Y1", "J1"), ("Y1", "C"), ("Y2", "A")), "6"),
    ((("Y1", "C"), ("Y2", "C")), "7"),
])
def test_each_rule_breach_is_found(pairs, rule):
    assert rule in breaches_of(*pairs)


def test_the_optimum_itself_has_no_breach_and_a_wrong_lottery_is_caught():
    prob = matching.load_problem(DATA)
    result = matching.solve(prob)
    assert matching.validate(prob, result) == []
    wrong = type(result)(result.status, result.assignments, {**result.lottery, "Y1": 99}, result.levels, ())
    assert [b.rule for b in matching.validate(prob, wrong)] == ["result"]


def test_an_infeasible_claim_is_checked_against_the_locks():
    prob = matching.load_problem(DATA)
    result = matching.solve(prob)
    claim = type(result)(matching.Status.INFEASIBLE, (), result.lottery, (), ())
    assert [b.rule for b in matching.validate(prob, claim)] == ["6"]
