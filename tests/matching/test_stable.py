"""method="stable" and justified_envy: hand-made cases, then brute force on hypothesis problems.

The brute-force checks here are written from the definitions in matching/envy.py's
docstring (sets compared by rank, every subset of what a youth holds tried), not from
the code, so they check it rather than repeat it.
"""
from __future__ import annotations

import json
import subprocess
import sys
from itertools import combinations, permutations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import matching
from tests.matching.helpers import problem, week
from tests.matching.test_bruteforce import all_allocations, tiny_problems

pytestmark = pytest.mark.matching

BRUTE = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def placed(result: matching.Result) -> set[tuple[str, str]]:
    return {(a.youth, a.offer) for a in result.assignments}


def solve_stable(data: dict) -> tuple[matching.Problem, matching.Result]:
    p = matching.load_problem(data)
    result = matching.solve(p, method="stable")
    assert matching.validate(p, result) == []
    return p, result


# --- hand-made ---------------------------------------------------------------------------

def test_the_tier_comes_before_the_lottery_and_the_result_names_its_method():
    data = problem([{"id": "A"}, {"id": "B", "groups": ["t"]}], [{"id": "O"}],
                   [("A", "O", 1), ("B", "O", 1)], policy={"priority_tiers": ["t"]})
    p, result = solve_stable(data)
    assert placed(result) == {("B", "O")}
    assert result.stats["method"] == "stable" and result.status is matching.Status.FEASIBLE
    assert matching.justified_envy(p, result).stable


def test_without_tiers_the_lottery_decides():
    data = problem([{"id": f"Y{i}"} for i in range(5)], [{"id": "O"}], [(f"Y{i}", "O", 1) for i in range(5)])
    p, result = solve_stable(data)
    first = min(result.lottery, key=result.lottery.__getitem__)
    assert placed(result) == {(first, "O")}


def test_a_lock_is_kept_and_its_holder_is_never_envied():
    data = problem([{"id": "A", "groups": ["t"]}, {"id": "B"}], [{"id": "O"}], [("A", "O", 1), ("B", "O", 1)],
                   policy={"priority_tiers": ["t"]}, locked=[("B", "O")])
    p, result = solve_stable(data)
    assert placed(result) == {("B", "O")}
    assert matching.justified_envy(p, result).stable


def test_apart_mates_never_share_an_offer_and_the_blocked_youth_has_no_envy():
    data = problem([{"id": "A", "groups": ["t"]}, {"id": "B"}, {"id": "C"}],
                   [{"id": "O", "capacity": 2}], [("A", "O", 1), ("B", "O", 1), ("C", "O", 1)],
                   policy={"priority_tiers": ["t"]}, apart=[("A", "B")])
    p, result = solve_stable(data)
    assert placed(result) == {("A", "O"), ("C", "O")}
    assert matching.justified_envy(p, result).stable


def test_a_youth_takes_their_best_places_that_fit_together():
    offers = [{"id": "J", "kind": "job", "weeks": [week(27)]}, {"id": "K", "kind": "job", "weeks": [week(28)]},
              {"id": "S", "weeks": [week(27)]}, {"id": "T", "weeks": [week(29)]}]
    data = problem([{"id": "A"}], offers, [("A", "J", 1), ("A", "K", 2), ("A", "S", 3), ("A", "T", 4)],
                   policy={"max_places_per_youth": 2, "max_jobs_per_youth": 1})
    _, result = solve_stable(data)
    assert placed(result) == {("A", "J"), ("A", "T")}      # K: job limit; S: week 27


