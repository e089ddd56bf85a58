"""What a youth is told about the allocation: their places, their lottery number, and
for each choice they did not get, why. Never their priority group: that stays with
social services."""
from __future__ import annotations

from dataclasses import dataclass

import matching

from ..extensions import db
from ..models import Offer, Round, YouthProfile
from . import problem as problems
from .services import published_runs

__all__ = ["ChoiceWhy", "YouthResult", "for_youth", "published_runs"]


@dataclass(frozen=True)
class ChoiceWhy:
    offer: Offer
    rank: int
    got: bool
    #: The contract's reason code (``full``, ``too_young`` ...), or ``None`` if got.
    reason: str | None


@dataclass(frozen=True)
class YouthResult:
    round: Round
    lottery_number: int | None
    lottery_size: int
    seed: int | None
    choices: list[ChoiceWhy]


def for_youth(youth: YouthProfile, round_: Round) -> YouthResult | None:
    """The latest published run's explanation, or ``None`` before anything is published."""
    runs = published_runs(round_)
    if not runs:
        return None
    run = runs[0]
    problem = matching.load_problem(run.problem)
    result = matching.load_result(run.result)
    key = problems.youth_key(youth.id)
    if key not in {y.id for y in problem.youths}:
        return None
    told = matching.explain(problem, result, key)
    offers = {o.id: o for o in db.session.scalars(
        db.select(Offer).where(Offer.id.in_([problems.key_id(c.offer) for c in told.choices])))}
    choices = [ChoiceWhy(offers[problems.key_id(c.offer)], c.rank, c.got,
                         None if c.got else (c.reasons[0] if c.reasons else "full"))
               for c in told.choices]
    # A published run means the seed is public (see the round's public page).
    return YouthResult(round_, told.lottery, len(result.lottery), round_.lottery_seed, choices)
