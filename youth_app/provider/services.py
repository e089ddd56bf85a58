"""What a provider may do with its own offers and participants.

Every function takes the provider's organisation and refuses (``NotYours``) an offer,
placement or participant of another organisation, so no URL or id reaches across.
Participants are shown with what running the job or activity needs, nothing more:
never a personal identity number, a priority group, or how the youth was placed.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from .. import facts
from .. import audit
from ..extensions import db
from ..models import (Attendance, DomainError, Offer, OfferStatus, Organisation, Placement,
                      Round, RoundState, SignUp, User, YouthProfile, utcnow)

from ..facts import ADULT_AGE


class NotYours(DomainError):
    """Another organisation's object: views answer 404, as if it did not exist."""

    code = "not_yours"


class OfferRuleError(DomainError):
    """``code`` says which rule (``messages``)."""


def own_offer(organisation: Organisation, offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.organisation_id != organisation.id:
        raise NotYours()
    return offer


def rounds_for_offers() -> list[Round]:
    """Rounds a provider may post to: not yet allocated."""
    return list(db.session.scalars(sa.select(Round).where(
        Round.state.in_([RoundState.DRAFT, RoundState.OPEN])).order_by(Round.reference_date)))


def save_offer(organisation: Organisation, offer: Offer | None, **fields) -> Offer:
    """Create a draft or change an offer still in draft or submitted."""
    if offer is not None and not offer.editable:
        raise OfferRuleError("offer_not_editable")
    if offer is None:
        offer = Offer(organisation=organisation, status=OfferStatus.DRAFT)
        db.session.add(offer)
    for name, value in fields.items():
        setattr(offer, name, value)
    _check(offer)
    db.session.flush()
    audit.record("offer.saved", offer, status=offer.status.value)
    return offer


def _check(offer: Offer) -> None:
    if offer.min_age > offer.max_age:
        raise OfferRuleError("ages")
    if not offer.weeks:
        raise OfferRuleError("weeks")
    if offer.is_job and offer.first_come:
        raise OfferRuleError("job_in_round")
    if not offer.first_come and offer.round_id is None:
        raise OfferRuleError("round_needed")


def submit(offer: Offer) -> None:
    if not offer.can_submit:
        raise OfferRuleError("not_draft")
    offer.status = OfferStatus.SUBMITTED
    audit.record("offer.submitted", offer)


def close(offer: Offer) -> None:
    """Close a published offer; closing any other changes nothing (a draft is deleted)."""
    if not offer.can_close:
        return
    offer.status = OfferStatus.CLOSED
    audit.record("offer.closed", offer)


def delete(offer: Offer) -> None:
    """Delete an offer no young person has seen (``Offer.can_delete``). The audit row
    keeps that it was, not what it said."""
    if not offer.can_delete:
        raise OfferRuleError("offer_not_deletable")
    audit.record("offer.deleted", offer)
    db.session.delete(offer)


def copy(offer: Offer, round_: Round | None) -> Offer:
    """A new draft like ``offer`` (e.g. last year's), its weeks moved to the same week
    numbers in the target round's year."""
    year = round_.reference_date.year if round_ else facts.today().year
    new = Offer(organisation_id=offer.organisation_id, round=round_, status=OfferStatus.DRAFT,
                weeks=[f"{year}-{w.split('-')[1]}" for w in offer.weeks])
    for name in ("kind", "title", "description", "place", "district_id", "capacity", "min_participants", "min_age",
                 "max_age", "allocation_mode", "interests", "requirements", "supervisor_name",
                 "supervisor_phone", "meeting_point", "what_to_bring", "accessibility",
                 "languages", "hours_per_day", "hourly_pay"):
        setattr(new, name, getattr(offer, name))
    db.session.add(new)
    db.session.flush()
    audit.record("offer.copied", new, source=offer.id)
    return new


@dataclass(frozen=True)
class Participant:
    """One youth as a provider sees them."""
    youth_id: int
    placement_id: int | None
    name: str
    age: int
    phone: str
    email: str
    guardians: tuple[tuple[str, str, str], ...]
    shared_notes: str
    start_confirmed: bool


#: Participants on one page of an offer (the download and the printable list hold all).
PARTICIPANTS_PAGE_SIZE = 50


def participants(offer: Offer, today: date | None = None) -> list[Participant]:
    """Youths who accepted a place, or have a confirmed sign-up, on the offer."""
    today = today or facts.today()
    placements = db.session.scalars(sa.select(Placement).where(
        Placement.offer_id == offer.id, Placement.accepted)).all()
    sign_ups = db.session.scalars(sa.select(SignUp).where(
        SignUp.offer_id == offer.id, SignUp.has_place)).all()
    rows = [_participant(p.youth, today, p) for p in placements]
    rows += [_participant(s.youth, today, None) for s in sign_ups]
    return sorted(rows, key=lambda r: r.name.lower())


def _participant(youth: YouthProfile, today: date, placement: Placement | None) -> Participant:
    age = youth.age_on(today)
    guardians = tuple((g.name, g.phone, g.email) for g in youth.guardians) \
        if age < ADULT_AGE else ()
    email = youth.private_email or (youth.user.email if youth.user else "")
    return Participant(youth.id, placement.id if placement else None, youth.full_name, age,
                       youth.phone, email, guardians, youth.shared_notes,
                       bool(placement and placement.start_confirmed_at))


def confirm_start(organisation: Organisation, placement_id: int, user: User) -> Placement:
    placement = db.session.get(Placement, placement_id)
    if placement is None or placement.offer.organisation_id != organisation.id \
            or not placement.accepted:
        raise NotYours()
    placement.start_confirmed_at = placement.start_confirmed_at or utcnow()
    audit.record("placement.start_confirmed", placement, actor=user)
    return placement


def offer_days(offer: Offer) -> list[date]:
    """Monday to Friday of each of the offer's weeks: the days attendance is kept for."""
    days = []
    for week in offer.weeks:
        year, number = week.split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
        days += [monday + timedelta(days=i) for i in range(5)]
    return days


def attendance(offer: Offer, day: date) -> dict[int, Attendance]:
    return {a.youth_id: a for a in db.session.scalars(sa.select(Attendance).where(
        Attendance.offer_id == offer.id, Attendance.day == day))}


def record_attendance(offer: Offer, day: date, entries: dict[int, tuple[bool, Decimal | None]],
                      user: User) -> None:
    """``entries``: youth id -> (present, hours). Only the offer's participants count."""
    if day not in offer_days(offer):
        raise OfferRuleError("day")
    allowed = {p.youth_id for p in participants(offer, day)}
    existing = attendance(offer, day)
    for youth_id, (present, hours) in entries.items():
        if youth_id not in allowed:
            raise NotYours()
        row = existing.get(youth_id) or Attendance(offer_id=offer.id, youth_id=youth_id, day=day)
        if row.approved_at is not None:
            continue  # approved hours are not changed by the provider
        row.present, row.recorded_by_id, row.recorded_at = present, user.id, utcnow()
        row.hours = (hours if present else Decimal(0)) if offer.is_job else None
        db.session.add(row)
    db.session.flush()
    audit.record("attendance.recorded", offer, day=day.isoformat(), count=len(entries))


class Todo(enum.Enum):
    CONFIRM_START = "confirm_start"
    REPORT_HOURS = "report_hours"


def dashboard(organisation: Organisation, today: date | None = None) -> list[dict]:
    """Per offer: places, filled, and what needs doing."""
    today = today or facts.today()
    rows = []
    for offer in sorted(organisation.offers, key=lambda o: (o.status.value, o.title)):
        people = participants(offer, today)
        # (youth, day) pairs, not youths: one reported day must not hide the others.
        recorded = {(youth_id, day) for youth_id, day in db.session.execute(
            sa.select(Attendance.youth_id, Attendance.day).where(Attendance.offer_id == offer.id))}
        started = [d for d in offer_days(offer) if d <= today]
        todo = {
            Todo.CONFIRM_START: sum(1 for p in people if p.placement_id and not p.start_confirmed
                                    and offer.is_job),
            Todo.REPORT_HOURS: sum(1 for p in people
                                   if any((p.youth_id, d) not in recorded for d in started)),
        }
        rows.append({"offer": offer, "filled": len(people), "todo": todo})
    return rows
