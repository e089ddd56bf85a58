"""The HiGHS back end's interior-point route, taken from COUNT_IPM_COLUMNS columns on.

Real rounds reach it only at about 100,000 youths; lowering the threshold takes a small
problem down the same path.
"""
from __future__ import annotations

import pytest

import matching
from matching import solve_highs
from matching.encoder import encode
from matching.levels import build_levels
from matching.model import build_model
from matching.solve_common import SolveOptions
from tests.matching.helpers import problem, week

pytestmark = pytest.mark.matching


def _round() -> dict:
    youths = [{"id": f"Y{i}", "age": 14 + i % 5} for i in range(12)]
    offers = [{"id": f"O{j}", "capacity": 2, "weeks": [week(26 + j % 3)]} for j in range(5)]
    applications = [(f"Y{i}", f"O{(i + r) % 5}", r + 1) for i in range(12) for r in range(3)]
    return problem(youths, offers, applications, policy={"seed": 7})


def test_the_backend_knows_when_interior_point_solved_a_level(monkeypatch):
    """After an interior-point solve the next simplex must restart from its basis (HiGHS
    1.16 crashed otherwise): the backend has to notice which method HiGHS ran."""
    monkeypatch.setattr(solve_highs, "COUNT_IPM_COLUMNS", 0)
    loaded = matching.load_problem(_round())
    enc = encode(loaded)
    backend = solve_highs.HighsBackend(build_model(enc), SolveOptions(), len(enc.youth_ids))
    counting = next(lv for lv in build_levels(enc, loaded.policy) if lv.method == "count")
    assert backend.solve_level(counting, None).proven
    assert backend.after_ipm


def test_the_interior_point_route_gives_the_same_result_as_the_simplex_route(monkeypatch):
    loaded = matching.load_problem(_round())
    simplex = matching.solve(loaded)
    monkeypatch.setattr(solve_highs, "COUNT_IPM_COLUMNS", 0)
    interior = matching.solve(loaded)
    assert matching.validate(loaded, interior) == []
    assert interior.status is matching.Status.OPTIMAL
    assert interior.to_dict(timings=False)["assignments"] == simplex.to_dict(timings=False)["assignments"]
    assert [lv.value for lv in interior.levels] == [lv.value for lv in simplex.levels]
