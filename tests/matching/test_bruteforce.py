"""Brute force: on tiny problems, enumerate every feasible allocation and compare.

The enumeration and the level values here are written from the contract, not from the
model, so they check the engine rather than repeat it. Both solvers must reach the
lexicographic optimum of levels 1-6 and pick the same allocation (the tie-break rule).
"""
from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import matching
from tests.matching.helpers import SOLVERS

pytestmark = pytest.mark.matching

WEEKS = ["2026-W27", "2026-W28", "2026-W29"]
GROUPS = ["t1", "t2"]


@st.composite
def tiny_problems(draw) -> dict:
    n_youths, n_offers = draw(st.integers(2, 7)), draw(st.integers(1, 4))
    offers = [{"id": f"O{j}", "kind": draw(st.sampled_from(["job", "activity"])), "capacity": draw(st.sampled_from([0, 1, 1, 2, 2, 3])),
               "min_age": draw(st.integers(13, 15)), "max_age": draw(st.integers(16, 19)),
               "weeks": draw(st.lists(st.sampled_from(WEEKS), min_size=1, max_size=2, unique=True))}
              for j in range(n_offers)]
    youths = [{"id": f"Y{i}", "age": draw(st.integers(14, 18)),
               "groups": draw(st.lists(st.sampled_from(GROUPS), max_size=2, unique=True))} for i in range(n_youths)]
    applications = []
    for youth in youths:
        chosen = draw(st.lists(st.sampled_from([o["id"] for o in offers]), min_size=1, max_size=n_offers, unique=True))
        applications += [{"youth": youth["id"], "offer": o, "rank": r + 1} for r, o in enumerate(chosen)]
    pairs = st.tuples(st.sampled_from([y["id"] for y in youths]), st.sampled_from([o["id"] for o in offers]))
    locked = draw(st.lists(pairs, max_size=2, unique=True)) if draw(st.integers(0, 3)) == 0 else []
    forbidden = draw(st.lists(pairs, max_size=2, unique=True)) if draw(st.booleans()) else []
    apart = draw(st.lists(st.lists(st.sampled_from([y["id"] for y in youths]), min_size=2, max_size=3, unique=True),
                          max_size=2)) if draw(st.booleans()) else []
    policy = {"seed": draw(st.integers(0, 10**6)), "max_places_per_youth": draw(st.integers(1, 2)),
              "max_jobs_per_youth": draw(st.integers(0, 1)), "priority_ranks": draw(st.booleans()),
              "priority_tiers": draw(st.lists(st.sampled_from(GROUPS), max_size=2, unique=True))}
    return {"format": "youth-allocation/1", "policy": policy, "youths": youths, "offers": offers,
            "applications": applications, "locked": [{"youth": y, "offer": o} for y, o in locked],
            "forbidden": [{"youth": y, "offer": o} for y, o in forbidden], "apart": [{"youths": g} for g in apart]}


def youth_options(problem: matching.Problem, youth: matching.Youth) -> list[frozenset[str]]:
    """Every set of offers this youth may hold under rules 1, 3, 4, 5 and 6 (their own part)."""
    ranks = {a.offer: a.rank for a in problem.applications if a.youth == youth.id}
    locks = {p.offer for p in problem.locked if p.youth == youth.id}
    banned = {p.offer for p in problem.forbidden if p.youth == youth.id}
    allowed = [o for o in sorted(set(ranks) | locks) if o not in banned
               and problem.offer(o).min_age <= youth.age <= problem.offer(o).max_age]
    out = []
    for size in range(problem.policy.max_places_per_youth + 1):
        for combo in combinations(allowed, size):
            offers = [problem.offer(o) for o in combo]
            jobs = sum(o.is_job for o in offers)
            clash = any(set(a.weeks) & set(b.weeks) for a, b in combinations(offers, 2))
            if jobs <= problem.policy.max_jobs_per_youth and not clash and locks <= set(combo):
                out.append(frozenset(combo))
    return out


def all_allocations(problem: matching.Problem):
    options = [youth_options(problem, y) for y in problem.youths]
    seats = {o.id: o.capacity for o in problem.offers}
    groups = [set(g) for g in problem.apart]

    def dfs(i: int, chosen: list) -> None:
        if i == len(options):
            yield_list.append(list(chosen))
            return
        youth = problem.youths[i].id
        for option in options[i]:
            if all(seats[o] > 0 for o in option) and not _meets_apart(youth, option, chosen, problem, groups):
                for o in option:
                    seats[o] -= 1
                chosen.append(option)
                dfs(i + 1, chosen)
                chosen.pop()
                for o in option:
                    seats[o] += 1

    yield_list: list = []
    dfs(0, [])
    return yield_list


def _meets_apart(youth: str, option, chosen, problem, groups) -> bool:
    for j, earlier in enumerate(chosen):
        other = problem.youths[j].id
        if option & earlier and any(youth in g and other in g for g in groups):
            return True
    return False


