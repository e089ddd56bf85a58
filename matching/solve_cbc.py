"""Lexicographic solve with CBC through PuLP: one integer program per level.

CBC is the alternative solver, meant for audits and small problems: each level is
solved to proven optimality as an integer program (gap 0) and then kept with an exact
row "this level's objective >= its optimum" before the next level. It reaches the same
level values as HiGHS; it is not tuned for 100,000 youths.
"""
from __future__ import annotations

import shutil
import time
from typing import Any

import numpy as np
import pulp

from matching.levels import Level
from matching.model import Model
from matching.solve_common import LevelOutcome, SolveOptions


def _cbc_path() -> str:
    """A ``cbc`` on PATH, else the binary bundled in PuLP's wheel (PULP_CBC_CMD is deprecated in 3.x)."""
    return shutil.which("cbc") or pulp.PULP_CBC_CMD.pulp_cbc_path


def cbc_solver(**options: Any) -> pulp.COIN_CMD:
    return pulp.COIN_CMD(path=_cbc_path(), **options)


def cbc_available() -> bool:
    return bool(cbc_solver(msg=False).available())


class CbcBackend:
    def __init__(self, model: Model, options: SolveOptions, n_youths: int) -> None:
        self.model, self.options = model, options
        self.guards = 0
        self.mip = True

    def _expr(self, x_coef: np.ndarray, y_coef: np.ndarray | None = None,
              w_coef: np.ndarray | None = None) -> pulp.LpAffineExpression:
        terms = [(v, int(c)) for v, c in zip(self.model.x, x_coef, strict=True) if c]
        if y_coef is not None:
            terms += [(v, int(y_coef[i])) for i, v in self.model.y.items() if y_coef[i]]
        if w_coef is not None and w_coef.size:
            terms += [(v, int(c)) for v, c in zip(self.model.w, w_coef, strict=True) if c]
        return pulp.LpAffineExpression(terms)

    def _solve(self, expr: pulp.LpAffineExpression, deadline: float | None) -> tuple[bool, bool]:
        """(found, proven): a solution was found (optimal or merely feasible), and its
        optimality was proven."""
        prob = self.model.problem
        prob.setObjective(expr)
        limit = None if deadline is None else max(1, int(deadline - time.perf_counter()))
        solver = cbc_solver(msg=False, timeLimit=limit, threads=self.options.threads, gapRel=0.0)
        prob.solve(solver)
        proven = prob.status == pulp.LpStatusOptimal and prob.sol_status == pulp.LpSolutionOptimal
        found = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
        return found, proven

    def x_values(self) -> np.ndarray:
        return np.array([v.value() or 0.0 for v in self.model.x])

    def solve_level(self, level: Level, deadline: float | None) -> LevelOutcome:
        expr = self._expr(level.x_coef, level.y_coef, level.w_coef)
        start = time.perf_counter()
        if not expr:
            return LevelOutcome(level.name, 0, True, None, 0.0, x=None)
        found, proven = self._solve(expr, deadline)
        seconds = time.perf_counter() - start
        if not proven:
            return LevelOutcome(level.name, None, False, None, seconds)
        raw = int(round(pulp.value(expr)))
        self.keep_optimal_face(expr, raw)
        return LevelOutcome(level.name, level.sign * raw, True, None, seconds, x=self.x_values())

    def keep_optimal_face(self, expr: pulp.LpAffineExpression, raw: float) -> None:
        self.guards += 1
        name = f"level_{self.guards}"
        self.model.problem.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintGE, name, raw), name)

    def free_pairs(self) -> np.ndarray:
        return np.array([k for k, v in enumerate(self.model.x) if v.lowBound != v.upBound], dtype=np.int64)

    def fix_pair(self, k: int, value: int) -> None:
        self.model.x[k].bounds(value, value)

    def maximize_pairs(self, x_coef: np.ndarray, deadline: float | None) -> tuple[float, np.ndarray] | None:
        expr = self._expr(x_coef)
        if not expr:
            return 0.0, self.x_values()
        found, proven = self._solve(expr, deadline)
        if not proven:
            return None
        return float(pulp.value(expr)), self.x_values()
