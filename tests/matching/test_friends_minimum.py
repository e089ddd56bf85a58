"""Friend groups (the "friend pairs together" level) and minimum sizes (rule 8).

The brute force reuses ``test_bruteforce``'s enumeration (written from the contract) and
adds the two rules from their own definitions: an allocation keeps rule 8 when every
offer without a lock holds none or at least ``min_participants``; the friends level is
the number of pairs of one friend group holding at least one offer in common.
"""
from __future__ import annotations

import copy
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import matching
from matching.encoder import encode
from tests.matching.helpers import SOLVERS, problem, week
from tests.matching.test_bruteforce import all_allocations, level_vector, pair_order_vector, tiny_problems

pytestmark = pytest.mark.matching


@st.composite
def friendly_problems(draw) -> dict:
    """``tiny_problems`` with friend groups, the friends level, and minimum sizes."""
    data = draw(tiny_problems())
    youths = [y["id"] for y in data["youths"]]
    order = draw(st.permutations(youths))
    groups, start = [], 0
    for _ in range(draw(st.sampled_from([1, 2, 2, 0]))):
        size = min(draw(st.integers(2, 3)), len(order) - start)
        if size >= 2:
            groups.append(list(order[start:start + size]))
            start += size
    data["friends"] = [{"youths": g} for g in groups]
    for group in groups:
        if draw(st.booleans()):      # friends often choose alike: the others copy the first one's list
            first = [a for a in data["applications"] if a["youth"] == group[0]]
            data["applications"] = [a for a in data["applications"] if a["youth"] not in group[1:]]
            data["applications"] += [{**a, "youth": y} for y in group[1:] for a in first]
    data["policy"]["friends"] = draw(st.sampled_from([True, True, True, False]))
    for offer in data["offers"]:
        if offer["capacity"] >= 1 and draw(st.booleans()):
            offer["min_participants"] = draw(st.integers(1, offer["capacity"]).map(
                lambda n, cap=offer["capacity"]: max(n, min(2, cap))))
    return data


def keeps_minimums(problem: matching.Problem, allocation) -> bool:
    counts = {o.id: 0 for o in problem.offers}
    for option in allocation:
        for o in option:
            counts[o] += 1
    locked = {p.offer for p in problem.locked}
    return all(counts[o.id] == 0 or counts[o.id] >= o.min_participants or o.id in locked for o in problem.offers)


def friends_together(problem: matching.Problem, allocation) -> int:
    held = {y.id: option for y, option in zip(problem.youths, allocation)}
    return sum(bool(held[a] & held[b]) for g in problem.friends for a, b in combinations(g, 2))


def full_vector(problem: matching.Problem, allocation, lottery) -> tuple:
    """The contract's levels with "friend pairs together" right after "places filled"."""
    values = level_vector(problem, allocation, lottery)
    if not problem.policy.friends:
        return values
    at = len(problem.policy.priority_tiers) + 2
    return values[:at] + (friends_together(problem, allocation),) + values[at:]


def best(problem: matching.Problem):
    lottery = matching.draw_lottery(problem.policy.seed, [y.id for y in problem.youths])
    allocations = [a for a in all_allocations(problem) if keeps_minimums(problem, a)]
    if not allocations:
        return None, None
    top = max(full_vector(problem, a, lottery) for a in allocations)
    winners = [a for a in allocations if full_vector(problem, a, lottery) == top]
    chosen = max(winners, key=lambda a: pair_order_vector(problem, a, lottery))
    return top, {(y.id, o) for y, option in zip(problem.youths, chosen) for o in option}


def engine_vector(result: matching.Result) -> tuple:
    return tuple(lv.value if "rank sum" not in lv.name else -lv.value for lv in result.levels)


def check_against_brute_force(data: dict, solver: str) -> None:
    problem = matching.load_problem(data)
    result = matching.solve(problem, solver=solver)
    assert matching.validate(problem, result) == []
    top, chosen = best(problem)
    if top is None:
        assert result.status is matching.Status.INFEASIBLE
        return
    assert result.status is matching.Status.OPTIMAL
    assert engine_vector(result) == top
    assert {(a.youth, a.offer) for a in result.assignments} == chosen
    assert all(lv.proven for lv in result.levels)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=friendly_problems())
