"""The flow back end (``solver="flow"``) against HiGHS: the same levels and the same allocation.

Every comparison is of the whole result file a user gets (``to_json(timings=False)``) with
``stats.solver`` taken out, the one part that names the back end and may differ (pairs the
tie-break decided, why the flow declined). Problems the flow cannot take go to HiGHS: the
results are then the same by construction, and the tests say which back end ran.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import matching
from matching import solve_flow
from matching.encoder import Row, encode
from matching.levels import build_levels, has_place
from tests.matching.helpers import problem, week
from tests.matching.test_bruteforce import tiny_problems
from tests.matching.test_determinism import bench_problem
from tests.matching.test_external import _require_data, EXTERNAL, files

pytestmark = pytest.mark.matching


def user_view(result: matching.Result) -> dict:
    data = json.loads(result.to_json(timings=False))
    data["stats"].pop("solver", None)
    return data


def both(data: dict, **kwargs) -> tuple[matching.Result, matching.Result]:
    prob = matching.load_problem(data)
    highs, flow = (matching.solve(prob, solver=s, **kwargs) for s in ("highs", "flow"))
    assert matching.validate(prob, flow) == []
    assert user_view(flow) == user_view(highs)
    return highs, flow


@st.composite
def network_problems(draw) -> dict:
    """Offers in three whole periods, no jobs limit below the places limit: always a network."""
    n_youths, n_offers = draw(st.integers(2, 12)), draw(st.integers(1, 6))
    periods = [[week(26), week(27)], [week(28)], [week(29), week(30)]]
    offers = [{"id": f"O{j}", "kind": draw(st.sampled_from(["job", "activity"])), "capacity": draw(st.integers(0, 3)),
               "weeks": draw(st.sampled_from(periods))} for j in range(n_offers)]
    youths = [{"id": f"Y{i}", "groups": draw(st.lists(st.sampled_from(["t1", "t2"]), max_size=2, unique=True))}
              for i in range(n_youths)]
    applications = []
    for y in youths:
        chosen = draw(st.lists(st.sampled_from([o["id"] for o in offers]), min_size=1, max_size=n_offers, unique=True))
        applications += [(y["id"], o, r + 1) for r, o in enumerate(chosen)]
    places = draw(st.integers(1, 3))
    return problem(youths, offers, applications, policy={
        "seed": draw(st.integers(0, 10**6)), "max_places_per_youth": places, "max_jobs_per_youth": places,
        "priority_tiers": draw(st.lists(st.sampled_from(["t1", "t2"]), max_size=2, unique=True)),
        "priority_ranks": draw(st.booleans())})


@st.composite
def crossing_problems(draw) -> dict:
    """Few youths with many offers over overlapping weeks, two or three places, one job: rows
    that cross are common, so the flow leaves rows out, retries and splits."""
    n_youths, n_offers = draw(st.integers(1, 5)), draw(st.integers(3, 6))
    weeks = [week(n) for n in range(26, 30)]
    offers = [{"id": f"O{j}", "kind": draw(st.sampled_from(["job", "activity"])), "capacity": draw(st.integers(1, 2)),
               "weeks": draw(st.lists(st.sampled_from(weeks), min_size=1, max_size=2, unique=True))}
              for j in range(n_offers)]
    youths = [{"id": f"Y{i}"} for i in range(n_youths)]
    applications = []
    for y in youths:
        chosen = draw(st.lists(st.sampled_from([o["id"] for o in offers]), min_size=2, max_size=n_offers, unique=True))
        applications += [(y["id"], o, r + 1) for r, o in enumerate(chosen)]
    return problem(youths, offers, applications, policy={
        "seed": draw(st.integers(0, 10**6)), "max_places_per_youth": draw(st.integers(2, 3)), "max_jobs_per_youth": 1})


FLOW = settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@FLOW
@given(data=tiny_problems())
def test_flow_gives_the_same_result_as_highs_on_every_tiny_problem(data):
    both(data)


@FLOW
@given(data=tiny_problems())
def test_flow_gives_the_same_tie_break_as_highs(data, small_blocks):
    """Without the lottery score many allocations tie: the tie-break alone decides, in blocks of 3 pairs."""
    both(data, lottery_score=False)


@FLOW
@given(data=crossing_problems())
def test_flow_gives_the_same_result_as_highs_where_rows_cross(data):
    both(data)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=crossing_problems())
def test_flow_gives_the_same_tie_break_where_rows_cross(data, small_blocks):
    both(data, lottery_score=False)


@FLOW
@given(data=network_problems())
def test_network_problems_are_solved_by_the_flow(data):
    highs, flow = both(data)
    if flow.status is matching.Status.OPTIMAL:
        assert flow.stats["solver"]["name"] == "flow"
        assert all(lv.proven for lv in flow.levels)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(data=network_problems())
def test_flow_ties_on_network_problems(data, small_blocks):
    highs, flow = both(data, lottery_score=False)
    if flow.status is matching.Status.OPTIMAL:
        assert flow.stats["solver"]["name"] == "flow"


@pytest.fixture(scope="module")
def small_blocks():
    from matching import tiebreak
    saved, tiebreak.BLOCK = tiebreak.BLOCK, 3
    yield
    tiebreak.BLOCK = saved


@pytest.mark.parametrize("stem", files() or ["(no data)"])
def test_external_files_give_the_same_result(stem):
    _require_data()
    data = json.loads((EXTERNAL / f"{stem}.json").read_text(encoding="utf-8"))
    highs, flow = both(data)
    assert flow.status is matching.Status.OPTIMAL and all(lv.proven for lv in flow.levels)


def test_the_benchmark_shape_is_solved_by_the_flow_after_leaving_rows_out():
    """Most youths' week cliques cross their jobs row there: the flow leaves those out and
    checks them on its allocation."""
    data = bench_problem(1500, seed=4)
    enc = encode(matching.load_problem(data))
    network = solve_flow.build_network(enc, build_levels(enc, matching.load_problem(data).policy))
    assert network.left_out
    highs, flow = both(data)
    assert flow.stats["solver"]["name"] == "flow"


def clash_problem(**extra) -> dict:
    """Y1's J1 clashes with A, and J1 and J2 are both jobs: those two rows cross at J1 (no network)."""
    return problem([{"id": "Y1"}], [
        {"id": "J1", "kind": "job", "weeks": [week(26), week(27)]},
        {"id": "J2", "kind": "job", "weeks": [week(30)]},
        {"id": "A", "weeks": [week(27)]}],
        [("Y1", "J1", 1), ("Y1", "A", 2), ("Y1", "J2", 3)], policy={"max_places_per_youth": 2}, **extra)


