"""One small hand-made problem per hard rule and per level of the objective."""
from __future__ import annotations

import pytest

import matching
from tests.matching.helpers import SOLVERS, problem, week

pytestmark = pytest.mark.matching


def placed(result: matching.Result) -> set[tuple[str, str]]:
    return {(a.youth, a.offer) for a in result.assignments}


def levels(result: matching.Result) -> dict[str, int]:
    return {lv.name: lv.value for lv in result.levels}


def reasons(result: matching.Result, youth: str) -> dict[str, str]:
    return {r.offer: r.reason for u in result.unplaced if u.youth == youth for r in u.reasons}


@pytest.mark.parametrize("solver", SOLVERS)
def test_tier_before_non_tier(solve_checked, solver):
    # Whatever the lottery says, the one seat goes to the targeted youth.
    for seed in range(5):
        data = problem([{"id": "T", "groups": ["targeted"]}, {"id": "N"}], [{"id": "A"}],
                       [("T", "A", 1), ("N", "A", 1)], policy={"seed": seed, "priority_tiers": ["targeted"]})
        result = solve_checked(data, solver=solver)
        assert placed(result) == {("T", "A")}
        assert reasons(result, "N") == {"A": "full"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_one_place_for_everyone_before_second_places(solve_checked, solver):
    data = problem([{"id": "Y1"}, {"id": "Y2"}], [{"id": "A", "weeks": [week(27)]}, {"id": "B", "weeks": [week(28)]}],
                   [("Y1", "A", 1), ("Y1", "B", 2), ("Y2", "B", 1)], policy={"max_places_per_youth": 2})
    result = solve_checked(data, solver=solver)
    assert placed(result) == {("Y1", "A"), ("Y2", "B")}
    assert levels(result)["youths placed"] == 2


@pytest.mark.parametrize("solver", SOLVERS)
def test_more_places_filled_after_everyone_has_one(solve_checked, solver):
    data = problem([{"id": "Y1"}], [{"id": "A", "weeks": [week(27)]}, {"id": "B", "weeks": [week(28)]}],
                   [("Y1", "A", 1), ("Y1", "B", 2)], policy={"max_places_per_youth": 2})
    assert levels(solve_checked(data, solver=solver))["places filled"] == 2


@pytest.mark.parametrize("solver", SOLVERS)
def test_week_clash(solve_checked, solver):
    offers = [{"id": "A", "capacity": 5, "weeks": [week(27)]}, {"id": "B", "capacity": 5, "weeks": [week(27), week(28)]},
              {"id": "C", "capacity": 5, "weeks": [week(29)]}]
    data = problem([{"id": "Y1"}], offers, [("Y1", "A", 1), ("Y1", "B", 2), ("Y1", "C", 3)],
                   policy={"max_places_per_youth": 3})
    result = solve_checked(data, solver=solver)
    assert placed(result) == {("Y1", "A"), ("Y1", "C")}
    explanation = matching.explain(matching.load_problem(data), result, "Y1")
    assert [c.reasons[0] for c in explanation.choices if not c.got] == ["week_conflict"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_clash_ring_never_gives_two_clashing_offers(solve_checked, solver):
    # A-B share W27, B-C share W28, A-C share W29: any two clash, so one place only.
    offers = [{"id": "A", "weeks": [week(27), week(29)]}, {"id": "B", "weeks": [week(27), week(28)]},
              {"id": "C", "weeks": [week(28), week(29)]}]
    data = problem([{"id": "Y1"}], offers, [("Y1", "A", 1), ("Y1", "B", 2), ("Y1", "C", 3)],
                   policy={"max_places_per_youth": 3})
    assert placed(solve_checked(data, solver=solver)) == {("Y1", "A")}


@pytest.mark.parametrize("solver", SOLVERS)
def test_job_limit(solve_checked, solver):
    offers = [{"id": "J1", "kind": "job", "weeks": [week(27)]}, {"id": "J2", "kind": "job", "weeks": [week(30)]},
              {"id": "A", "weeks": [week(31)]}]
    data = problem([{"id": "Y1"}], offers, [("Y1", "J1", 1), ("Y1", "J2", 2), ("Y1", "A", 3)],
                   policy={"max_places_per_youth": 3, "max_jobs_per_youth": 1})
    result = solve_checked(data, solver=solver)
    assert placed(result) == {("Y1", "J1"), ("Y1", "A")}
    explanation = matching.explain(matching.load_problem(data), result, "Y1")
    assert {c.offer: c.reasons[0] for c in explanation.choices if not c.got} == {"J2": "job_limit"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_place_limit(solve_checked, solver):
    offers = [{"id": o, "weeks": [week(27 + n)]} for n, o in enumerate("ABC")]
    data = problem([{"id": "Y1"}], offers, [("Y1", "A", 1), ("Y1", "B", 2), ("Y1", "C", 3)],
                   policy={"max_places_per_youth": 2})
    result = solve_checked(data, solver=solver)
    assert placed(result) == {("Y1", "A"), ("Y1", "B")}


@pytest.mark.parametrize("solver", SOLVERS)
def test_age_limits(solve_checked, solver):
    offers = [{"id": "A", "min_age": 15, "max_age": 17, "capacity": 5}]
    data = problem([{"id": "Young", "age": 14}, {"id": "Old", "age": 18}, {"id": "Fits", "age": 15}], offers,
                   [("Young", "A", 1), ("Old", "A", 1), ("Fits", "A", 1)])
    result = solve_checked(data, solver=solver)
    assert placed(result) == {("Fits", "A")}
    assert reasons(result, "Young") == {"A": "too_young"}
    assert reasons(result, "Old") == {"A": "too_old"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_locks_hold_even_without_application(solve_checked, solver):
    data = problem([{"id": "Y1"}, {"id": "Y2"}], [{"id": "A"}, {"id": "B", "weeks": [week(30)]}],
                   [("Y1", "A", 1), ("Y2", "A", 1)], locked=[("Y2", "B"), ("Y1", "A")],
                   policy={"max_places_per_youth": 1})
    result = solve_checked(data, solver=solver)
    assert placed(result) == {("Y1", "A"), ("Y2", "B")}
    assert {(a.youth, a.rank) for a in result.assignments} == {("Y1", 1), ("Y2", None)}
    assert levels(result)["rank sum"] == 1   # the unranked lock adds nothing


@pytest.mark.parametrize("solver", SOLVERS)
def test_forbidden_pairs(solve_checked, solver):
    data = problem([{"id": "Y1"}], [{"id": "A"}, {"id": "B", "weeks": [week(30)]}],
                   [("Y1", "A", 1), ("Y1", "B", 2)], forbidden=[("Y1", "A")])
    result = solve_checked(data, solver=solver)
    assert placed(result) == {("Y1", "B")}


@pytest.mark.parametrize("solver", SOLVERS)
def test_apart_groups(solve_checked, solver):
    data = problem([{"id": "Y1"}, {"id": "Y2"}, {"id": "Y3"}], [{"id": "A", "capacity": 3}],
                   [("Y1", "A", 1), ("Y2", "A", 1), ("Y3", "A", 1)], apart=[("Y1", "Y2")])
    result = solve_checked(data, solver=solver)
    assert len(placed(result)) == 2 and ("Y3", "A") in placed(result)
    loser = ({"Y1", "Y2"} - {a.youth for a in result.assignments}).pop()
    assert reasons(result, loser) == {"A": "kept_apart"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_tier_rank_sum_before_total_rank_sum(solve_checked, solver):
    apps = [("T", "A", 1), ("T", "B", 2), ("N", "A", 1), ("N", "B", 5), ("N", "C", 2), ("N", "D", 3), ("N", "E", 4)]
    offers = [{"id": o, "weeks": [week(27)]} for o in "AB"]
    offers += [{"id": o, "capacity": 0} for o in "CDE"]
    for ranks, expected in ((True, {("T", "A"), ("N", "B")}), (False, {("T", "B"), ("N", "A")})):
        data = problem([{"id": "T", "groups": ["targeted"]}, {"id": "N"}], offers, apps,
                       policy={"priority_tiers": ["targeted"], "priority_ranks": ranks})
        assert placed(solve_checked(data, solver=solver)) == expected


@pytest.mark.parametrize("solver", SOLVERS)
def test_lottery_decides_only_ties(solve_checked, solver):
    winners = set()
    for seed in range(8):
        data = problem([{"id": "Y1"}, {"id": "Y2"}], [{"id": "A"}], [("Y1", "A", 1), ("Y2", "A", 1)],
                       policy={"seed": seed})
        result = solve_checked(data, solver=solver)
        (winner,) = {a.youth for a in result.assignments}
        assert result.lottery[winner] == 1
        winners.add(winner)
    assert winners == {"Y1", "Y2"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_lottery_gives_lower_number_the_better_rank(solve_checked, solver):
    for seed in range(6):
        data = problem([{"id": "Y1"}, {"id": "Y2"}], [{"id": "A"}, {"id": "B", "weeks": [week(30)]}],
                       [("Y1", "A", 1), ("Y1", "B", 2), ("Y2", "A", 1), ("Y2", "B", 2)],
                       policy={"seed": seed, "max_places_per_youth": 1})
        result = solve_checked(data, solver=solver)
        first = min(result.lottery, key=result.lottery.get)
        assert (first, "A") in placed(result)


def test_clashing_locks_are_infeasible_and_named():
    data = problem([{"id": "Y1"}, {"id": "Y2"}], [{"id": "A"}, {"id": "B"}], [],
                   locked=[("Y1", "A"), ("Y2", "A"), ("Y1", "B")])
    result = matching.solve(matching.load_problem(data))
    assert result.status is matching.Status.INFEASIBLE
    named = {c["reason"]: {(p["youth"], p["offer"]) for p in c["locks"]}
             for c in result.stats["lock_clashes"]}
    assert named == {"both use week 2026-W27": {("Y1", "A"), ("Y1", "B")},
                     '2 locks but "A" has capacity 1': {("Y1", "A"), ("Y2", "A")}}


def test_progress_reports_every_level():
    calls = []
    data = problem([{"id": "Y1", "groups": ["t"]}], [{"id": "A"}], [("Y1", "A", 1)], policy={"priority_tiers": ["t"]})
    prob = matching.load_problem(data)
    assert matching.validate(prob, matching.solve(prob, progress=lambda *a: calls.append(a))) == []
    assert [c[:3] for c in calls] == [(n, 6, name) for n, name in enumerate(
        ["tier t placed", "youths placed", "places filled", "tier t rank sum", "rank sum", "lottery score"])]


@pytest.mark.parametrize("solver", SOLVERS)
def test_five_offers_clashing_in_a_ring_take_the_integer_route(solve_checked, solver):
    # Each offer shares a week with the next, round a ring of five: at most two fit, but
    # the LP relaxation takes half of each (2.5). The engine must notice and prove 2.
    offers = [{"id": f"O{n}", "capacity": 3, "weeks": [week(22 + n), week(22 + (n + 1) % 5)]} for n in range(5)]
    data = problem([{"id": "Y1"}], offers, [("Y1", f"O{n}", n + 1) for n in range(5)],
                   policy={"max_places_per_youth": 5})
    result = solve_checked(data, solver=solver)
    assert levels(result)["places filled"] == 2 and levels(result)["rank sum"] == 1 + 3
    assert all(lv.proven for lv in result.levels)
    if solver == "highs":
        assert result.stats["solver"]["lp_levels"] == 0
