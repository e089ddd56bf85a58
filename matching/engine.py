"""Solve: Problem -> Encoder -> Model -> levels in order -> tie-break -> Result.

This is the one place that picks the solver. It also refuses to report anything it
has not proven: at the end the allocation's own level values are recomputed from
scratch and must equal the optima found level by level.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from matching.encoder import Encoding, encode
from matching.levels import Level, build_levels, has_place, together
from matching.locks import lock_clashes
from matching.model import build_model
from matching.problem import Problem
from matching.report import build_result, infeasible_result
from matching.result import LevelValue, Result, Status
from matching.rsd import fill_greedily, priority_greedy, serial_dictatorship
from matching.stable import deferred_acceptance
from matching.solve_common import Backend, LevelOutcome, Progress, SolveOptions
from matching.tiebreak import pin_unique

SOLVERS = ("highs", "cbc", "flow")
METHODS = ("optimal", "rsd", "stable")


def solve(problem: Problem, solver: str = "highs", time_limit: float | None = None,
          threads: int | None = None, method: str = "optimal", progress: Progress | None = None,
          *, integer_programs: bool = False, lottery_score: bool = True) -> Result:
    """Allocate. ``method``: ``"optimal"`` (coverage-first, the published levels, proven),
    ``"stable"`` (deferred acceptance by tier then lottery: no justified envy, see
    ``matching.stable``) or ``"rsd"`` (serial dictatorship in lottery order, a baseline).
    The result's ``stats.method`` names it. ``progress(level_index, level_count, level_name, elapsed_seconds)`` is called per level.

    Two switches are for tests and audits of the method, never for allocating a round:
    ``integer_programs=True`` solves every level as an integer program from the start (with
    HiGHS the path otherwise taken only when an LP bound is fractional; CBC always does), and
    ``lottery_score=False`` leaves the last level out, so the tie-break alone settles what the
    earlier levels leave open; the result then lists those levels only.
    """
    if solver not in SOLVERS or method not in METHODS:
        raise ValueError(f"solver must be one of {SOLVERS} and method one of {METHODS}")
    clock = _Clock(time_limit)
    clashes = lock_clashes(problem)
    if clashes:
        return infeasible_result(problem, clashes)
    enc = encode(problem)
    clock.mark("encode")
    levels = build_levels(enc, problem.policy)
    if not lottery_score:
        levels = levels[:-1]
    if method == "rsd":
        x = serial_dictatorship(enc, problem)
        clock.mark("rsd")
        return _finish(problem, enc, levels, x, [], Status.FEASIBLE, clock, {"method": "rsd"})
    if method == "stable":
        x = deferred_acceptance(enc, problem)
        clock.mark("stable")
        return _finish(problem, enc, levels, x, [], Status.FEASIBLE, clock, {"method": "stable"})
    options = SolveOptions(solver, time_limit, threads, integer_programs)
    return _optimise(problem, enc, levels, options, clock, progress)


class _Clock:
    def __init__(self, time_limit: float | None) -> None:
        self.start = time.perf_counter()
        self.deadline = None if time_limit is None else self.start + time_limit
        self.last = self.start
        self.timings: dict[str, float] = {}

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self.last, 3)
        self.last = now

    def elapsed(self) -> float:
        return time.perf_counter() - self.start


def _backend(enc: Encoding, options: SolveOptions, mip: bool = False,
             clock: _Clock | None = None) -> Backend:
    model = build_model(enc)
    if clock:
        clock.mark("model")
    if options.solver == "cbc":
        from matching.solve_cbc import CbcBackend
        return CbcBackend(model, options, len(enc.youth_ids))
    from matching.solve_highs import HighsBackend
    return HighsBackend(model, options, len(enc.youth_ids), mip=mip)


def _optimise(problem: Problem, enc: Encoding, levels: list[Level], options: SolveOptions,
              clock: _Clock, progress: Progress | None) -> Result:
    declined = None
    if options.solver == "flow":
        flow = _optimise_flow(problem, enc, levels, clock, progress) if not options.integer_programs \
            else "integer programs were asked for"
        if isinstance(flow, Result):
            return flow
        declined, options = flow, replace(options, solver="highs")
        clock.timings = {k if k == "encode" else f"flow, {k}": v for k, v in clock.timings.items()}
    backend = _backend(enc, options, mip=options.integer_programs, clock=clock)
    clock.mark("load")
    outcomes, x = _run_levels(backend, levels, clock, progress)
    if outcomes[-1].fractional or (outcomes[-1].proven and not _reaches_all(enc, levels, outcomes, x)):
        clock.timings = {f"LP attempt, {k}" if k.startswith("level") else k: v for k, v in clock.timings.items()}
        backend = _backend(enc, options, mip=True)     # a fractional vertex: prove each level as a MIP
        outcomes, x = _run_levels(backend, levels, clock, progress)
    solver: dict[str, Any] = {"name": options.solver, "lp_levels": sum(o.lp for o in outcomes)}
    if declined:
        solver["flow_declined"] = declined
    meta: dict[str, Any] = {"method": "optimal", "solver": solver}
    if not outcomes[-1].proven:
        return _cut_short(problem, enc, levels, outcomes, x, clock, meta)
    if x is None:   # every proven level hands back its allocation, and all-empty levels give zeros
        raise RuntimeError("no allocation after the levels; please report this problem file")
    x, decided, finished = pin_unique(backend, enc, x, clock.deadline)
    clock.mark("tie_break")
    solver["tie_break_pairs"] = decided
    if not _reaches_all(enc, levels, outcomes, x):
        raise RuntimeError("the tie-break left the optimal face; please report this problem file")
    if not finished:
        meta["cut_short"] = {"level": "tie-break", "bound": None, "gap": None}
    return _finish(problem, enc, levels, x, outcomes, Status.OPTIMAL if finished else Status.FEASIBLE, clock, meta)


def _optimise_flow(problem: Problem, enc: Encoding, levels: list[Level], clock: _Clock,
                   progress: Progress | None) -> Result | str:
    """The levels as min-cost flows (``matching.solve_flow``); instead of a result, why not."""
    from matching.solve_flow import NotANetwork, check_input, keeps_every_row, optimise

    def show(n: int, name: str) -> None:
        if progress:
            progress(n, len(levels), name, clock.elapsed())
    try:
        check_input(problem)
        answer = optimise(enc, levels, clock.deadline, show)
    except NotANetwork as why:
        return str(why)
    clock.timings.update(answer.timings)
    clock.last = time.perf_counter()
    outcomes, x = answer.outcomes, answer.x
    solver = {"name": "flow", "lp_levels": sum(o.lp for o in outcomes), "networks": answer.networks}
    meta: dict[str, Any] = {"method": "optimal", "solver": solver}
    if not outcomes[-1].proven:
        return _cut_short(problem, enc, levels, outcomes, x if answer.keeps_rows else None, clock, meta)
    if x is None or not _reaches_all(enc, levels, outcomes, x) or not keeps_every_row(enc, x):
        raise RuntimeError("the flow's allocation breaks a row or misses a level; please report this problem file")
    solver["tie_break_pairs"] = answer.decided
    if not answer.finished:
        meta["cut_short"] = {"level": "tie-break", "bound": None, "gap": None}
    status = Status.OPTIMAL if answer.finished else Status.FEASIBLE
    return _finish(problem, enc, levels, x, outcomes, status, clock, meta)


def _run_levels(backend: Backend, levels: list[Level], clock: _Clock,
                progress: Progress | None) -> tuple[list[LevelOutcome], np.ndarray | None]:
    outcomes: list[LevelOutcome] = []
    x = None if not levels or not all(lv.is_empty for lv in levels) else np.zeros(levels[0].x_coef.size)
    for n, level in enumerate(levels):
        if progress:
            progress(n, len(levels), level.name, clock.elapsed())
        if level.is_empty:
            outcomes.append(LevelOutcome(level.name, 0, True, None, 0.0))
            continue
        if clock.deadline is not None and time.perf_counter() >= clock.deadline:
            outcomes.append(LevelOutcome(level.name, None, False, None, 0.0))
            break
        outcome = backend.solve_level(level, clock.deadline)
        outcomes.append(outcome)
        clock.mark(f"level {n + 1}: {level.name}")
        if not outcome.proven:
            break
        x = outcome.x if outcome.x is not None else x
    return outcomes, x


def _reaches_all(enc: Encoding, levels: list[Level], outcomes: list[LevelOutcome], x: np.ndarray | None) -> bool:
    """An integral allocation reaching every level's bound proves every level optimal."""
    if x is None:
        return all(o.value == 0 for o in outcomes)
    if np.any(np.abs(x - np.rint(x)) > 1e-6):
        return False
    xi = np.rint(x).astype(np.int64)
    y, w = has_place(enc, xi), together(enc, xi)
    return all(lv.value(xi, y, w) == o.value for lv, o in zip(levels, outcomes, strict=False))  # outcomes stop at a cut level