def test_with_overlapping_apart_groups_another_allocation_can_also_be_free_of_envy():
    """A is kept apart from B and, in another group, from C: B and C together on O block A,
    yet neither alone stands in A's way, so nobody has justified envy there either."""
    data = problem([{"id": "A", "groups": ["t"]}, {"id": "B"}, {"id": "C"}], [{"id": "O", "capacity": 2}],
                   [("A", "O", 1), ("B", "O", 1), ("C", "O", 1)], policy={"priority_tiers": ["t"]},
                   apart=[("A", "B"), ("A", "C")])
    p, result = solve_stable(data)
    assert placed(result) == {("A", "O")}
    other = as_result({("B", "O"), ("C", "O")})
    assert [b for b in matching.validate(p, other) if b.rule != "result"] == []   # only its lottery is missing
    assert matching.justified_envy(p, other).stable


def test_envy_is_counted_against_a_lower_priority_holder_only():
    """A result made by hand: A (tier) is left out while B (no tier) holds A's first choice."""
    data = problem([{"id": "A", "groups": ["t"]}, {"id": "B"}], [{"id": "O"}, {"id": "P", "capacity": 2, "weeks": [week(28)]}],
                   [("A", "O", 1), ("B", "O", 1), ("B", "P", 2)], policy={"priority_tiers": ["t"]})
    p = matching.load_problem(data)
    result = matching.Result(matching.Status.FEASIBLE, (matching.Assignment("B", "O", 1),), {}, (), (), {})
    report = matching.justified_envy(p, result)
    assert report.envies == (matching.Envy("A", "O", "B"),)
    assert report.youths == 1 and report.by_tier == {"t": 1, "none": 0} and report.unplaced == 1
    assert report.unclaimed == (("B", "P"),)     # B would add P beside O: a free seat
    assert report.to_dict() == {"youths": 1, "envies": 1, "by_tier": {"t": 1, "none": 0}, "unplaced": 1,
                                "unclaimed_youths": 1, "unclaimed": 1}


def test_an_infeasible_result_has_no_envy():
    data = problem([{"id": "A"}, {"id": "B"}], [{"id": "O"}], [("A", "O", 1)], locked=[("A", "O"), ("B", "O")])
    p = matching.load_problem(data)
    result = matching.solve(p, method="stable")
    assert result.status is matching.Status.INFEASIBLE
    assert matching.justified_envy(p, result).stable


