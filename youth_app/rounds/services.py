"""Round administration: settings, lifecycle steps, overrides and late offers.

Each step is guarded by the round's lifecycle (``Round.move_to``) and written to the
audit log; views turn ``TransitionError`` and ``RoundRuleError`` into messages.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from .. import audit, paging
from ..allocation import figures
from ..allocation import problem as problems
from ..allocation import publishing
from ..allocation import services as allocation
from ..extensions import db
from ..models import (AllocationRun, BackgroundJob, DomainError, Offer, Override, OverrideKind, Placement,
                      PlacementState, PriorityGroup, Round, RoundPseudonym, RoundState, User,
                      YouthProfile, utcnow)
from ..models.base import like_literal
from ..placements import services as placements



class RoundRuleError(DomainError):
    """``code`` says which rule (``messages``)."""



def all_rounds() -> list[Round]:
    return list(db.session.scalars(sa.select(Round).order_by(Round.reference_date.desc(),
                                                             Round.id.desc())))


def tier_codes() -> list[str]:
    return list(db.session.scalars(sa.select(PriorityGroup.code).order_by(PriorityGroup.code)))


def tier_names() -> dict[str, str]:
    """Each priority group's code and the name people call it (``PriorityGroup.name``)."""
    return dict(db.session.execute(sa.select(PriorityGroup.code, PriorityGroup.name)
                                   .order_by(PriorityGroup.name)).all())


def save(round_: Round | None, admin: User, **fields) -> Round:
    """Create a round (in draft) or change one that has not been allocated yet."""
    if round_ is not None and not round_.editable:
        raise RoundRuleError("round_not_editable")
    if round_ is None:
        round_ = Round(state=RoundState.DRAFT)
        db.session.add(round_)
    for name, value in fields.items():
        setattr(round_, name, value)
    db.session.flush()
    audit.record("round.saved", round_, actor=admin)
    return round_


def step(round_: Round, action: str, admin: User) -> BackgroundJob | None:
    """One lifecycle step: ``open``, ``close``, ``reopen``, ``publish`` or ``finish``;
    one audit row each (closing and publishing write theirs when their job is done, with
    what they drew and sent). ``close`` and ``publish`` return the job that does the rest,
    for the caller to start after its commit (``publish``: ``None`` when the latest run
    was sent already)."""
    if action == "publish":
        return publishing.start(round_, admin)
    if action == "close":
        return allocation.begin_closing(round_, admin)
    states = {"open": RoundState.OPEN, "reopen": RoundState.OPEN,
              "finish": RoundState.FINISHED}
    if action not in states:
        raise RoundRuleError("unknown_step")
    round_.move_to(states[action])
    audit.record(f"round.{action}", round_, actor=admin, state=round_.state.value)
    return None


#: Matches a search of a round's applicants lists at most.
SEARCH_LIMIT = 20
#: Youths placed nowhere on one page of a run's review (short references, in columns).
UNPLACED_PAGE_SIZE = 100
#: Places a re-run gave or took away, on one page of its review.
CHANGES_PAGE_SIZE = paging.PAGE_SIZE
#: Offers with free places on one page of a run's review (a chart and a table).
FREE_OFFERS_PAGE_SIZE = 20


@dataclass(frozen=True)
class ReviewPages:
    """The long lists of a run's review, a page each, so the page is as large at any size."""
    unplaced: paging.Page[str]
    #: [("+" or "−", staff reference, offer key)]: given first, then taken away
    changes: paging.Page[tuple[str, str, str]]
    #: [(offer key, capacity, filled)]
    free_offers: paging.Page[tuple[str, int, int]]


def review_pages(review: figures.RunReview, unplaced: int = 1, changes: int = 1,
                 free: int = 1) -> ReviewPages:
    """The pages asked for (``?unplaced=``, ``?changes=``, ``?free=``) of ``review``."""
    changed = ([("+", youth, offer) for youth, offer in review.added]
               + [("−", youth, offer) for youth, offer in review.removed])
    return ReviewPages(
        unplaced=paging.of_list(review.unplaced, unplaced, UNPLACED_PAGE_SIZE),
        changes=paging.of_list(changed, changes, CHANGES_PAGE_SIZE),
        free_offers=paging.of_list(review.figures.unfilled_offers, free, FREE_OFFERS_PAGE_SIZE))


def find_applicants(round_: Round, query: str, staff: User) -> list[YouthProfile]:
    """The round's applicants whose name contains ``query`` (any case, first and last
    name together) or whose personal identity number it is; at most ``SEARCH_LIMIT``.
    Written to the audit log with how many were found, never with what was searched."""
    found = _applicants_matching(round_, query)
    audit.record("round.applicants_searched", round_, actor=staff, found=len(found))
    return found


def _applicants_matching(round_: Round, query: str) -> list[YouthProfile]:
    from ..identity import InvalidNumber, parse_personal_number

    named = YouthProfile.name_contains(query)
    if named is None:
        return []
    in_round = YouthProfile.id.in_(sa.select(RoundPseudonym.youth_id).where(
        RoundPseudonym.round_id == round_.id))
    try:
        wanted = sa.or_(YouthProfile.personal_number == parse_personal_number(query).digits,
                        named)
    except InvalidNumber:
        wanted = named
    return list(db.session.scalars(sa.select(YouthProfile).where(in_round, wanted).order_by(
        YouthProfile.last_name, YouthProfile.first_name, YouthProfile.id).limit(SEARCH_LIMIT)))