def test_highs_reaches_the_lexicographic_optimum_with_friends_and_minimums(data):
    check_against_brute_force(data, "highs")


@pytest.mark.parametrize("solver", SOLVERS[1:])
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=friendly_problems())
def test_cbc_reaches_the_same_optimum(data, solver):
    """Fewer cases: CBC runs one process per level."""
    check_against_brute_force(data, solver)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(data=friendly_problems())
def test_other_methods_and_cut_short_results_keep_the_minimums(data):
    problem = matching.load_problem(data)
    for result in (matching.solve(problem, method="rsd"), matching.solve(problem, method="stable"),
                   matching.solve(problem, time_limit=1e-9)):
        assert matching.validate(problem, result) == []
    if not matching.lock_clashes(problem):
        assert matching.justified_envy(problem, matching.solve(problem, method="stable")).stable


@settings(max_examples=30, deadline=None, derandomize=True)
@given(data=friendly_problems())
def test_results_are_byte_identical_and_do_not_depend_on_the_file_order(data):
    problem = matching.load_problem(data)
    first = matching.solve(problem).to_json(timings=False)
    assert matching.solve(matching.load_problem(copy.deepcopy(data))).to_json(timings=False) == first
    turned = copy.deepcopy(data)
    turned["youths"].reverse()
    turned["friends"] = [{"youths": g["youths"][::-1]} for g in reversed(turned["friends"])]
    again = matching.solve(matching.load_problem(turned))
    assert sorted((a.youth, a.offer) for a in again.assignments) \
        == sorted((a.youth, a.offer) for a in matching.solve(problem).assignments)


# --- the rules on hand-made problems ------------------------------------------------------

TWO_OFFERS = [{"id": "X", "capacity": 2}, {"id": "Z", "capacity": 2, "weeks": [week(28)]}]


def friends_problem(**extra) -> dict:
    """A and B are friends; A prefers X, B prefers Z, each would take the other's offer too."""
    policy = {"friends": True, **extra.pop("policy", {})}
    return problem([{"id": "A"}, {"id": "B"}], TWO_OFFERS,
                   [("A", "X", 1), ("A", "Z", 2), ("B", "Z", 1), ("B", "X", 2)],
                   friends=[("A", "B")], policy={"max_places_per_youth": 1, **policy}, **extra)


def placed(result: matching.Result) -> set[tuple[str, str]]:
    return {(a.youth, a.offer) for a in result.assignments}


@pytest.mark.parametrize("solver", SOLVERS)
def test_friends_share_an_offer_before_ranks_count(solve_checked, solver):
    result = solve_checked(friends_problem(), solver=solver)
    assert len({offer for _, offer in placed(result)}) == 1
    assert [lv.name for lv in result.levels] == ["youths placed", "places filled", "friend pairs together",
                                                 "rank sum", "lottery score"]
    assert result.levels[2].value == 1


def test_friends_are_off_by_default_and_never_cost_a_place(solve_checked):
    off = solve_checked(friends_problem(policy={"friends": False}))
    assert placed(off) == {("A", "X"), ("B", "Z")}
    assert "friend pairs together" not in [lv.name for lv in off.levels]
    full = friends_problem()
    full["offers"][0]["capacity"] = full["offers"][1]["capacity"] = 1    # together would leave one out
    assert placed(solve_checked(full)) == {("A", "X"), ("B", "Z")}


