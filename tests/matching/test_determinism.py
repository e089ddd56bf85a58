"""Same problem and seed: byte-identical results; another seed changes only ties."""
from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest

import matching

pytestmark = pytest.mark.matching


def bench_problem(youths: int, seed: int = 3) -> dict:
    """The benchmark's documented generator (the benchmark itself is never run by tests)."""
    path = Path(__file__).resolve().parents[2] / "bench" / "allocation.py"
    spec = importlib.util.spec_from_file_location("bench_allocation", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(youths, seed)


@pytest.fixture(scope="module")
def data() -> dict:
    return bench_problem(600)


def test_same_seed_gives_byte_identical_results(data):
    problem = matching.load_problem(data)
    first, second = matching.solve(problem), matching.solve(problem, threads=1)
    assert first.status is matching.Status.OPTIMAL
    assert matching.validate(problem, first) == []
    assert first.to_json(timings=False) == second.to_json(timings=False)
    assert "timings" in first.to_dict()["stats"] and "timings" not in first.to_dict(timings=False)["stats"]


def test_file_order_does_not_matter(data):
    shuffled = {**data, "youths": list(data["youths"]), "applications": list(data["applications"])}
    random.Random(1).shuffle(shuffled["youths"])
    random.Random(2).shuffle(shuffled["applications"])
    a, b = (matching.solve(matching.load_problem(d)) for d in (data, shuffled))
    assert set(a.assignments) == set(b.assignments) and a.lottery == b.lottery


def test_another_seed_changes_only_ties(data):
    other = {**data, "policy": {**data["policy"], "seed": data["policy"]["seed"] + 1}}
    a, b = (matching.solve(matching.load_problem(d)) for d in (data, other))
    assert [lv.value for lv in a.levels[:-1]] == [lv.value for lv in b.levels[:-1]]
    assert a.lottery != b.lottery and set(a.assignments) != set(b.assignments)
    assert matching.validate(matching.load_problem(other), b) == []


def test_both_solvers_pick_the_same_allocation(data):
    from tests.matching.helpers import SOLVERS  # noqa: F401  (CBC availability is checked there)
    from matching.solve_cbc import cbc_available
    if not cbc_available():
        pytest.skip("CBC binary not available")
    small = bench_problem(200, seed=5)
    problem = matching.load_problem(small)
    highs, cbc = matching.solve(problem, solver="highs"), matching.solve(problem, solver="cbc")
    assert highs.to_dict(timings=False)["assignments"] == cbc.to_dict(timings=False)["assignments"]
    assert [lv.value for lv in highs.levels] == [lv.value for lv in cbc.levels]


def test_time_limit_gives_a_valid_feasible_result():
    problem = matching.load_problem(bench_problem(3000))
    result = matching.solve(problem, time_limit=0.001)
    assert result.status is matching.Status.FEASIBLE
    assert result.stats["cut_short"]["level"] == result.levels[0].name and not result.levels[0].proven
    assert matching.validate(problem, result) == []
    assert not all(lv.proven for lv in result.levels)
    cut = result.stats["cut_short"]
    assert cut["gap"] == abs(cut["bound"] - result.levels[0].value) and result.levels[0].bound == cut["bound"]


def test_optimiser_places_at_least_as_many_as_rsd_in_every_tier(data):
    problem = matching.load_problem(data)
    best, rsd = matching.solve(problem), matching.solve(problem, method="rsd")
    assert best.stats["placed"] >= rsd.stats["placed"]
    for tier, figures in rsd.stats["by_tier"].items():
        if tier != "none":
            assert best.stats["by_tier"][tier]["placed"] >= figures["placed"]
