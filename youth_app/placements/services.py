"""The life of a place offered to a youth: offered, then accepted, declined or expired.

A declined or expired place goes back to the round: the next allocation run fills it
from the youths still without one (``youth_app/admin``, issue 6).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from .. import facts
from ..facts import ADULT_AGE
from .. import audit, i18n, links, mail
from ..consent import services as consent
from ..extensions import db
from ..models import DomainError, Placement, PlacementState, YouthProfile, transition, utcnow
from ..models.base import transition_all

#: A reminder goes out this long before the reply deadline.
REMINDER_BEFORE = timedelta(days=2)


class PlacementError(DomainError):
    """``code`` says which rule (``messages``)."""


def for_youth(youth: YouthProfile) -> list[Placement]:
    """Every place offered to the youth, newest first (proposals are not shown yet)."""
    return list(db.session.scalars(
        sa.select(Placement).where(Placement.youth_id == youth.id,
                                   Placement.state != PlacementState.PROPOSED)
        .order_by(Placement.offered_at.desc(), Placement.id.desc())))


def needs_consent(placement: Placement, today: date | None = None) -> bool:
    """A job contract with a minor is invalid without a guardian's consent."""
    return (placement.offer.is_job
            and placement.youth.age_on(today or facts.today()) < ADULT_AGE)


def awaiting_answer(youth: YouthProfile, placement_id: int) -> Placement:
    """The youth's own offer that still waits for an answer (to confirm a decline)."""
    placement = db.session.get(Placement, placement_id)
    if placement is None or placement.youth_id != youth.id:
        raise PlacementError("placement_not_found")
    if not placement.awaiting_answer:
        raise PlacementError("already_answered")
    return placement


def answer(youth: YouthProfile, placement_id: int, accept: bool,
           now: datetime | None = None) -> Placement:
    """Accept or decline an offer: one guarded change, so of an "accept" and a "decline"
    sent at the same moment exactly one counts, and only a winning accept sends mail."""
    now = now or utcnow()
    placement = db.session.get(Placement, placement_id)
    if placement is None or placement.youth_id != youth.id:
        raise PlacementError("placement_not_found")
    if accept and needs_consent(placement, now.date()) and not consent.given(placement):
        raise PlacementError("consent_needed")
    in_time = sa.or_(Placement.reply_by.is_(None), Placement.reply_by >= now)
    if not transition(placement, Placement.awaiting_answer, in_time,
                      state=PlacementState.ACCEPTED if accept else PlacementState.DECLINED,
                      answered_at=now):
        raise PlacementError("too_late" if placement.awaiting_answer else "already_answered")
    audit.record("placement.accepted" if accept else "placement.declined", placement,
                 actor=youth.user)
    if accept:
        _tell(placement, "placement.confirmed")
    return placement


def make_offer(placement: Placement, reply_days: int, now: datetime | None = None) -> bool:
    """Turn a proposed place into an offer with a deadline, and tell the youth. False
    (and nothing sent) if the place was no longer a proposal. The youth has
    ``reply_days`` whole days after today, in the municipality: the deadline is stored
    as the local midnight after the last day (``facts.deadline_after``) and shown as
    that last day everywhere (``i18n.deadline``)."""
    return make_offers([placement], reply_days, now) == 1


def make_offers(batch: list[Placement], reply_days: int, now: datetime | None = None) -> int:
    """``make_offer`` for a batch (publishing's): one conditional UPDATE turns those still
    proposed into offers (``transition_all``: the database settles a race), then each
    of them is told; returns how many. One statement instead of one per place
    (measured, 2,447 offers and 2,553 "no place" e-mails at 5,000 youths: publishing
    13.9 s with an UPDATE per place, 10.9 s with one per batch)."""
    now = now or utcnow()
    offered = transition_all(
        batch, Placement.state == PlacementState.PROPOSED, state=PlacementState.OFFERED,
        offered_at=now, reply_by=facts.deadline_after(reply_days,
                                                      facts.utc_to_local(now).date()))
    for placement in offered:
        if needs_consent(placement, now.date()) and not consent.request(placement):
            _tell(placement, "placement.offered_no_guardian")
        else:
            _tell(placement, "placement.offered")
    return len(offered)


def request_missing_consents(youth: YouthProfile, today: date | None = None) -> None:
    """Ask guardians added after an offer was made: the offer is still open, and My page
    told the youth to add one."""
    for placement in for_youth(youth):
        if (placement.awaiting_answer and needs_consent(placement, today)
                and not consent.given(placement)):
            consent.request(placement, only_new=True)


