"""Lexicographic solve with HiGHS: one LP per level, warm-started, faces kept by duality.

Why this is exact. At each level we solve the LP relaxation over the current set F.
By complementary slackness the LP's optimal face is F with every column of nonzero
reduced cost fixed at its bound and every row of nonzero dual made an equality, so we
apply exactly those changes (cheap: bounds only) instead of adding the level's objective
as a dense row. As a guard against rounding in the duals (only clearly nonzero reduced
costs are used) we also add the level's objective over the still-free columns as a row,
which is short because most columns are fixed by then.

The LP values are upper bounds. They are the integer optima, level by level, as soon as
one integral point reaches all of them; the final vertex is checked for exactly that
(``matching.engine`` verifies it). If it is not integral, the caller re-solves with
``mip=True``: integer programs with exact guard rows, each proven optimal by HiGHS.

A model with more than packing rows (minimum sizes, friend pairs: ``Model.needs_mip``)
is solved *mixed*: each level first as an LP on the kept face; if that vertex is integral
in x it is an integer optimum (with y, z and w completed from x, every level's costs on
y and w being nonnegative, the completion is feasible and at least as good), and the
face is kept by duals as above;
otherwise that one level is solved again as an integer program over the same face (no
face was cut yet) and kept by its exact guard row, and the next level is an LP again.
Every level value is then an integer optimum, given the ones before.
"""
from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator

import highspy
import numpy as np
import pulp

from matching.levels import Level
from matching.model import Model
from matching.solve_common import LevelOutcome, SolveOptions

INT_TOL = 1e-6
INF = highspy.kHighsInf
OK = highspy.HighsModelStatus.kOptimal
COUNT_IPM_COLUMNS = 300_000     #: from this size on, the youths-placed level uses interior point


_pool: dict[str, object] = {}     #: the thread count HiGHS' process-wide pool was started with


def _use_threads(threads: int | None) -> None:
    """HiGHS keeps one thread pool per process; a different thread count needs a fresh pool."""
    if "threads" in _pool and _pool["threads"] != threads:
        highspy.Highs.resetGlobalScheduler(True)
    _pool["threads"] = threads


