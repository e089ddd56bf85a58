"""Turn a 0/1 allocation into a Result with its explanations and statistics.

``stats`` holds: ``method``; ``solver`` (name, levels settled by an LP, pairs the
tie-break had to decide: the only part besides timings that may differ between solvers); ``youths``, ``applicants``, ``placed``, ``places``;
``by_rank`` (placements per rank, "unranked" for locks without an application);
``by_tier``, ``by_district``, ``by_gender``, ``by_age`` (applicants, placed, rate per
group, each youth in the group ``group_of`` names); ``timings`` (seconds per step, the
only part that varies between runs); and, when they apply, ``cut_short`` (the level the
time limit struck, its bound and gap: set by the engine) and ``lock_clashes`` (the only
stats of an infeasible result).

``group_of`` is the one definition of a youth's group in each dimension: the web
application's figures and season report count by it too.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

import numpy as np

from matching.encoder import Encoding
from matching.explain import unplaced_reasons
from matching.locks import LockClash
from matching.lottery import draw
from matching.problem import Problem, Youth
from matching.result import Assignment, LevelValue, Result, Status


def build_result(problem: Problem, enc: Encoding, x: np.ndarray, levels: tuple[LevelValue, ...],
                 status: Status, meta: dict[str, Any]) -> Result:
    assignments = tuple(Assignment(enc.youth_ids[enc.pair_youth[k]], enc.offer_ids[enc.pair_offer[k]],
                                   enc.pair_rank[k] or None) for k in np.flatnonzero(x))
    lottery = dict(zip(enc.youth_ids, enc.lottery, strict=True))
    stats = {**{k: v for k, v in meta.items() if k != "timings"},
             **statistics(problem, assignments), "timings": meta.get("timings", {})}
    return Result(status, assignments, lottery, levels, unplaced_reasons(problem, assignments), stats)


def infeasible_result(problem: Problem, clashes: list[LockClash]) -> Result:
    lottery = draw(problem.policy.seed, [y.id for y in problem.youths])
    stats = {"lock_clashes": [{"locks": [{"youth": p.youth, "offer": p.offer} for p in c.locks],
                               "reason": c.reason} for c in clashes]}
    return Result(Status.INFEASIBLE, (), lottery, (), (), stats)


#: The dimensions figures are counted by, and the group names for a missing value.
DIMENSIONS = ("tier", "district", "gender", "age")
NO_TIER = "none"
UNKNOWN = "unknown"


def group_of(problem: Problem, youth: Youth, dimension: str) -> str:
    """The youth's group in ``dimension``: their highest priority tier (``"none"``),
    district, legal gender (``"unknown"`` where missing), or age in years."""
    if dimension == "tier":
        return problem.tier_of(youth) or NO_TIER
    if dimension == "age":
        return str(youth.age)
    value = youth.district if dimension == "district" else youth.gender
    return value or UNKNOWN


def statistics(problem: Problem, assignments: Iterable[Assignment]) -> dict[str, Any]:
    """The ``stats`` of a result, apart from the solver's and the timings."""
    given = tuple(assignments)
    applicants = {a.youth for a in problem.applications} | {p.youth for p in problem.locked}
    placed = {a.youth for a in given}
    by_rank = Counter(str(a.rank) if a.rank else "unranked" for a in given)
    youths = [y for y in problem.youths if y.id in applicants]
    return {
        "youths": len(problem.youths), "applicants": len(applicants),
        "placed": len(placed), "places": len(given),
        "by_rank": {k: by_rank[k] for k in sorted(by_rank, key=lambda r: (r == "unranked", int(r) if r.isdigit() else 0))},
        **{f"by_{dimension}": _rates(((group_of(problem, y, dimension), y.id) for y in youths),
                                     placed) for dimension in DIMENSIONS},
    }


def _rates(labelled: Iterable[tuple[str, str]], placed: set[str]) -> dict[str, dict[str, Any]]:
    total: Counter[str] = Counter()
    got: Counter[str] = Counter()
    for label, youth_id in labelled:
        total[label] += 1
        got[label] += youth_id in placed
    return {label: {"applicants": total[label], "placed": got[label],
                    "rate": round(got[label] / total[label], 4)} for label in sorted(total)}