def tell_no_place(youth: YouthProfile, round_) -> None:
    """The results are out, and this youth got nothing: say so, and where to read why."""
    mail.send_to_youth(youth, "placement.none", lambda: (
        _("The results are out: %(round)s", round=round_.name),
        _("Hello %(name)s!\n\nThis time you did not get a place in %(round)s. On My page "
          "you can read why, and see summer activities you can still sign up for."
          "\n\n%(link)s", name=youth.first_name, round=round_.name,
          link=links.external("youth.result", round_id=round_.id))))


def expire_unanswered(now: datetime | None = None) -> list[Placement]:
    """Offers whose deadline has passed without an answer; their places go back. One
    conditional update: an answer that came in first keeps its place, and two clocks
    running at once expire (and tell) each offer once."""
    now = now or utcnow()
    late = _claim(sa.update(Placement).where(
        Placement.awaiting_answer, Placement.reply_by < now)
        .values(state=PlacementState.EXPIRED))
    for placement in late:
        audit.record("placement.expired", placement)
        _tell(placement, "placement.expired")
    return late


def send_reminders(now: datetime | None = None) -> list[Placement]:
    """One reminder per unanswered offer, two days before its deadline (claimed by one
    conditional update, so it goes out once however often the clock runs)."""
    now = now or utcnow()
    due = _claim(sa.update(Placement).where(
        Placement.awaiting_answer, Placement.reminded_at.is_(None),
        Placement.reply_by <= now + REMINDER_BEFORE, Placement.reply_by > now)
        .values(reminded_at=now))
    for placement in due:
        _tell(placement, "placement.reminder")
    return due


#: Ids bound into one ``IN (...)``: PostgreSQL takes at most 65,535 parameters in a
#: statement, and a city's offers all reach their deadline on the same day.
CLAIM_CHUNK = 10_000


def _claim(update) -> list[Placement]:
    """Run a conditional update and load the placements it changed (in chunks of ids)."""
    ids = sorted(db.session.scalars(update.returning(Placement.id)
                                    .execution_options(synchronize_session=False)).all())
    claimed: list[Placement] = []
    for start in range(0, len(ids), CLAIM_CHUNK):
        claimed.extend(db.session.scalars(
            sa.select(Placement).where(Placement.id.in_(ids[start:start + CLAIM_CHUNK]))
            .order_by(Placement.id).execution_options(populate_existing=True)))
    return claimed


def _tell(placement: Placement, kind: str) -> None:
    mail.send_to_youth(placement.youth, kind,
                       lambda: _message(kind, placement, placement.youth))


def _message(kind: str, placement: Placement, youth: YouthProfile) -> tuple[str, str]:
    title = placement.offer.title
    deadline = i18n.deadline(placement.reply_by)
    link = links.external("youth.home")
    config = current_app.config
    texts = {
        "placement.offered_no_guardian": (
            _("You are offered a place: %(title)s", title=title),
            _("Hello %(name)s!\n\nYou are offered a place: %(title)s. Answer on My page "
              "by %(date)s, or the place goes to someone else.\n\nYou are under %(age)d, "
              "so a guardian must consent to the job, and we have no guardian's e-mail "
              "address for you. Add your guardian on your profile page: %(profile)s\n"
              "Or call us on %(phone)s or write to %(email)s.\n\n%(link)s",
              name=youth.first_name, title=title, date=deadline, link=link, age=ADULT_AGE,
              profile=links.external("youth.profile"),
              phone=config["CONTACT_PHONE"], email=config["CONTACT_EMAIL"])),
        "placement.offered": (
            _("You are offered a place: %(title)s", title=title),
            _("Hello %(name)s!\n\nYou are offered a place: %(title)s. Answer on My page "
              "by %(date)s, or the place goes to someone else.\n\n%(link)s",
              name=youth.first_name, title=title, date=deadline, link=link)),
        "placement.reminder": (
            _("Reminder: answer your offer by %(date)s", date=deadline),
            _("Hello %(name)s!\n\nYou have not yet answered the offer of %(title)s. Answer "
              "on My page by %(date)s.\n\n%(link)s",
              name=youth.first_name, title=title, date=deadline, link=link)),
        "placement.confirmed": (
            _("Your place is confirmed: %(title)s", title=title),
            _("Hello %(name)s!\n\nThank you for your answer. Your place on %(title)s is "
              "confirmed. Where and when to be is on My page.\n\n%(link)s",
              name=youth.first_name, title=title, link=link)),
        "placement.expired": (
            _("Your offer has expired: %(title)s", title=title),
            _("Hello %(name)s!\n\nYou did not answer the offer of %(title)s in time, so the "
              "place goes to someone else.\n\n%(link)s",
              name=youth.first_name, title=title, link=link)),
    }
    return texts[kind]