def _cut_short(problem: Problem, enc: Encoding, levels: list[Level], outcomes: list[LevelOutcome],
               x: np.ndarray | None, clock: _Clock, meta: dict[str, Any]) -> Result:
    """Time limit: the last integral allocation (or a tier-first greedy one), filled up so nobody could just be added."""
    proven = outcomes[:-1]
    if x is None or not _reaches_all(enc, levels[:len(proven)], proven, x):
        x = priority_greedy(enc, problem)
    x = fill_greedily(enc, problem, np.rint(x).astype(np.int64))
    cut = outcomes[-1]
    level = levels[len(outcomes) - 1]
    value = level.value(x, has_place(enc, x), together(enc, x))
    bound = level.crude_bound() if cut.bound is None else cut.bound   # HiGHS' bound when it has one
    meta["cut_short"] = {"level": cut.name, "bound": bound, "gap": abs(bound - value)}
    cut.bound = bound
    return _finish(problem, enc, levels, x, outcomes, Status.FEASIBLE, clock, meta)


def _finish(problem: Problem, enc: Encoding, levels: list[Level], x: np.ndarray | None,
            outcomes: list[LevelOutcome], status: Status, clock: _Clock, meta: dict[str, Any]) -> Result:
    xi = np.rint(x).astype(np.int64) if x is not None else np.zeros(enc.n_pairs, np.int64)
    y, w = has_place(enc, xi), together(enc, xi)
    values = []
    for n, level in enumerate(levels):
        value = level.value(xi, y, w)
        outcome = outcomes[n] if n < len(outcomes) else None
        proven = outcome is not None and outcome.proven and outcome.value == value
        bound = outcome.bound if outcome is not None and not outcome.proven else None
        values.append(LevelValue(level.name, value, proven, bound))
    clock.mark("result")
    return build_result(problem, enc, xi, tuple(values), status, {**meta, "timings": dict(clock.timings)})
