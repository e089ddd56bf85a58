"""What a youth is told about the allocation: their places, their lottery number, and
for each choice they did not get, why. Never their priority group: that stays with
social services."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

import matching

from ..extensions import db
from ..models import AllocationRun, FriendMember, Offer, Round, RunYouthResult, YouthProfile
from . import outcomes
from . import problem as problems
from .services import published_runs

__all__ = ["ChoiceWhy", "StaffExplanation", "YouthResult", "for_staff", "for_youth", "published_runs"]


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
    #: The youth's pseudonym in this round: shown to them alone, so they can recompute
    #: their lottery number from the published seed.
    key: str
    lottery_number: int | None
    lottery_size: int
    seed: int | None
    choices: list[ChoiceWhy]
    #: (first name, placed on a same offer) per other member of the youth's friend group,
    #: when the round places friends together; never why not (``matching.explain``).
    friends: tuple[tuple[str, bool], ...] = ()


#: Reasons that would tell a youth (or an administrator) about social services' data:
#: that they are kept apart from someone. Told as ``not_possible`` instead.
CONFIDENTIAL_REASONS = frozenset({"kept_apart"})


def told_reason(reasons, confidential_ok: bool = False) -> str:
    """The most telling reason a reader may know; ``not_possible`` if none is left."""
    allowed = [r for r in reasons if confidential_ok or r not in CONFIDENTIAL_REASONS]
    return allowed[0] if allowed else ("full" if not reasons else "not_possible")


def for_youth(youth: YouthProfile, round_: Round) -> YouthResult | None:
    """The latest published run's explanation, or ``None`` before anything is published.
    Read from the youth's own stored outcome (``outcomes``): a few small queries at any
    size; only a run stored before outcomes were kept per youth is read whole."""
    run_id = db.session.scalar(sa.select(AllocationRun.id).where(
        AllocationRun.round_id == round_.id, AllocationRun.published_at.is_not(None))
        .order_by(AllocationRun.id.desc()).limit(1))
    if run_id is None:
        return None
    row = outcomes.of(run_id, youth.id)
    if row is None:
        return None if outcomes.stored(run_id) else _from_whole_run(
            youth, round_, db.session.get_one(AllocationRun, run_id))
    offers = _offers([c["offer"] for c in row.choices])
    choices = [ChoiceWhy(offers[c["offer"]], c["rank"], c["got"],
                         None if c["got"] else told_reason(c["reasons"]))
               for c in row.choices]
    # A published run means the seed is public (see the round's public page).
    return YouthResult(round_, row.key, row.lottery_number, row.lottery_size,
                       round_.lottery_seed, choices,
                       _friends_together(run_id, round_, youth, {p["offer"] for p in row.placements}))


def _friends_together(run_id: int, round_: Round, youth: YouthProfile,
                      mine: set[int]) -> tuple[tuple[str, bool], ...]:
    """The youth's friends (first names, as their choices page shows them) and whether
    each holds one of the youth's offers in the run: two small queries."""
    if not (round_.policy or {}).get("friends"):
        return ()
    code = sa.select(FriendMember.code).where(FriendMember.round_id == round_.id,
                                              FriendMember.youth_id == youth.id).scalar_subquery()
    friends = db.session.execute(sa.select(YouthProfile.id, YouthProfile.first_name)
                                 .join(FriendMember, FriendMember.youth_id == YouthProfile.id)
                                 .where(FriendMember.round_id == round_.id, FriendMember.code == code,
                                        YouthProfile.id != youth.id)
                                 .order_by(FriendMember.joined_at, FriendMember.id)).all()
    held = {youth_id: {p["offer"] for p in placements} for youth_id, placements in db.session.execute(
        sa.select(RunYouthResult.youth_id, RunYouthResult.placements).where(
            RunYouthResult.run_id == run_id, RunYouthResult.youth_id.in_([f.id for f in friends])))}
    return tuple((f.first_name, bool(mine & held.get(f.id, set()))) for f in friends)


def _offers(offer_ids: list[int]) -> dict[int, Offer]:
    return {o.id: o for o in db.session.scalars(db.select(Offer).where(Offer.id.in_(offer_ids)))}


def _from_whole_run(youth: YouthProfile, round_: Round, run: AllocationRun) -> YouthResult | None:
    """The explanation counted from the run's whole problem and result (seconds at
    100,000 youths): for runs stored before outcomes were kept per youth, and the
    reference the stored outcomes are tested against."""
    key = problems.key_of(round_.id, youth.id)
    problem = matching.load_problem(run.solved_problem)
    if key is None or key not in {y.id for y in problem.youths}:
        return None
    result = matching.load_result(run.solved_result)
    told = matching.explain(problem, result, key)
    offers = _offers([problems.offer_id_of(c.offer) for c in told.choices])
    choices = [ChoiceWhy(offers[problems.offer_id_of(c.offer)], c.rank, c.got,
                         None if c.got else told_reason(c.reasons))
               for c in told.choices]
    return YouthResult(round_, key, told.lottery, len(result.lottery), round_.lottery_seed,
                       choices)


@dataclass(frozen=True)
class StaffExplanation:
    """One youth's result in a run, as staff read it."""
    youth: YouthProfile
    #: how staff name the youth (``Y<id>``), never the pseudonym
    reference: str
    told: matching.Explanation
    #: offer key -> the reason the reader may know, for each choice not got
    reasons: dict[str, str]
    #: the youth's priority tier: for social services only, ``None`` for anyone else
    tier: str | None


def for_staff(run: AllocationRun, reference: str, social_services: bool) -> StaffExplanation | None:
    """The youth ``reference`` names in a succeeded run; ``None`` if there is no such
    youth in it. Social services see the priority tier and every reason; administrators
    read ``not_possible`` where a reason would tell them about social services' data."""
    try:
        youth = db.session.get(YouthProfile, problems.staff_reference_id(reference))
    except ValueError:
        return None
    if youth is None:
        return None
    key = problems.key_of(run.round_id, youth.id)
    if key is None:
        return None
    row = outcomes.of(run.id, youth.id)
    if row is not None:
        told = outcomes.explanation(row)
    elif outcomes.stored(run.id):
        return None
    else:  # a run stored before outcomes were kept per youth
        try:
            told = _whole_run_explanation(run, key)
        except KeyError:
            return None
    reasons = {c.offer: told_reason(c.reasons, confidential_ok=social_services)
               for c in told.choices if not c.got}
    return StaffExplanation(youth, problems.staff_reference(youth.id), told, reasons,
                            told.tier if social_services else None)


def _whole_run_explanation(run: AllocationRun, key: str) -> matching.Explanation:
    """``matching.explain`` on the run's whole problem and result; KeyError for a youth
    not in it."""
    problem = matching.load_problem(run.solved_problem)
    return matching.explain(problem, matching.load_result(run.solved_result), key)
