"""Types shared by the solver back ends."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from matching.levels import Level

Progress = Callable[[int, int, str, float], None]


@dataclass(frozen=True)
class SolveOptions:
    solver: str = "highs"
    time_limit: float | None = None
    threads: int | None = None
    integer_programs: bool = False   #: every level as an integer program from the start


@dataclass
class LevelOutcome:
    """One level's result; ``value`` None means the time limit struck before any value."""
    name: str
    value: int | None
    proven: bool
    bound: float | None
    seconds: float
    x: np.ndarray | None = field(default=None, repr=False)
    lp: bool = False
    fractional: bool = False   #: the LP bound is not a whole number: re-solve as integer programs


class Backend(Protocol):
    """What the engine and the tie-break need of a solver back end (HiGHS or CBC)."""

    mip: bool

    def solve_level(self, level: Level, deadline: float | None) -> LevelOutcome:
        """Optimise one level over the kept face, then keep that level's optimal face."""

    def free_pairs(self) -> np.ndarray:
        """Indices of the pairs whose variable is not fixed yet."""

    def fix_pair(self, k: int, value: int) -> None: ...

    def maximize_pairs(self, x_coef: np.ndarray, deadline: float | None) -> tuple[float, np.ndarray] | None:
        """Best value of ``x_coef . x`` over the kept face and an integral optimum; None on time-out."""
