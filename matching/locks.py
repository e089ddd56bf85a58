"""Clashing locks: the only way a problem can be infeasible.

Every rule is a packing rule ("at most so many"), so placing exactly the locked pairs
and nothing else is feasible unless the locks themselves break a rule. Checking the
locks directly therefore decides feasibility without a solver, and names the locks.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from matching.problem import Pair, Problem


@dataclass(frozen=True)
class LockClash:
    locks: tuple[Pair, ...]
    reason: str

    def __str__(self) -> str:
        names = ", ".join(f'("{p.youth}", "{p.offer}")' for p in self.locks)
        return f"locks {names}: {self.reason}"


def lock_clashes(problem: Problem) -> list[LockClash]:
    checks = (_forbidden_or_age, _per_youth, _per_offer, _apart)
    return [clash for check in checks for clash in check(problem)]


def _forbidden_or_age(problem: Problem) -> list[LockClash]:
    forbidden = set(problem.forbidden)
    out = []
    for lock in problem.locked:
        youth, offer = problem.youth(lock.youth), problem.offer(lock.offer)
        if lock in forbidden:
            out.append(LockClash((lock,), "the pair is also forbidden"))
        if not offer.min_age <= youth.age <= offer.max_age:
            out.append(LockClash((lock,), f"age {youth.age} is outside {offer.min_age}-{offer.max_age}"))
    return out


def _by(problem: Problem, key: str) -> dict[str, list[Pair]]:
    groups: dict[str, list[Pair]] = defaultdict(list)
    for lock in problem.locked:
        groups[getattr(lock, key)].append(lock)
    return groups


def _per_youth(problem: Problem) -> list[LockClash]:
    policy, out = problem.policy, []
    for locks in _by(problem, "youth").values():
        if len(locks) > policy.max_places_per_youth:
            out.append(LockClash(tuple(locks), f"more than {policy.max_places_per_youth} places for one youth"))
        jobs = [p for p in locks if problem.offer(p.offer).is_job]
        if len(jobs) > policy.max_jobs_per_youth:
            out.append(LockClash(tuple(jobs), f"more than {policy.max_jobs_per_youth} jobs for one youth"))
        for a, b in combinations(locks, 2):
            shared = sorted(set(problem.offer(a.offer).weeks) & set(problem.offer(b.offer).weeks))
            if shared:
                out.append(LockClash((a, b), f"both use week {shared[0]}"))
    return out


def _per_offer(problem: Problem) -> list[LockClash]:
    out = []
    for offer_id, locks in _by(problem, "offer").items():
        capacity = problem.offer(offer_id).capacity
        if len(locks) > capacity:
            out.append(LockClash(tuple(locks), f'{len(locks)} locks but "{offer_id}" has capacity {capacity}'))
    return out


def _apart(problem: Problem) -> list[LockClash]:
    locks_by_offer = _by(problem, "offer")
    out = []
    for group in problem.apart:
        members = set(group)
        for _offer, locks in sorted(locks_by_offer.items()):
            inside = [p for p in locks if p.youth in members]
            if len(inside) > 1:
                out.append(LockClash(tuple(inside), "youths of one apart group on the same offer"))
    return out