def test_an_apart_group_wins_over_friends_and_the_explanation_does_not_tell(solve_checked):
    blocked = solve_checked(friends_problem(apart=[("A", "B")]))
    assert placed(blocked) == {("A", "X"), ("B", "Z")}
    assert blocked.levels[2].value == 0
    full = friends_problem()      # the same outcome for a reason anyone may know: one seat each
    full["offers"][0]["capacity"] = full["offers"][1]["capacity"] = 1
    problem_a, problem_f = matching.load_problem(friends_problem(apart=[("A", "B")])), matching.load_problem(full)
    apart_text = matching.render_text(matching.explain(problem_a, blocked, "B"))
    full_text = matching.render_text(matching.explain(problem_f, matching.solve(problem_f), "B"))
    friend_lines = [line for line in apart_text.splitlines() if line.startswith("Friend")]
    assert friend_lines == [line for line in full_text.splitlines() if line.startswith("Friend")]
    assert friend_lines == ["Friend A: not on the same offer as you (it could not be arranged within the rules)."]
    assert "apart" not in "\n".join(friend_lines)
    explanation = matching.explain(problem_a, blocked, "B")
    assert explanation.friends == (matching.FriendOutcome("A", False),)


def test_explanation_names_a_friend_placed_together(solve_checked):
    data = friends_problem()
    result = solve_checked(data)
    expl = matching.explain(matching.load_problem(data), result, "A")
    assert expl.friends == (matching.FriendOutcome("B", True),)
    assert "Friend B: on the same offer as you." in matching.render_text(expl)
    off = friends_problem(policy={"friends": False})
    text = matching.render_text(matching.explain(matching.load_problem(off), solve_checked(off), "A"))
    assert "Friends: this round did not place friends together." in text


def test_friends_level_counts_pairs_not_shared_offers(solve_checked):
    """Three friends all on one offer are three pairs; two offers shared by one pair count once."""
    offers = [{"id": "X", "capacity": 3}, {"id": "Z", "capacity": 3, "weeks": [week(28)]}]
    data = problem([{"id": "A"}, {"id": "B"}, {"id": "C"}], offers,
                   [(y, o, r) for y in "ABC" for r, o in ((1, "X"), (2, "Z"))],
                   friends=[("A", "B", "C")], policy={"friends": True})
    result = solve_checked(data)
    assert len(result.assignments) == 6
    assert result.levels[2].value == 3


MIN_OFFERS = [{"id": "M", "capacity": 3, "min_participants": 3}, {"id": "P", "capacity": 3, "weeks": [week(28)]}]


@pytest.mark.parametrize("solver", SOLVERS)
def test_an_offer_below_its_minimum_does_not_run_and_its_youths_go_elsewhere(solve_checked, solver):
    data = problem([{"id": "A"}, {"id": "B"}, {"id": "C"}], MIN_OFFERS,
                   [("A", "M", 1), ("A", "P", 2), ("B", "M", 1), ("B", "P", 2), ("C", "P", 1)],
                   policy={"max_places_per_youth": 1})
    result = solve_checked(data, solver=solver)
    assert placed(result) == {("A", "P"), ("B", "P"), ("C", "P")}
    expl = matching.explain(matching.load_problem(data), result, "A")
    assert expl.choices[0].reasons[0] == "cancelled"
    assert "it did not run: too few participants could be placed on it" in matching.render_text(expl)


def test_an_offer_that_reaches_its_minimum_runs(solve_checked):
    data = problem([{"id": "A"}, {"id": "B"}, {"id": "C"}], MIN_OFFERS,
                   [("A", "M", 1), ("B", "M", 1), ("C", "M", 1), ("C", "P", 2)], policy={"max_places_per_youth": 1})
    assert placed(solve_checked(data)) == {("A", "M"), ("B", "M"), ("C", "M")}


def test_an_unplaced_youth_hears_that_the_offer_was_cancelled(solve_checked):
    data = problem([{"id": "A"}, {"id": "B"}], MIN_OFFERS, [("A", "M", 1), ("B", "M", 1)])
    result = solve_checked(data)
    assert result.assignments == ()
    assert [(u.youth, [r.reason for r in u.reasons]) for u in result.unplaced] == \
        [("A", ["cancelled"]), ("B", ["cancelled"])]


