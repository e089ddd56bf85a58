"""Turn a 0/1 allocation into a Result with its explanations and statistics.

``stats`` holds: ``method``; ``solver`` (name, levels settled by an LP, pairs the
tie-break had to decide: the only part besides timings that may differ between solvers); ``youths``, ``applicants``, ``placed``, ``places``;
``by_rank`` (placements per rank, "unranked" for locks without an application);
``by_tier``, ``by_district``, ``by_gender`` (applicants, placed, rate);
``timings`` (seconds per step, the only part that varies between runs); and, when they
apply, ``cut_short`` (the level the time limit struck, its bound and gap: set by the
engine) and ``lock_clashes`` (the only stats of an infeasible result).
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

import numpy as np

from matching.encoder import Encoding
from matching.explain import unplaced_reasons
from matching.locks import LockClash
from matching.lottery import draw
from matching.problem import Problem
from matching.result import Assignment, LevelValue, Result, Status


def build_result(problem: Problem, enc: Encoding, x: np.ndarray, levels: tuple[LevelValue, ...],
                 status: Status, meta: dict[str, Any]) -> Result:
    assignments = tuple(Assignment(enc.youth_ids[enc.pair_youth[k]], enc.offer_ids[enc.pair_offer[k]],
                                   enc.pair_rank[k] or None) for k in np.flatnonzero(x))
    lottery = dict(zip(enc.youth_ids, enc.lottery, strict=True))
    stats = {**{k: v for k, v in meta.items() if k != "timings"},
             **_statistics(problem, assignments), "timings": meta.get("timings", {})}
    return Result(status, assignments, lottery, levels, unplaced_reasons(problem, assignments), stats)


def infeasible_result(problem: Problem, clashes: list[LockClash]) -> Result:
    lottery = draw(problem.policy.seed, [y.id for y in problem.youths])
    stats = {"lock_clashes": [{"locks": [{"youth": p.youth, "offer": p.offer} for p in c.locks],
                               "reason": c.reason} for c in clashes]}
    return Result(Status.INFEASIBLE, (), lottery, (), (), stats)


def _statistics(problem: Problem, assignments: tuple[Assignment, ...]) -> dict[str, Any]:
    applicants = {a.youth for a in problem.applications} | {p.youth for p in problem.locked}
    placed = {a.youth for a in assignments}
    by_rank = Counter(str(a.rank) if a.rank else "unranked" for a in assignments)
    youths = [y for y in problem.youths if y.id in applicants]
    return {
        "youths": len(problem.youths), "applicants": len(applicants),
        "placed": len(placed), "places": len(assignments),
        "by_rank": {k: by_rank[k] for k in sorted(by_rank, key=lambda r: (r == "unranked", int(r) if r.isdigit() else 0))},
        "by_tier": _rates(((problem.tier_of(y) or "none", y.id) for y in youths), placed),
        "by_district": _rates(((y.district or "unknown", y.id) for y in youths), placed),
        "by_gender": _rates(((y.gender or "unknown", y.id) for y in youths), placed),
    }


def _rates(labelled: Iterable[tuple[str, str]], placed: set[str]) -> dict[str, dict[str, Any]]:
    total: Counter[str] = Counter()
    got: Counter[str] = Counter()
    for label, youth_id in labelled:
        total[label] += 1
        got[label] += youth_id in placed
    return {label: {"applicants": total[label], "placed": got[label],
                    "rate": round(got[label] / total[label], 4)} for label in sorted(total)}
