"""Why a youth got what they got: reasons per choice, structured and in plain words.

The reason codes are exactly the contract's. When several hold, they come in
``REASON_ORDER`` (an explanation lists them all, a result's ``unplaced`` only the first):
rules about the pair itself (forbidden, age), then an offer that did not run (``cancelled``:
it has a minimum size, nobody was placed on it, so one youth alone could not be), then a full
offer (the root cause even when the youth's other places would also stand in the way),
then the youth's own places, and ``kept_apart`` last, so a social-services decision is
named only when nothing else explains the outcome.

Friend groups: an explanation says, per friend, whether the two share an offer, never
why not. A friend wish that an apart group blocks is simply not met, and reads exactly
like one that capacity or weeks blocked: nothing in it points to an apart group.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from matching.problem import Problem
from matching.result import Assignment, Reason, Result, Unplaced

REASON_ORDER = ("forbidden", "too_young", "too_old", "cancelled", "full", "week_conflict", "job_limit",
                "place_limit", "kept_apart")
TEXT = {
    "forbidden": "a caseworker has ruled this offer out for you",
    "too_young": "you are younger than the offer's minimum age",
    "too_old": "you are older than the offer's maximum age",
    "week_conflict": "it shares a week with an offer you got",
    "job_limit": "you already have as many jobs as one youth may have",
    "place_limit": "you already have as many places as one youth may have",
    "cancelled": "it did not run: too few participants could be placed on it",
    "full": "all its places went to others",
    "kept_apart": "it would place you together with someone you must be kept apart from",
}


class Board:
    """The allocation as lookups, enough to test each reason for any (youth, offer)."""

    def __init__(self, problem: Problem, assignments: tuple[Assignment, ...]) -> None:
        self.problem = problem
        self.held: dict[str, list[str]] = defaultdict(list)
        self.on_offer: dict[str, set[str]] = defaultdict(set)
        for a in assignments:
            self.held[a.youth].append(a.offer)
            self.on_offer[a.offer].add(a.youth)
        self.forbidden = {(p.youth, p.offer) for p in problem.forbidden}
        self.apart_of: dict[str, set[str]] = defaultdict(set)
        for group in problem.apart:
            for member in group:
                self.apart_of[member].update(m for m in group if m != member)
        self.weeks = {o.id: frozenset(o.weeks) for o in problem.offers}
        self.locked_offers = {p.offer for p in problem.locked}

    def reasons(self, youth_id: str, offer_id: str) -> list[str]:
        youth, offer, policy = self.problem.youth(youth_id), self.problem.offer(offer_id), self.problem.policy
        held = [self.problem.offer(o) for o in self.held.get(youth_id, ()) if o != offer_id]
        weeks, taken = self.weeks[offer_id], self.on_offer.get(offer_id, set())
        checks = {
            "forbidden": (youth_id, offer_id) in self.forbidden,
            "too_young": youth.age < offer.min_age,
            "too_old": youth.age > offer.max_age,
            "cancelled": (offer.min_participants > 1 and not taken - {youth_id}
                          and offer_id not in self.locked_offers),
            "week_conflict": any(not weeks.isdisjoint(self.weeks[h.id]) for h in held),
            "job_limit": offer.is_job and sum(h.is_job for h in held) >= policy.max_jobs_per_youth,
            "place_limit": len(held) >= policy.max_places_per_youth,
            "full": len(taken) - (youth_id in taken) >= offer.capacity,
            "kept_apart": any(m in taken for m in self.apart_of.get(youth_id, ())),
        }
        return [code for code in REASON_ORDER if checks[code]]


def unplaced_reasons(problem: Problem, assignments: tuple[Assignment, ...]) -> tuple[Unplaced, ...]:
    """Every youth who applied and got nothing, with one reason per choice (best rank first)."""
    board = Board(problem, assignments)
    choices: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for app in problem.applications:
        choices[app.youth].append((app.rank, app.offer))
    out = []
    for youth in problem.youths:
        if youth.id in choices and not board.held[youth.id]:
            reasons = tuple(Reason(offer, _first_reason(board, youth.id, offer))
                            for _, offer in sorted(choices[youth.id]))
            out.append(Unplaced(youth.id, reasons))
    return tuple(out)


def _first_reason(board: Board, youth_id: str, offer_id: str) -> str:
    """Results are maximal (nobody could simply be added), so some rule always holds."""
    reasons = board.reasons(youth_id, offer_id)
    if not reasons:
        raise RuntimeError(f"no reason why {youth_id} did not get {offer_id}: the allocation is not maximal")
    return reasons[0]


@dataclass(frozen=True)
class ChoiceOutcome:
    offer: str
    rank: int
    got: bool
    reasons: tuple[str, ...]     #: all that hold, most telling first; empty if got


@dataclass(frozen=True)
class FriendOutcome:
    friend: str
    together: bool      #: the two hold at least one offer in common
    #: Whether the round placed friends together at all (``policy.friends``).
    wished: bool = True


@dataclass(frozen=True)
class Explanation:
    youth: str
    lottery: int | None
    tier: str | None
    placements: tuple[Assignment, ...]
    choices: tuple[ChoiceOutcome, ...]
    friends: tuple[FriendOutcome, ...] = ()    #: the youth's friend group, without the youth


def explain(problem: Problem, result: Result, youth_id: str) -> Explanation:
    problem.youth(youth_id)  # KeyError for an unknown youth, handled by callers
    board = Board(problem, result.assignments)
    apps = sorted((a.rank, a.offer) for a in problem.applications if a.youth == youth_id)
    return _explanation(problem, result, board, youth_id, apps, result.placements_of(youth_id))


def explain_each(problem: Problem, result: Result) -> Iterator[Explanation]:
    """Every youth's explanation, in the problem's order: the same as ``explain`` for
    each, with the board built once (so all of them cost about as much as one)."""
    board = Board(problem, result.assignments)
    apps: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for app in problem.applications:
        apps[app.youth].append((app.rank, app.offer))
    placed: dict[str, list[Assignment]] = defaultdict(list)
    for a in result.assignments:
        placed[a.youth].append(a)
    for youth in problem.youths:
        yield _explanation(problem, result, board, youth.id, sorted(apps[youth.id]), placed[youth.id])


def _explanation(problem: Problem, result: Result, board: Board, youth_id: str,
                 apps: list[tuple[int, str]], placements: list[Assignment]) -> Explanation:
    got = {a.offer for a in placements}
    choices = tuple(ChoiceOutcome(offer, rank, offer in got,
                                  () if offer in got else tuple(board.reasons(youth_id, offer)))
                    for rank, offer in apps)
    return Explanation(youth_id, result.lottery.get(youth_id), problem.tier_of(problem.youth(youth_id)),
                       tuple(placements), choices, _friends(problem, board, youth_id, got))


def _friends(problem: Problem, board: Board, youth_id: str, got: set[str]) -> tuple[FriendOutcome, ...]:
    group = next((g for g in problem.friends if youth_id in g), ())
    return tuple(FriendOutcome(f, bool(got & set(board.held.get(f, ()))), problem.policy.friends)
                 for f in group if f != youth_id)


def render_text(expl: Explanation) -> str:
    lines = [f"Youth {expl.youth}: lottery number {expl.lottery}, "
             + (f"priority tier \"{expl.tier}\"." if expl.tier else "no priority tier.")]
    if expl.placements:
        lines.append("Placed on: " + ", ".join(
            f"{a.offer} ({'choice ' + str(a.rank) if a.rank else 'locked by a caseworker'})"
            for a in expl.placements))
    else:
        lines.append("Not placed.")
    best_got = min((c.rank for c in expl.choices if c.got), default=None)
    for c in expl.choices:
        if c.got:
            continue
        why = TEXT[c.reasons[0]] if c.reasons else "no rule blocked it: the search stopped early (time limit)"
        label = "better choice" if best_got is None or c.rank < best_got else "choice"
        lines.append(f"- {label} {c.rank}, {c.offer}: not given because {why}.")
    return "\n".join(lines + _friend_lines(expl.friends))


def _friend_lines(friends: tuple[FriendOutcome, ...]) -> list[str]:
    """Together or not, per friend; never why not (that could point to an apart group)."""
    if friends and not friends[0].wished:
        return ["Friends: this round did not place friends together."]
    return [f"Friend {f.friend}: " + ("on the same offer as you." if f.together else
                                      "not on the same offer as you (it could not be arranged within the rules).")
            for f in friends]