def test_cli_solves_with_the_stable_method_and_counts_envy(tmp_path):
    data = problem([{"id": "A", "groups": ["t"]}, {"id": "B"}], [{"id": "O"}, {"id": "P"}],
                   [("A", "O", 1), ("A", "P", 2), ("B", "O", 1), ("B", "P", 2)], policy={"priority_tiers": ["t"]})
    source, out = tmp_path / "p.json", tmp_path / "r.json"
    source.write_text(json.dumps(data))
    for method in ("stable", "optimal"):
        run = subprocess.run([sys.executable, "-m", "matching", "solve", str(source), "-o", str(out),
                              "--method", method], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        assert json.loads(out.read_text())["stats"]["method"] == method
        envy = subprocess.run([sys.executable, "-m", "matching", "envy", str(source), str(out)],
                              capture_output=True, text=True)
        assert envy.returncode == 0, envy.stderr
        assert json.loads(envy.stdout)["youths"] == 0   # both give A its first choice here


# --- brute force -------------------------------------------------------------------------

def true_prefers(problem: matching.Problem, youth: str, a: set[str], b: set[str]) -> bool:
    """a better than b for youth: by rank, lexicographically (the first choice above all later ones)."""
    order = sorted((x for x in problem.applications if x.youth == youth), key=lambda x: x.rank)
    return [x.offer in a for x in order] > [x.offer in b for x in order]


def keeps_own_rules(problem: matching.Problem, offers: set[str]) -> bool:
    policy, chosen = problem.policy, [problem.offer(o) for o in offers]
    return (len(chosen) <= policy.max_places_per_youth
            and sum(o.is_job for o in chosen) <= policy.max_jobs_per_youth
            and not any(set(a.weeks) & set(b.weeks) for a, b in combinations(chosen, 2)))


def brute_envy(problem: matching.Problem, holding: set[tuple[str, str]]) -> tuple[set, set]:
    """(envies, unclaimed) straight from the definitions: every subset of what a youth holds is tried."""
    lottery = matching.draw_lottery(problem.policy.seed, [y.id for y in problem.youths])
    tiers = problem.policy.priority_tiers

    def priority(y: matching.Youth) -> tuple[int, int]:
        t = problem.tier_of(y)
        return (tiers.index(t) if t else len(tiers), lottery[y.id])

    locked = {(p.youth, p.offer) for p in problem.locked}
    forbidden = {(p.youth, p.offer) for p in problem.forbidden}
    envies, unclaimed = set(), set()
    for youth in problem.youths:
        held = {o for y, o in holding if y == youth.id}
        locks = {o for y, o in locked if y == youth.id}
        for app in (a for a in problem.applications if a.youth == youth.id):
            offer = problem.offer(app.offer)
            if app.offer in held or (youth.id, app.offer) in forbidden or not offer.min_age <= youth.age <= offer.max_age:
                continue
            would = any(locks <= set(s) and keeps_own_rules(problem, set(s) | {app.offer})
                        and true_prefers(problem, youth.id, set(s) | {app.offer}, held)
                        for n in range(len(held) + 1) for s in combinations(sorted(held), n))
            if not would:
                continue
            seated = {y for y, o in holding if o == app.offer}

            def apart_ok(others: set[str], me: str = youth.id) -> bool:
                return not any(me in g and others & set(g) for g in problem.apart)
            if len(seated) < offer.capacity and apart_ok(seated):
                unclaimed.add((youth.id, app.offer))
            for other in seated:
                if ((other, app.offer) not in locked and priority(problem.youth(other)) > priority(youth)
                        and apart_ok(seated - {other})):
                    envies.add((youth.id, app.offer, other))
    return envies, unclaimed


def as_result(holding: set[tuple[str, str]]) -> matching.Result:
    return matching.Result(matching.Status.FEASIBLE, tuple(matching.Assignment(y, o, None) for y, o in sorted(holding)),
                           {}, (), (), {})


def counted(report: matching.EnvyReport) -> tuple[set, set]:
    return {(e.youth, e.offer, e.holder) for e in report.envies}, set(report.unclaimed)


def holdings(problem: matching.Problem) -> list[set[tuple[str, str]]]:
    return [{(y.id, o) for y, option in zip(problem.youths, allocation, strict=True) for o in option}
            for allocation in all_allocations(problem)]


@BRUTE
@given(data=tiny_problems())
def test_stable_keeps_every_rule_has_no_envy_and_is_the_only_such_allocation(data):
    """The only one when no youth is in two apart groups (see the next test for why)."""
    p, result = solve_stable(data)
    if result.status is matching.Status.INFEASIBLE:
        assert matching.lock_clashes(p)
        return
    report = matching.justified_envy(p, result)
    assert report.stable and report.youths == 0 and report.unplaced == 0
    assert brute_envy(p, placed(result)) == (set(), set())
    stable = [h for h in holdings(p) if brute_envy(p, h) == (set(), set())]
    members = [y for group in p.apart for y in group]
    assert placed(result) in stable
    if len(members) == len(set(members)):
        assert stable == [placed(result)]
    assert result.to_json(timings=False) == matching.solve(p, method="stable").to_json(timings=False)


@BRUTE
@given(data=tiny_problems(), pick=st.randoms(use_true_random=False))
def test_the_envy_counter_agrees_with_brute_force_on_every_method_and_any_allocation(data, pick):
    p = matching.load_problem(data)
    if matching.lock_clashes(p):
        return
    for method in ("optimal", "rsd", "stable"):
        result = matching.solve(p, method=method)
        assert counted(matching.justified_envy(p, result)) == brute_envy(p, placed(result)), method
    for holding in pick.sample(holdings(p), min(5, len(holdings(p)))):
        assert counted(matching.justified_envy(p, as_result(holding))) == brute_envy(p, holding)


def misreports(data: dict, youth: str):
    """Every other list the youth could hand in: any ordered subset of the offers they applied for."""
    own = sorted((a for a in data["applications"] if a["youth"] == youth), key=lambda a: a["rank"])
    rest = [a for a in data["applications"] if a["youth"] != youth]
    offers = [a["offer"] for a in own]
    for n in range(len(offers) + 1):
        for chosen in permutations(offers, n):
            if list(chosen) != offers:
                yield {**data, "applications": rest + [{"youth": youth, "offer": o, "rank": r + 1}
                                                       for r, o in enumerate(chosen)]}


def no_youth_gains_by_misreporting(data: dict) -> None:
    truth = matching.load_problem(data)
    honest = matching.solve(truth, method="stable")
    if honest.status is matching.Status.INFEASIBLE:
        return
    for youth in truth.youths:
        got = {o for y, o in placed(honest) if y == youth.id}
        for lie in misreports(data, youth.id):
            other = {o for y, o in placed(matching.solve(matching.load_problem(lie), method="stable")) if y == youth.id}
            assert not true_prefers(truth, youth.id, other, got), (youth.id, lie["applications"])


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=tiny_problems())
def test_one_place_per_youth_no_youth_gains_by_reordering_or_shortening_their_list(data):
    data = {**data, "policy": {**data["policy"], "max_places_per_youth": 1}}
    no_youth_gains_by_misreporting(data)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=tiny_problems())