def test_a_lock_makes_an_offer_run_below_its_minimum(solve_checked):
    data = problem([{"id": "A"}], MIN_OFFERS, [("A", "P", 1)], locked=[("A", "M")])
    result = solve_checked(data)
    assert ("A", "M") in placed(result) and result.status is matching.Status.OPTIMAL


def test_needs_mip_tells_network_problems_apart():
    plain = matching.load_problem(friends_problem(policy={"friends": False}))
    assert not encode(plain).needs_mip
    assert encode(matching.load_problem(friends_problem())).needs_mip
    data = problem([{"id": "A"}, {"id": "B"}], MIN_OFFERS, [("A", "M", 1), ("B", "M", 1)])
    assert encode(matching.load_problem(data)).needs_mip


def test_validate_checks_the_minimum_and_the_friends_level(solve_checked):
    data = friends_problem()
    loaded = matching.load_problem(data)
    result = solve_checked(data)
    levels = tuple(matching.LevelValue(lv.name, 0 if lv.name == "friend pairs together" else lv.value, True)
                   for lv in result.levels)
    wrong = matching.Result(result.status, result.assignments, result.lottery, levels, result.unplaced)
    assert [b.rule for b in matching.validate(loaded, wrong)] == ["result"]
    data = problem([{"id": "A"}, {"id": "B"}], MIN_OFFERS, [("A", "M", 1), ("B", "M", 1)])
    loaded = matching.load_problem(data)
    short = matching.Result(matching.Status.FEASIBLE, (matching.Assignment("A", "M", 1),),
                            matching.draw_lottery(1, ["A", "B"]), (), ())
    assert [str(b) for b in matching.validate(loaded, short)] == ["rule 8: M has 1 youths, minimum 3"]


# --- bad input ----------------------------------------------------------------------------

BASE = problem([{"id": "Y1"}, {"id": "Y2"}, {"id": "Y3"}, {"id": "Y4"}], [{"id": "A3", "capacity": 4}],
               [("Y1", "A3", 1)], friends=[("Y1", "Y2")])


def broken(edit) -> dict:
    data = copy.deepcopy(BASE)
    edit(data)
    return data


CASES = [
    (lambda d: d["friends"].append({"youths": ["Y1", "Y3"]}), "friends[1].youths[0]",
     'youth "Y1" is already in friends[0]'),
    (lambda d: d["friends"].append({"youths": ["Y3", "Y4", "Y9"]}), "friends[1].youths[2]", 'no youth "Y9"'),
    (lambda d: d["friends"][0]["youths"].extend(["Y3", "Y4"]), "friends[0].youths", "2 or 3 youths"),
    (lambda d: d["friends"][0]["youths"].pop(), "friends[0].youths", "2 or 3 youths"),
    (lambda d: d["friends"][0]["youths"].__setitem__(1, "Y1"), "friends[0].youths", "names a youth twice"),
    (lambda d: d["friends"][0].update(names=[]), "friends[0].names", "unknown key"),
    (lambda d: d.update(friends={"youths": ["Y1"]}), "friends", "must be a list"),
    (lambda d: d["policy"].update(friends="yes"), "policy.friends", "true or false"),
    (lambda d: d["offers"][0].update(min_participants=5), "offers[0].min_participants", "above capacity (5 > 4)"),
    (lambda d: d["offers"][0].update(min_participants=0), "offers[0].min_participants", "at least 1"),
    (lambda d: d["offers"][0].update(min_participants=2.0), "offers[0].min_participants", "integer"),
]


@pytest.mark.parametrize("edit, where, words", CASES)
def test_bad_friends_or_minimum_names_the_place(edit, where, words):
    with pytest.raises(matching.ProblemError) as caught:
        matching.load_problem(broken(edit))
    assert caught.value.where == where
    assert words in caught.value.message


def test_friends_and_minimums_are_optional():
    data = copy.deepcopy(BASE)
    del data["friends"]
    loaded = matching.load_problem(data)
    assert loaded.friends == () and loaded.policy.friends is False and loaded.offers[0].min_participants == 0
    assert matching.load_problem(BASE).friends == (("Y1", "Y2"),)
