"""Types shared by the solver back ends."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

Progress = Callable[[int, int, str, float], None]


@dataclass(frozen=True)
class SolveOptions:
    solver: str = "highs"
    time_limit: float | None = None
    threads: int | None = None


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