def test_a_row_the_flow_left_out_and_broke_is_kept_in_the_next_round():
    """The first network keeps the jobs row and gives Y1 J1 and A, which clash; the retry keeps
    the clash row instead, and J2 is Y2's, so Y1 gets J1 alone: no row is broken."""
    data = clash_problem()
    data["youths"].append({"id": "Y2", "age": 16, "groups": []})
    data["applications"].append({"youth": "Y2", "offer": "J2", "rank": 1})
    highs, flow = both(data)
    assert flow.stats["solver"]["name"] == "flow" and flow.stats["solver"]["networks"] == 2
    assert any(k.startswith("network 1,") for k in flow.stats["timings"])


def test_rows_that_cross_in_every_family_are_split_on_the_pair_they_share():
    """The retry gives Y1 J1 and J2 (two jobs); then J1 is fixed to 1 (Y1 gets J1 alone) and to
    0 (A and J2, the answer): four networks in all."""
    highs, flow = both(clash_problem())
    assert flow.stats["solver"]["name"] == "flow" and flow.stats["solver"]["networks"] == 4
    assert {a.offer for a in flow.assignments} == {"A", "J2"}


def test_too_many_parts_go_to_highs(monkeypatch):
    monkeypatch.setattr(solve_flow, "MAX_NETWORKS", 3)
    highs, flow = both(clash_problem())
    assert flow.stats["solver"]["name"] == "highs"
    assert "break rows it left out in more than 3 networks" in flow.stats["solver"]["flow_declined"]