def test_several_places_and_weeks_no_gain_for_lexicographic_preferences(data):
    """With several places the guarantee is for preferences by rank, first choice above all later ones."""
    no_youth_gains_by_misreporting(data)


def test_several_places_a_youth_who_counts_places_can_gain_by_leaving_out_their_top_choice():
    """The limit stated in the README: A's first choice clashes with both others, which fit together."""
    offers = [{"id": "X", "weeks": [week(27), week(28)]}, {"id": "P", "weeks": [week(27)]},
              {"id": "Q", "weeks": [week(28)]}]
    honest = problem([{"id": "A"}], offers, [("A", "X", 1), ("A", "P", 2), ("A", "Q", 3)])
    lie = problem([{"id": "A"}], offers, [("A", "P", 1), ("A", "Q", 2)])
    assert placed(solve_stable(honest)[1]) == {("A", "X")}
    assert placed(solve_stable(lie)[1]) == {("A", "P"), ("A", "Q")}


def textbook_deferred_acceptance(p: matching.Problem) -> set[tuple[str, str]]:
    """Gale-Shapley, youth-proposing, one place each, every offer ranking by (tier, lottery)."""
    lottery = matching.draw_lottery(p.policy.seed, [y.id for y in p.youths])
    tiers = p.policy.priority_tiers

    def priority(y: str) -> tuple[int, int]:
        t = p.tier_of(p.youth(y))
        return (tiers.index(t) if t else len(tiers), lottery[y])
    forbidden = {(f.youth, f.offer) for f in p.forbidden}
    lists = {y.id: [a.offer for a in sorted(p.applications, key=lambda a: a.rank) if a.youth == y.id
                    and (y.id, a.offer) not in forbidden
                    and p.offer(a.offer).min_age <= y.age <= p.offer(a.offer).max_age] for y in p.youths}
    held: dict[str, list[str]] = {o.id: [] for o in p.offers}
    free = [y.id for y in p.youths]
    while free:
        y = free.pop()
        if not lists[y]:
            continue
        o = lists[y].pop(0)
        held[o] = sorted(held[o] + [y], key=priority)
        if len(held[o]) > p.offer(o).capacity:
            free.append(held[o].pop())
    return {(y, o) for o, ys in held.items() for y in ys}


@BRUTE
@given(data=tiny_problems())
def test_one_place_without_locks_or_apart_it_is_textbook_deferred_acceptance(data):
    data = {**data, "policy": {**data["policy"], "max_places_per_youth": 1, "max_jobs_per_youth": 1},
            "locked": [], "apart": []}
    p, result = solve_stable(data)
    assert placed(result) == textbook_deferred_acceptance(p)