def level_vector(problem: matching.Problem, allocation, lottery: dict[str, int]) -> tuple:
    """Levels 1-6 as numbers to maximise (rank sums negated), written from the contract."""
    ranks = {(a.youth, a.offer): a.rank for a in problem.applications}
    tiers, n = problem.policy.priority_tiers, len(problem.youths)
    max_rank = max((a.rank for a in problem.applications), default=0)
    tier = [problem.tier_of(y) for y in problem.youths]
    held = [[(y.id, o) for o in option] for y, option in zip(problem.youths, allocation)]
    rank_of = [[ranks.get(p, 0) for p in h] for h in held]
    values = [sum(1 for i in range(n) if tier[i] == t and held[i]) for t in tiers]
    values += [sum(1 for h in held if h), sum(len(h) for h in held)]
    if problem.policy.priority_ranks:
        values += [-sum(sum(rank_of[i]) for i in range(n) if tier[i] == t) for t in tiers]
    values.append(-sum(map(sum, rank_of)))
    values.append(sum((n + 1 - lottery[y.id]) * (max_rank + 1 - r)
                      for y, rs in zip(problem.youths, rank_of) for r in rs if r))
    return tuple(values)


def pair_order_vector(problem: matching.Problem, allocation, lottery) -> tuple:
    """The tie-break: 0/1 per (youth, offer) in order of lottery number, then rank."""
    ranks = {(a.youth, a.offer): a.rank for a in problem.applications}
    pairs = sorted(ranks, key=lambda p: (lottery[p[0]], ranks[p]))
    held = {(y.id, o) for y, option in zip(problem.youths, allocation) for o in option}
    return tuple(p in held for p in pairs)


def best(problem: matching.Problem):
    lottery = matching.draw_lottery(problem.policy.seed, [y.id for y in problem.youths])
    allocations = all_allocations(problem)
    if not allocations:
        return None, None
    top = max(level_vector(problem, a, lottery) for a in allocations)
    winners = [a for a in allocations if level_vector(problem, a, lottery) == top]
    chosen = max(winners, key=lambda a: pair_order_vector(problem, a, lottery))
    return top, {(y.id, o) for y, option in zip(problem.youths, chosen) for o in option}


def engine_vector(result: matching.Result) -> tuple:
    return tuple(lv.value if "rank sum" not in lv.name else -lv.value for lv in result.levels)


BRUTE = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("solver", SOLVERS)
@BRUTE
@given(data=tiny_problems())
def test_engine_reaches_the_lexicographic_optimum(data, solver):
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


@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=tiny_problems())
def test_rsd_and_cut_short_results_are_valid_and_rsd_never_beats_the_optimum(data):
    problem = matching.load_problem(data)
    optimal, rsd = matching.solve(problem), matching.solve(problem, method="rsd")
    cut = matching.solve(problem, time_limit=1e-9)      # the greedy fallback of a search cut short
    assert matching.validate(problem, rsd) == [] and matching.validate(problem, cut) == []
    if optimal.status is matching.Status.OPTIMAL:
        assert rsd.stats["placed"] <= optimal.stats["placed"]


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=80, deadline=None, derandomize=True)
@given(data=tiny_problems())
def test_tie_break_alone_picks_the_first_allocation_in_lottery_order(data, solver, small_blocks):
    """Without the lottery score, ties are common: the tie-break alone must pick the lexicographic first."""
    problem = matching.load_problem(data)
    result = matching.solve(problem, solver=solver, lottery_score=False)
    assert matching.validate(problem, result) == []
    if matching.lock_clashes(problem):
        assert result.status is matching.Status.INFEASIBLE
        return
    allocations = all_allocations(problem)
    top = max(level_vector(problem, a, result.lottery)[:-1] for a in allocations)
    winners = [a for a in allocations if level_vector(problem, a, result.lottery)[:-1] == top]
    chosen = max(winners, key=lambda a: pair_order_vector(problem, a, result.lottery))
    expected = {(y.id, o) for y, option in zip(problem.youths, chosen) for o in option}
    assert "lottery score" not in [lv.name for lv in result.levels]
    assert result.status is matching.Status.OPTIMAL and all(lv.proven for lv in result.levels)
    assert engine_vector(result) == top
    assert {(a.youth, a.offer) for a in result.assignments} == expected


@pytest.fixture(scope="module")
def small_blocks():
    """Blocks of 3 pairs, so the block-by-block path is exercised on tiny problems."""
    from matching import tiebreak
    saved, tiebreak.BLOCK = tiebreak.BLOCK, 3
    yield
    tiebreak.BLOCK = saved


@settings(max_examples=80, deadline=None, derandomize=True)
@given(data=tiny_problems())
def test_integer_program_fallback_reaches_the_same_optimum(data):
    """The path taken when an LP bound is fractional: every level as a HiGHS integer program."""
    problem = matching.load_problem(data)
    result = matching.solve(problem, integer_programs=True)
    assert matching.validate(problem, result) == []
    top, chosen = best(problem)
    if top is not None:
        assert result.stats["solver"]["lp_levels"] == 0
        assert engine_vector(result) == top
        assert {(a.youth, a.offer) for a in result.assignments} == chosen