def test_a_rule_the_flow_does_not_know_goes_to_highs(monkeypatch):
    """A row of a kind it does not know, or a field the encoding gained (a new rule), is declined."""
    monkeypatch.setattr(solve_flow, "OFFER_ROWS", ("apart",))
    data = problem([{"id": "Y1"}, {"id": "Y2"}], [{"id": "O1"}], [("Y1", "O1", 1), ("Y2", "O1", 1)])
    highs, flow = both(data)
    assert flow.stats["solver"] == {**highs.stats["solver"], "flow_declined": "row 'capacity_0' is of a kind the flow does not know"}
    monkeypatch.setitem(solve_flow.KNOWN_FIELDS, Row, {"name", "pairs"})
    highs, flow = both(data)
    assert "Row has fields the flow does not know: ['limit']" == flow.stats["solver"]["flow_declined"]


def test_potentials_found_as_a_flow_give_the_same_result(monkeypatch):
    monkeypatch.setattr(solve_flow, "BELLMAN_FORD_ROUNDS", 1)
    highs, flow = both(bench_problem(400, seed=2))
    assert flow.stats["solver"]["name"] == "flow"
    highs, flow = both(bench_problem(150, seed=9), lottery_score=False)
    assert flow.stats["solver"]["name"] == "flow"


def test_locks_and_apart_groups_are_arcs_of_the_network():
    data = problem([{"id": f"Y{i}"} for i in range(5)], [{"id": "O1", "capacity": 3}, {"id": "O2", "capacity": 2}],
                   [(f"Y{i}", o, r) for i in range(5) for r, o in enumerate(["O1", "O2"], start=1)],
                   locked=[("Y4", "O2")], apart=[("Y0", "Y1"), ("Y2", "Y3")])
    highs, flow = both(data)
    assert flow.stats["solver"]["name"] == "flow"
    assert ("Y4", "O2") in {(a.youth, a.offer) for a in flow.assignments}


def test_a_time_limit_gives_a_valid_allocation_with_an_honest_bound():
    data = bench_problem(300, seed=1)
    prob = matching.load_problem(data)
    cut = matching.solve(prob, solver="flow", time_limit=1e-9)
    assert matching.validate(prob, cut) == []
    assert cut.status is matching.Status.FEASIBLE
    optimum = matching.solve(prob, solver="highs")
    first = cut.levels[0]
    assert first.bound is not None and first.bound >= optimum.levels[0].value >= first.value


def test_the_command_line_takes_solver_flow(tmp_path: Path):
    from matching.__main__ import main
    source = tmp_path / "problem.json"
    source.write_text(json.dumps(bench_problem(200, seed=6)), encoding="utf-8")
    for solver in ("highs", "flow"):
        assert main(["solve", str(source), "-o", str(tmp_path / f"{solver}.json"), "--solver", solver,
                     "--quiet", "--no-timings"]) == 0
    results = {s: json.loads((tmp_path / f"{s}.json").read_text(encoding="utf-8")) for s in ("highs", "flow")}
    assert results["flow"]["stats"].pop("solver")["name"] == "flow"
    results["highs"]["stats"].pop("solver")
    assert results["flow"] == results["highs"]


def test_a_time_limit_while_splitting_gives_the_greedy_allocation_with_the_relaxed_bound(monkeypatch):
    """The first network's allocation breaks a row; the time limit strikes in the next one."""
    prob = matching.load_problem(clash_problem())
    calls = []
    solve_node = solve_flow._solve_node

    def slow(*args, **kwargs):
        calls.append(1)
        node = solve_node(*args, **kwargs)
        if len(calls) > 1:
            node.cut = True
        return node
    monkeypatch.setattr(solve_flow, "_solve_node", slow)
    cut = matching.solve(prob, solver="flow", time_limit=60)
    assert matching.validate(prob, cut) == []
    assert cut.status is matching.Status.FEASIBLE and cut.stats["solver"]["name"] == "flow"
    assert cut.stats["cut_short"]["level"] == "youths placed"
    assert cut.levels[0].bound == 1 and not any(lv.proven for lv in cut.levels[1:])


