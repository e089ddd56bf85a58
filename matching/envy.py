"""Justified envy, counted exactly for any result (any method), from the problem and the result only.

Priority is the one order ``method="stable"`` uses at every offer: the youth's priority tier
(first tier of ``policy.priority_tiers`` highest, no tier last), then the lottery number
(lower first). Write H for what youth y holds in the result and, for an offer o that y
applied for, K(y, o) for y's locked places together with the places of H that y ranks
above o. Then y *would take* o when y does not hold o, the pair is allowed (age fits, not
forbidden), and K(y, o) plus o keeps y's own rules (places, jobs, no two offers sharing a
week): y would give up the places ranked below o, if need be, to get o.

- **Justified envy** of y towards y' at o: y would take o, y' holds o without a lock and
  has lower priority than y, and no youth on o other than y' is in an apart group with y
  (so y could sit in y''s seat without breaking rule 7).
- **Unclaimed seat** for y at o: y would take o, o has a free seat, and no youth on o is
  in an apart group with y.

A locked holder is never envied: a lock is a caseworker's decision, not a priority claim.
An offer that did not run (a ``min_participants`` above 1, nobody on it, no lock) is
nobody's to take: no envy and no unclaimed seat there.
A result without justified envy and unclaimed seats is *stable*; ``method="stable"``
always gives one (see ``matching.stable``).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from matching.lottery import draw
from matching.problem import Problem
from matching.report import NO_TIER
from matching.result import Result, Status


@dataclass(frozen=True)
class Envy:
    youth: str        #: who envies
    offer: str
    holder: str       #: who holds the seat, with lower priority


@dataclass(frozen=True)
class EnvyReport:
    envies: tuple[Envy, ...]                          #: every (youth, offer, holder), sorted
    unclaimed: tuple[tuple[str, str], ...]            #: every (youth, offer) with a free seat they would take
    by_tier: dict[str, int] = field(default_factory=dict)   #: youths with justified envy per tier ("none")
    unplaced: int = 0                                 #: of the envious youths, those with no place at all

    @property
    def youths(self) -> int:
        """Youths with justified envy towards at least one youth."""
        return len({e.youth for e in self.envies})

    @property
    def stable(self) -> bool:
        return not self.envies and not self.unclaimed

    def to_dict(self) -> dict[str, Any]:
        return {"youths": self.youths, "envies": len(self.envies), "by_tier": dict(self.by_tier),
                "unplaced": self.unplaced,
                "unclaimed_youths": len({y for y, _ in self.unclaimed}), "unclaimed": len(self.unclaimed)}


def priority_key(problem: Problem) -> dict[str, tuple[int, int]]:
    """Youth id -> (tier index, lottery number); smaller is higher priority."""
    tiers = problem.policy.priority_tiers
    numbers = draw(problem.policy.seed, [y.id for y in problem.youths])
    out = {}
    for youth in problem.youths:
        tier = problem.tier_of(youth)
        out[youth.id] = (tiers.index(tier) if tier is not None else len(tiers), numbers[youth.id])
    return out


def justified_envy(problem: Problem, result: Result) -> EnvyReport:
    """Every justified envy and unclaimed seat in ``result`` (an infeasible result has none)."""
    if result.status is Status.INFEASIBLE:
        return EnvyReport((), (), {})
    priority = priority_key(problem)
    held: dict[str, set[str]] = defaultdict(set)
    on_offer: dict[str, set[str]] = defaultdict(set)
    for a in result.assignments:
        held[a.youth].add(a.offer)
        on_offer[a.offer].add(a.youth)
    locked = {(p.youth, p.offer) for p in problem.locked}
    forbidden = {(p.youth, p.offer) for p in problem.forbidden}
    ranks = {(a.youth, a.offer): a.rank for a in problem.applications}
    apart_of: dict[str, set[str]] = defaultdict(set)
    for group in problem.apart:
        for member in group:
            apart_of[member].update(m for m in group if m != member)
    envies: list[Envy] = []
    unclaimed: list[tuple[str, str]] = []
    cancelled = {o.id for o in problem.offers if o.min_participants > 1 and not on_offer[o.id]}
    for app in problem.applications:
        y, o = app.youth, app.offer
        if o in held[y] or o in cancelled or (y, o) in forbidden \
                or not _would_take(problem, y, o, held[y], ranks, locked):
            continue
        offer = problem.offer(o)
        mates = on_offer[o] & apart_of[y]
        if len(on_offer[o]) < offer.capacity and not mates:
            unclaimed.append((y, o))
        for other in on_offer[o]:
            if (other, o) not in locked and priority[other] > priority[y] and mates <= {other}:
                envies.append(Envy(y, o, other))
    envies.sort(key=lambda e: (e.youth, e.offer, e.holder))
    unclaimed.sort()
    envious = {e.youth for e in envies}
    tiers = _by_tier(problem, envious)
    return EnvyReport(tuple(envies), tuple(unclaimed), tiers, sum(not held[y] for y in envious))


def _would_take(problem: Problem, y: str, o: str, held: set[str], ranks: dict[tuple[str, str], int],
                locked: set[tuple[str, str]]) -> bool:
    youth, offer, policy = problem.youth(y), problem.offer(o), problem.policy
    if not offer.min_age <= youth.age <= offer.max_age:
        return False
    rank = ranks[(y, o)]
    keep = [problem.offer(h) for h in held
            if (y, h) in locked or ((y, h) in ranks and ranks[(y, h)] < rank)]
    if len(keep) + 1 > policy.max_places_per_youth:
        return False
    if offer.is_job and sum(k.is_job for k in keep) + 1 > policy.max_jobs_per_youth:
        return False
    weeks = set(offer.weeks)
    return not any(weeks & set(k.weeks) for k in keep)


def _by_tier(problem: Problem, youths: set[str]) -> dict[str, int]:
    """Youths per tier group, every tier named (0 where none), ``"none"`` last."""
    counts = {t: 0 for t in problem.policy.priority_tiers}
    counts[NO_TIER] = 0
    for youth in problem.youths:
        if youth.id in youths:
            counts[problem.tier_of(youth) or NO_TIER] += 1
    return counts
