"""Result: what was decided, why, and how it was found, in the contract's format.

``to_json()`` is deterministic: keys and lists come in a fixed order, so the same
problem and seed give byte-identical files. The one exception is ``stats.timings``
(seconds measured on the machine); ``to_json(timings=False)`` (CLI: ``--no-timings``)
leaves it out so files can be compared byte for byte.
"""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any

RESULT_FORMAT = "youth-allocation-result/1"


class Status(enum.Enum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"


@dataclass(frozen=True)
class Assignment:
    youth: str
    offer: str
    rank: int | None


@dataclass(frozen=True)
class LevelValue:
    name: str
    value: int
    proven: bool
    bound: float | None = None   #: only for a level the time limit cut short


@dataclass(frozen=True)
class Reason:
    offer: str
    reason: str


@dataclass(frozen=True)
class Unplaced:
    youth: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Result:
    status: Status
    assignments: tuple[Assignment, ...]
    lottery: dict[str, int]
    levels: tuple[LevelValue, ...]
    unplaced: tuple[Unplaced, ...]
    stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, timings: bool = True) -> dict[str, Any]:
        stats = dict(self.stats)
        if not timings:
            stats.pop("timings", None)
        return {
            "format": RESULT_FORMAT,
            "status": self.status.value,
            "assignments": [_assignment(a) for a in self.assignments],
            "lottery": dict(self.lottery),
            "levels": [_level(lv) for lv in self.levels],
            "unplaced": [{"youth": u.youth, "reasons": [{"offer": r.offer, "reason": r.reason}
                                                        for r in u.reasons]} for u in self.unplaced],
            "stats": stats,
        }

    def to_json(self, timings: bool = True) -> str:
        return json.dumps(self.to_dict(timings), indent=1, ensure_ascii=False) + "\n"

    def placements_of(self, youth_id: str) -> list[Assignment]:
        return [a for a in self.assignments if a.youth == youth_id]


def _assignment(a: Assignment) -> dict[str, Any]:
    return {"youth": a.youth, "offer": a.offer, "rank": a.rank}


def _level(lv: LevelValue) -> dict[str, Any]:
    out: dict[str, Any] = {"name": lv.name, "value": lv.value, "proven": lv.proven}
    if lv.bound is not None:
        out["bound"] = lv.bound
        out["gap"] = abs(lv.bound - lv.value)
    return out

