"""An independent check of every hard rule, written from the contract and not from the model.

It reads only the Problem and the Result (its status, assignments and lottery numbers;
never the encoding or the solver's rows), so a mistake in the model cannot hide itself here. Tests call it on
every result, hypothesis-generated ones included.

Beyond rules 1-7 it checks rule 8 (an offer with ``min_participants`` gets none or at
least that many, unless it holds a lock) and, when the policy turns friends on, that the
result's "friend pairs together" level is the number the assignments give.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations

from matching.locks import lock_clashes
from matching.lottery import draw
from matching.problem import FRIENDS_LEVEL, Problem
from matching.result import Assignment, Result, Status


@dataclass(frozen=True)
class Breach:
    rule: str      #: "1".."8" as numbered in the contract, or "result" for a malformed result
    message: str

    def __str__(self) -> str:
        return f"rule {self.rule}: {self.message}"


def validate(problem: Problem, result: Result) -> list[Breach]:
    if result.status is Status.INFEASIBLE:
        return [] if lock_clashes(problem) else [Breach("6", "the result says infeasible, but the locks do not clash")]
    known = _known_assignments(problem, result.assignments)
    checks = (_rule1_and_ranks, _rule2, _rule3, _rule4, _rule5, _rule6, _rule7, _rule8)
    breaches = [b for b in known[1]] + [b for check in checks for b in check(problem, known[0])]
    return breaches + _lottery(problem, result) + _friends_level(problem, result, known[0])


def _known_assignments(problem: Problem, assignments: tuple[Assignment, ...]) -> tuple[list[Assignment], list[Breach]]:
    youths, offers = {y.id for y in problem.youths}, {o.id for o in problem.offers}
    good, bad = [], []
    for n, a in enumerate(assignments):
        if a.youth not in youths or a.offer not in offers:
            bad.append(Breach("result", f"assignments[{n}] names an unknown youth or offer: {a.youth}, {a.offer}"))
        else:
            good.append(a)
    for pair, count in Counter((a.youth, a.offer) for a in good).items():
        if count > 1:
            bad.append(Breach("result", f"{pair[0]} is placed on {pair[1]} {count} times"))
    return good, bad


def _rule1_and_ranks(problem: Problem, assignments: list[Assignment]) -> list[Breach]:
    ranks = {(a.youth, a.offer): a.rank for a in problem.applications}
    locked = {(p.youth, p.offer) for p in problem.locked}
    out = []
    for a in assignments:
        key = (a.youth, a.offer)
        if key not in ranks and key not in locked:
            out.append(Breach("1", f"{a.youth} is placed on {a.offer} without applying or a lock"))
        elif ranks.get(key) != a.rank:
            out.append(Breach("result", f"{a.youth} on {a.offer}: rank {a.rank}, expected {ranks.get(key)}"))
    return out


def _rule2(problem: Problem, assignments: list[Assignment]) -> list[Breach]:
    counts = Counter(a.offer for a in assignments)
    return [Breach("2", f"{o.id} has {counts[o.id]} youths, capacity {o.capacity}")
            for o in problem.offers if counts[o.id] > o.capacity]


def _rule3(problem: Problem, assignments: list[Assignment]) -> list[Breach]:
    out = []
    for a in assignments:
        youth, offer = problem.youth(a.youth), problem.offer(a.offer)
        if not offer.min_age <= youth.age <= offer.max_age:
            out.append(Breach("3", f"{a.youth} (age {youth.age}) on {a.offer} ({offer.min_age}-{offer.max_age})"))
    return out


def _by_youth(assignments: list[Assignment]) -> dict[str, list[str]]:
    held: dict[str, list[str]] = defaultdict(list)
    for a in assignments:
        held[a.youth].append(a.offer)
    return held


def _rule4(problem: Problem, assignments: list[Assignment]) -> list[Breach]:
    out = []
    for youth, offers in _by_youth(assignments).items():
        for a, b in combinations(sorted(offers), 2):
            shared = set(problem.offer(a).weeks) & set(problem.offer(b).weeks)
            if shared:
                out.append(Breach("4", f"{youth} has {a} and {b}, both in {min(shared)}"))
    return out


def _rule5(problem: Problem, assignments: list[Assignment]) -> list[Breach]:
    policy, out = problem.policy, []
    for youth, offers in _by_youth(assignments).items():
        if len(offers) > policy.max_places_per_youth:
            out.append(Breach("5", f"{youth} has {len(offers)} places, limit {policy.max_places_per_youth}"))
        jobs = sum(problem.offer(o).is_job for o in offers)
        if jobs > policy.max_jobs_per_youth:
            out.append(Breach("5", f"{youth} has {jobs} jobs, limit {policy.max_jobs_per_youth}"))
    return out


def _rule6(problem: Problem, assignments: list[Assignment]) -> list[Breach]:
    placed = {(a.youth, a.offer) for a in assignments}
    out = [Breach("6", f"locked pair {p.youth}, {p.offer} is not placed")
           for p in problem.locked if (p.youth, p.offer) not in placed]
    return out + [Breach("6", f"forbidden pair {p.youth}, {p.offer} is placed")
                  for p in problem.forbidden if (p.youth, p.offer) in placed]


def _rule7(problem: Problem, assignments: list[Assignment]) -> list[Breach]:
    on_offer: dict[str, set[str]] = defaultdict(set)
    for a in assignments:
        on_offer[a.offer].add(a.youth)
    out = []
    for n, group in enumerate(problem.apart):
        for offer, youths in sorted(on_offer.items()):
            together = sorted(youths & set(group))
            if len(together) > 1:
                out.append(Breach("7", f"apart[{n}]: {', '.join(together)} are all on {offer}"))
    return out


def _rule8(problem: Problem, assignments: list[Assignment]) -> list[Breach]:
    counts = Counter(a.offer for a in assignments)
    locked = {p.offer for p in problem.locked}
    return [Breach("8", f"{o.id} has {counts[o.id]} youths, minimum {o.min_participants}")
            for o in problem.offers if 0 < counts[o.id] < o.min_participants and o.id not in locked]


def friend_pairs_together(problem: Problem, assignments: list[Assignment]) -> int:
    """Pairs of youths of one friend group who hold at least one offer in common."""
    held: dict[str, set[str]] = defaultdict(set)
    for a in assignments:
        held[a.youth].add(a.offer)
    return sum(bool(held[a] & held[b]) for group in problem.friends for a, b in combinations(group, 2))


def _friends_level(problem: Problem, result: Result, assignments: list[Assignment]) -> list[Breach]:
    if not problem.policy.friends or not result.levels:
        return []
    named = [lv.value for lv in result.levels if lv.name == FRIENDS_LEVEL]
    expected = friend_pairs_together(problem, assignments)
    if named != [expected]:
        return [Breach("result", f"level {FRIENDS_LEVEL!r} should be listed once with value {expected}, got {named}")]
    return []


def _lottery(problem: Problem, result: Result) -> list[Breach]:
    expected = draw(problem.policy.seed, [y.id for y in problem.youths])
    if result.lottery != expected:
        return [Breach("result", "lottery numbers differ from the ones the seed gives")]
    return []