def test_a_problem_field_the_flow_does_not_know_goes_to_highs_when_set(monkeypatch):
    """A rule added to the problem later (friends groups, say) is declined while it is used."""
    data = problem([{"id": "Y1"}, {"id": "Y2"}], [{"id": "O1"}], [("Y1", "O1", 1), ("Y2", "O1", 1)])
    highs, flow = both(data)
    assert flow.stats["solver"]["name"] == "flow"
    monkeypatch.setitem(solve_flow.KNOWN_INPUT, matching.Problem, {"policy", "youths", "offers", "applications",
                                                                    "locked", "forbidden"})
    highs, flow = both(data)
    assert flow.stats["solver"]["name"] == "flow"       # apart is empty: its default
    data["apart"] = [{"youths": ["Y1", "Y2"]}]
    highs, flow = both(data)
    assert flow.stats["solver"]["flow_declined"] == "the problem sets Problem.apart, which the flow does not know"


def test_cut_short_after_a_level_whose_allocation_breaks_left_out_rows_keeps_that_level(monkeypatch):
    """The time limit strikes after level 1, whose allocation breaks week cliques the network
    left out: placements are taken off until those rows hold, and level 1 stays proven."""
    data = bench_problem(1500, seed=4)
    prob = matching.load_problem(data)
    enc = encode(prob)
    levels = build_levels(enc, prob.policy)
    network = solve_flow.build_network(enc, levels)
    level_1 = solve_flow.FlowBackend(network).solve_level(levels[0], None)
    assert network.broken_rows(level_1.x.astype(int)), "level 1's allocation should break a left-out row here"

    class Clock:                      # a clock that passes the deadline once level 1 is solved
        now = 0.0

        @classmethod
        def perf_counter(cls) -> float:
            return cls.now
    solve_level = solve_flow.FlowBackend.solve_level

    def level_then_late(self, level, deadline):
        outcome = solve_level(self, level, deadline)
        Clock.now = 10.0
        return outcome
    monkeypatch.setattr(solve_flow, "time", Clock)
    monkeypatch.setattr(solve_flow.FlowBackend, "solve_level", level_then_late)
    answer = solve_flow.optimise(enc, levels, 5.0)
    assert answer.keeps_rows and [o.proven for o in answer.outcomes] == [True, False]
    assert not solve_flow.build_network(enc, levels).broken_rows(answer.x.astype(int))
    assert levels[0].value(answer.x.astype(int), has_place(enc, answer.x.astype(int))) == answer.outcomes[0].value


@pytest.mark.parametrize("rule", ["friends", "fewest participants"])
def test_friends_and_fewest_participants_go_to_highs(rule):
    """Neither is a network: a problem with either is solved by HiGHS, as if asked for it,
    and the result says why; with the rule's field left at its default the flow solves it."""
    youths = [{"id": f"Y{i}"} for i in range(4)]
    offers = [{"id": "O1", "capacity": 3, **({"min_participants": 3} if rule != "friends" else {})},
              {"id": "O2", "capacity": 2}]
    applications = [(f"Y{i}", o, r) for i in range(4) for r, o in enumerate(["O1", "O2"], start=1)]
    extra = {"friends": [("Y0", "Y3")], "policy": {"friends": True}} if rule == "friends" else {}
    highs, flow = both(problem(youths, offers, applications, **extra))
    assert flow.stats["solver"]["name"] == "highs" and flow.stats["solver"]["flow_declined"]
    plain = problem(youths, [{"id": "O1", "capacity": 3}, {"id": "O2", "capacity": 2}], applications)
    assert both(plain)[1].stats["solver"]["name"] == "flow"