def runs(round_: Round) -> list[AllocationRun]:
    return list(db.session.scalars(sa.select(AllocationRun).where(
        AllocationRun.round_id == round_.id).order_by(AllocationRun.id.desc())))


def _pair(round_: Round, youth_text: str, offer_text: str) -> tuple[YouthProfile, Offer]:
    """The youth and the offer a staff member named: a youth by name, personal identity
    number or reference (Y12), an offer by its title or O7. Exactly one of each, in this
    round, or a code that says what was wrong."""
    return _youth_named(round_, youth_text), _offer_named(round_, offer_text)


def _youth_named(round_: Round, text: str) -> YouthProfile:
    """(The decision's own audit row names the youth: the lookup writes none.)"""
    try:
        youth = db.session.get(YouthProfile, problems.staff_reference_id(text))
    except ValueError:
        found = _applicants_matching(round_, text)
        if len(found) > 1:
            raise RoundRuleError("several_youths") from None
        youth = found[0] if found else None
    if youth is None:
        raise RoundRuleError("unknown_youth")
    return youth


def _offer_named(round_: Round, text: str) -> Offer:
    text = text.strip()
    try:
        offer = db.session.get(Offer, problems.offer_id_of(text.upper()))
    except ValueError:
        in_round = sa.select(Offer).where(Offer.round_id == round_.id)
        same = db.session.scalars(in_round.where(
            sa.func.lower(Offer.title) == text.lower())).all()
        found = same or db.session.scalars(in_round.where(
            Offer.title.ilike(f"%{like_literal(text)}%", escape="\\")).limit(2)).all()
        if len(found) > 1:
            raise RoundRuleError("several_offers") from None
        offer = found[0] if found else None
    if offer is None or offer.round_id != round_.id:
        raise RoundRuleError("unknown_offer")
    return offer


#: Offers the decision forms suggest at once (the page loads more as one types).
OFFER_SUGGESTIONS = 20


def offer_suggestions(round_: Round, text: str = "") -> list[Offer]:
    """The round's offers whose title holds ``text`` (any case), by title; at most
    ``OFFER_SUGGESTIONS``, so the forms' suggestions stay short with a city's offers."""
    statement = sa.select(Offer).where(Offer.round_id == round_.id)
    if text.strip():
        statement = statement.where(
            Offer.title.ilike(f"%{like_literal(text.strip()[:200])}%", escape="\\"))
    return list(db.session.scalars(statement.options(selectinload(Offer.organisation))
                                   .order_by(Offer.title, Offer.id).limit(OFFER_SUGGESTIONS)))


def add_override(round_: Round, youth_key: str, offer_key: str, kind: str, reason: str,
                 admin: User) -> Override:
    youth, offer = _pair(round_, youth_key, offer_key)
    override = Override(round_id=round_.id, youth_id=youth.id, offer_id=offer.id,
                        kind=OverrideKind(kind), reason=reason.strip(), author_id=admin.id)
    db.session.add(override)
    db.session.flush()
    audit.record("override.added", override, actor=admin, kind=kind)
    return override


#: Decisions on one page of the round.
OVERRIDES_PAGE_SIZE = paging.PAGE_SIZE


def overrides(round_: Round, page: int = 1) -> paging.Page[Override]:
    return paging.of_query(sa.select(Override).where(
        Override.round_id == round_.id, Override.removed_at.is_(None)).order_by(Override.id),
        page, OVERRIDES_PAGE_SIZE)


def remove_override(round_: Round, override_id: int, admin: User) -> None:
    override = db.session.get(Override, override_id)
    if override is None or override.round_id != round_.id:
        raise RoundRuleError("unknown_override")
    override.removed_at = utcnow()
    audit.record("override.removed", override, actor=admin)


def offer_by_hand(round_: Round, youth_key: str, offer_key: str, admin: User) -> Placement:
    """A late vacancy offered directly to a youth (after publishing). The offer's row is
    locked while its places are counted, so two staff members cannot both give the
    last place; a youth cannot get two live offers of one offer (a unique index)."""
    if not round_.can_offer_by_hand:
        raise RoundRuleError("not_published")
    youth, offer = _pair(round_, youth_key, offer_key)
    db.session.execute(sa.select(Offer.id).where(Offer.id == offer.id).with_for_update())
    live = [PlacementState.OFFERED, PlacementState.ACCEPTED]
    if db.session.scalar(sa.select(Placement.id).where(
            Placement.offer_id == offer.id, Placement.youth_id == youth.id,
            Placement.state.in_(live))):
        raise RoundRuleError("already_offered")
    taken = db.session.scalar(sa.select(sa.func.count(Placement.id)).where(
        Placement.offer_id == offer.id, Placement.state.in_(live)))
    if taken >= offer.capacity:
        raise RoundRuleError("full")
    placement = Placement(round_id=round_.id, youth_id=youth.id, offer_id=offer.id, rank=None)
    db.session.add(placement)
    try:
        db.session.flush()
        placements.make_offer(placement, round_.reply_days)
    except sa.exc.IntegrityError:  # the same youth and offer, at the same moment
        raise RoundRuleError("already_offered") from None
    audit.record("placement.offered_by_hand", placement, actor=admin)
    return placement