class HighsBackend:
    """The HiGHS instance PuLP loaded, edited in place level after level."""

    def __init__(self, model: Model, options: SolveOptions, n_youths: int, mip: bool = False) -> None:
        _use_threads(options.threads)
        solver = pulp.HiGHS(mip=False, msg=False, threads=options.threads, presolve="off",
                            mip_rel_gap=0.0, mip_abs_gap=1e-6)
        if _pool.get("banner_shown"):
            solver.createAndConfigureSolver(model.problem)
        else:
            with _quiet_stdout():                   # highspy prints a banner on its first instance
                solver.createAndConfigureSolver(model.problem)
            _pool["banner_shown"] = True
        solver.buildSolverModel(model.problem)      # PuLP's own loader; timed in the bench
        self.h: highspy.Highs = model.problem.solverModel
        self.x_col = np.fromiter((v.index for v in model.x), dtype=np.int64, count=len(model.x))
        self.y_col = np.full(n_youths, -1, dtype=np.int64)
        for i, var in model.y.items():
            self.y_col[i] = var.index
        self.w_col = np.fromiter((v.index for v in model.w), dtype=np.int64, count=len(model.w))
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        lp = self.h.getLp()
        self.lower, self.upper = np.array(lp.col_lower_), np.array(lp.col_upper_)
        self.n_cols = self.h.getNumCol()
        self.mip = False
        self.mixed = model.needs_mip
        self.after_ipm = False
        if mip:
            self._set_integrality(True)

    def _set_integrality(self, on: bool) -> None:
        kind = highspy.HighsVarType.kInteger if on else highspy.HighsVarType.kContinuous
        self.h.changeColsIntegrality(self.n_cols, np.arange(self.n_cols, dtype=np.int32),
                                     np.full(self.n_cols, kind))
        self.h.setOptionValue("presolve", "on" if on else "off")   # presolve helps MIP, hurts our LPs
        self.mip = on

    def _run(self, costs: np.ndarray, deadline: float | None) -> highspy.HighsModelStatus:
        h = self.h
        if self.after_ipm:
            self._restart_from_basis()
        h.changeColsCost(self.n_cols, np.arange(self.n_cols, dtype=np.int32), costs)
        remaining = INF if deadline is None else max(0.01, deadline - time.perf_counter())
        h.setOptionValue("time_limit", float(remaining))
        h.run()
        self.after_ipm = _option(h, "solver") == "ipm"   # read back: "count" may have chosen it
        return h.getModelStatus()

    def _choose_method(self, method: str) -> None:
        """"primal" is HiGHS' primal simplex, "simplex" its (default) dual simplex.

        "count" (the youths-placed level) needs about one pivot per youth placed from the
        previous level's basis. Measured on the benchmark: at 20,000 youths (106,000
        columns) primal simplex 4.8 s, interior point + crossover 9.3 s, dual simplex 22 s;
        at 100,000 youths (600,000 columns) interior point 118 s, primal simplex 189 s.
        """
        if method == "count":
            method = "primal" if self.n_cols < COUNT_IPM_COLUMNS else "ipm"
        self.h.setOptionValue("solver", "simplex" if method == "primal" else method)
        self.h.setOptionValue("simplex_strategy", 4 if method == "primal" else 1)

    def _retry_cold(self, costs: np.ndarray, deadline: float | None) -> highspy.HighsModelStatus:
        """HiGHS occasionally ends a warm-started simplex with status Unknown; solve again from scratch."""
        self.h.clearSolver()
        self._choose_method("choose" if self.mip else "primal")
        return self._run(costs, deadline)

    def _restart_from_basis(self) -> None:
        """Re-enter the crossover basis afresh before the next simplex solve.

        Observed with HiGHS 1.16: after an interior-point solve with crossover, changing
        bounds and costs and running the simplex crashed (segmentation fault) or ended
        with status Unknown. Clearing the solver and setting the same basis avoids it,
        at the cost of one refactorisation.
        """
        basis = self.h.getBasis()
        self.h.clearSolver()
        if basis.valid:
            self.h.setBasis(basis)

    def costs(self, x_coef: np.ndarray, y_coef: np.ndarray | None = None,
              w_coef: np.ndarray | None = None) -> np.ndarray:
        costs = np.zeros(self.n_cols, dtype=np.float64)
        costs[self.x_col] = x_coef
        if y_coef is not None:
            has_y = self.y_col >= 0
            costs[self.y_col[has_y]] = y_coef[has_y]
        if w_coef is not None and w_coef.size:
            costs[self.w_col] = w_coef
        return costs

    def solve_level(self, level: Level, deadline: float | None) -> LevelOutcome:
        costs = self.costs(level.x_coef, level.y_coef, level.w_coef)
        start = time.perf_counter()
        status = self._solve(costs, level.method, deadline)
        if self.mixed and not self.mip and status == OK and not self._integral_point():
            self._set_integrality(True)
            try:
                return self._outcome(level, costs, self._solve(costs, level.method, deadline), start)
            finally:
                self._set_integrality(False)
        return self._outcome(level, costs, status, start)

    def _integral_point(self) -> bool:
        """The LP solution is an integer point: in every column, or for a mixed model in x."""
        values = np.asarray(self.h.getSolution().col_value)
        return _integral(values[self.x_col] if self.mixed else values)

    def _solve(self, costs: np.ndarray, method: str, deadline: float | None) -> highspy.HighsModelStatus:
        self._choose_method("choose" if self.mip else method)
        status = self._run(costs, deadline)
        if status not in (OK, highspy.HighsModelStatus.kTimeLimit):
            status = self._retry_cold(costs, deadline)
        return status

    def _outcome(self, level: Level, costs: np.ndarray, status: highspy.HighsModelStatus,
                 start: float) -> LevelOutcome:
        seconds = time.perf_counter() - start
        if status == highspy.HighsModelStatus.kTimeLimit:
            bound = float(self.h.getInfo().mip_dual_bound) if self.mip else None
            return LevelOutcome(level.name, None, False, None if bound is None else level.sign * bound, seconds)
        if status != OK:
            raise RuntimeError(f"HiGHS ended level {level.name!r}: {self.h.modelStatusToString(status)}")
        objective = self.h.getInfo().objective_function_value
        raw = int(round(objective))
        if abs(objective - raw) > INT_TOL * max(1.0, abs(objective)):
            return LevelOutcome(level.name, None, False, None, seconds, fractional=True)
        self.keep_optimal_face(costs, raw)
        return LevelOutcome(level.name, level.sign * raw, True, None, seconds, x=self.x_values(), lp=not self.mip)

    def x_values(self) -> np.ndarray:
        return np.asarray(self.h.getSolution().col_value)[self.x_col]

    def keep_optimal_face(self, costs: np.ndarray, raw: float) -> None:
        if not self.mip:
            self._fix_by_duals(costs)
        self._add_guard_row(costs, raw)

    def _fix_by_duals(self, costs: np.ndarray) -> None:
        """Complementary slackness: nonzero reduced cost -> column at its bound; nonzero dual -> row tight."""
        h, sol = self.h, self.h.getSolution()
        tol = 1e-7 * max(1.0, float(np.abs(costs).max(initial=0.0)))
        values, duals = np.asarray(sol.col_value), np.asarray(sol.col_dual)
        cols = np.flatnonzero((np.abs(duals) > tol) & (self.lower < self.upper)).astype(np.int32)
        if cols.size:
            fixed = np.rint(values[cols])
            h.changeColsBounds(cols.size, cols, fixed, fixed)
            self.lower[cols], self.upper[cols] = fixed, fixed
        row_values, row_duals = np.asarray(sol.row_value), np.asarray(sol.row_dual)
        rows = np.flatnonzero(np.abs(row_duals) > tol).astype(np.int32)
        if rows.size:
            active = np.rint(row_values[rows])
            h.changeRowsBounds(rows.size, rows, active, active)  # type: ignore[attr-defined]  # in highspy 1.16, not in its stubs

    def _add_guard_row(self, costs: np.ndarray, raw: float) -> None:
        """costs . x >= raw over the columns not yet fixed (fixed ones move into the bound)."""
        nonzero = costs != 0
        fixed = nonzero & (self.lower == self.upper)
        free = np.flatnonzero(nonzero & ~fixed).astype(np.int32)
        if free.size:
            rhs = raw - float(costs[fixed] @ self.lower[fixed])
            self.h.addRow(rhs, INF, free.size, free, costs[free])

    # --- used by the lottery tie-break -------------------------------------------------
    def free_pairs(self) -> np.ndarray:
        cols = self.x_col
        return np.flatnonzero(self.lower[cols] < self.upper[cols])

    def fix_pair(self, k: int, value: int) -> None:
        col = int(self.x_col[k])
        self.h.changeColBounds(col, float(value), float(value))
        self.lower[col] = self.upper[col] = value

    def maximize_pairs(self, x_coef: np.ndarray, deadline: float | None) -> tuple[float, np.ndarray] | None:
        """Best value of x_coef . x over the kept face and an integral optimum; None on time-out."""
        costs = self.costs(x_coef)
        self._choose_method("choose" if self.mip else "simplex")
        status = self._run(costs, deadline)
        if status not in (OK, highspy.HighsModelStatus.kTimeLimit):
            status = self._retry_cold(costs, deadline)
        if status != OK:
            return None
        values = np.asarray(self.h.getSolution().col_value)
        if not self.mip and not self._integral_point():
            self._set_integrality(True)
            try:
                return self.maximize_pairs(x_coef, deadline)
            finally:
                self._set_integrality(False)
        return float(self.h.getInfo().objective_function_value), values[self.x_col]


def _option(h: highspy.Highs, name: str) -> object:
    """An option's value: highspy 1.16 answers ``(status, value)``, older releases the value."""
    answer: object = h.getOptionValue(name)
    return answer[1] if isinstance(answer, tuple) else answer


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence C-level stdout (not Python's): stdout may be the user's JSON output."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _integral(values: np.ndarray) -> bool:
    return bool(np.all(np.abs(values - np.rint(values)) <= INT_TOL))
