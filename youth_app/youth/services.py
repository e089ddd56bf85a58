"""The rules of a young person's journey: who may apply, what they may choose, and
open sign-up with a waiting list.

Views and CLI commands call these; they flush but never commit (the request does).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from functools import partial

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from flask_babel import gettext as _

from .. import facts
from .. import audit, i18n, links, mail, paging
from ..extensions import db
from ..models import (Application, DomainError, Offer, OfferStatus, OutgoingMessage, Round,
                      RoundState, SignUp,
                      SignUpStatus, YouthProfile, utcnow)


class Ineligible(enum.Enum):
    """Why a youth may not apply in a round: My page says each (``youth/home.html``);
    saving choices refuses with the first as a ``ChoiceError`` code (``messages``)."""

    TOO_YOUNG = "too_young"
    TOO_OLD = "too_old"
    NOT_RESIDENT = "not_resident"
    WINDOW_CLOSED = "window_closed"


@dataclass(frozen=True)
class Eligibility:
    reasons: tuple[Ineligible, ...] = ()
    age: int | None = None

    @property
    def eligible(self) -> bool:
        return not self.reasons


def eligibility(youth: YouthProfile, round_: Round, now=None) -> Eligibility:
    """Whether ``youth`` may apply in ``round_``, with every reason why not."""
    now = now or utcnow()
    age = youth.age_on(round_.reference_date)
    reasons = []
    if age < round_.min_age:
        reasons.append(Ineligible.TOO_YOUNG)
    if age > round_.max_age:
        reasons.append(Ineligible.TOO_OLD)
    if round_.residents_only and not youth.resident:
        reasons.append(Ineligible.NOT_RESIDENT)
    if not round_.accepts_applications(now):
        reasons.append(Ineligible.WINDOW_CLOSED)
    return Eligibility(tuple(reasons), age)


def open_rounds(now=None) -> list[Round]:
    now = now or utcnow()
    rounds = db.session.scalars(sa.select(Round).where(Round.state == RoundState.OPEN)
                                .order_by(Round.application_closes_at))
    return [r for r in rounds if r.accepts_applications(now)]


class ChoiceError(DomainError):
    """The choices cannot be saved; ``code`` says why, ``offer_id`` names the offer."""

    def __init__(self, code: str, offer_id: int | None = None):
        super().__init__(code)
        self.offer_id = offer_id


def rounds_applied(youth: YouthProfile) -> list[Round]:
    return list(db.session.scalars(sa.select(Round).where(Round.id.in_(
        sa.select(Application.round_id).where(Application.youth_id == youth.id)))
        .order_by(Round.reference_date.desc())))


def choices(youth: YouthProfile, round_: Round) -> list[Application]:
    return list(db.session.scalars(
        sa.select(Application).where(Application.youth_id == youth.id,
                                     Application.round_id == round_.id)
        .order_by(Application.rank)
        # The choice list shows each offer and its district: loaded with the choices.
        .options(joinedload(Application.offer).joinedload(Offer.district))))


def save_choices(youth: YouthProfile, round_: Round, offer_ids: list[int], now=None) -> None:
    """Replace the youth's ranked choices: ``offer_ids[0]`` is the first choice."""
    status = eligibility(youth, round_, now)
    if not status.eligible:
        raise ChoiceError(status.reasons[0].value)
    if len(offer_ids) != len(set(offer_ids)):
        raise ChoiceError("duplicate")
    if len(offer_ids) > round_.max_choices:
        raise ChoiceError("too_many")
    offers = {o.id: o for o in db.session.scalars(sa.select(Offer).where(Offer.id.in_(offer_ids)))}
    for offer_id in offer_ids:
        _check_choosable(offers.get(offer_id), offer_id, round_, status.age)
    # One save of a youth's list at a time (two tabs): a row lock on PostgreSQL; SQLite
    # lets one writer in and the other request is run again (``youth_app.unit_of_work``).
    db.session.execute(sa.select(YouthProfile.id).where(YouthProfile.id == youth.id)
                       .with_for_update())
    first_time = not choices(youth, round_)
    db.session.execute(sa.delete(Application).where(Application.youth_id == youth.id,
                                                    Application.round_id == round_.id))
    db.session.flush()
    for rank, offer_id in enumerate(offer_ids, start=1):
        db.session.add(Application(round_id=round_.id, youth_id=youth.id, offer_id=offer_id,
                                   rank=rank))
    db.session.flush()
    audit.record("application.saved", round_, offers=offer_ids, youth_id=youth.id)
    if first_time and offer_ids:
        _tell_received(youth, round_)


def _tell_received(youth: YouthProfile, round_: Round) -> None:
    """Confirm the application once, when the first choice is saved."""
    mail.send_to_youth(youth, "application.received", lambda: (
        _("We have received your application: %(round)s", round=round_.name),
        _("Hello %(name)s!\n\nWe have received your choices for %(round)s. You can change "
          "them on My page until %(date)s. Applying early gives no advantage.\n\n%(link)s",
          name=youth.first_name, round=round_.name,
          date=i18n.deadline(round_.application_closes_at),
          link=links.external("youth.choices", round_id=round_.id))))


def _check_choosable(offer: Offer | None, offer_id: int, round_: Round, age: int) -> None:
    if offer is None or offer.round_id != round_.id or offer.status is not OfferStatus.PUBLISHED:
        raise ChoiceError("not_in_round", offer_id)
    if not offer.min_age <= age <= offer.max_age:
        raise ChoiceError("age", offer_id)


@dataclass
class SignUpResult:
    sign_up: SignUp
    #: Set when a cancellation gave the freed place to the first on the waiting list.
    promoted: list[SignUp] = field(default_factory=list)


def _lock_offer(offer_id: int) -> Offer:
    """Serialise sign-ups per offer: a row lock on PostgreSQL. SQLite serialises every
    writer itself; a transaction that loses the race fails and its request is run again
    (``youth_app.unit_of_work``)."""
    offer = db.session.scalar(sa.select(Offer).where(Offer.id == offer_id)
                              .with_for_update().execution_options(populate_existing=True))
    if offer is None or not offer.first_come or offer.status is not OfferStatus.PUBLISHED:
        raise ChoiceError("not_open", offer_id)
    return offer


def _confirmed_count(offer_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(SignUp.id)).where(
        SignUp.offer_id == offer_id, SignUp.has_place))


def sign_up(youth: YouthProfile, offer_id: int, today: date | None = None) -> SignUp:
    """A place if one is left, otherwise a place on the waiting list."""
    offer = _lock_offer(offer_id)
    age = youth.age_on(today or facts.today())
    if not offer.min_age <= age <= offer.max_age:
        raise ChoiceError("age", offer_id)
    existing = db.session.scalar(sa.select(SignUp).where(SignUp.offer_id == offer_id,
                                                         SignUp.youth_id == youth.id))
    if existing and existing.active:
        return existing
    status = (SignUpStatus.CONFIRMED if _confirmed_count(offer_id) < offer.capacity
              else SignUpStatus.WAITING)
    if existing:
        existing.status, existing.changed_at, existing.created_at = status, utcnow(), utcnow()
        entry = existing
    else:
        entry = SignUp(offer_id=offer_id, youth_id=youth.id, status=status)
        db.session.add(entry)
    db.session.flush()
    audit.record("signup.created", entry, status=status.value)
    return entry


def cancel_sign_up(youth: YouthProfile, offer_id: int) -> list[SignUp]:
    """Cancel; a freed place goes to the first on the waiting list. Returns those promoted."""
    offer = _lock_offer(offer_id)
    entry = db.session.scalar(sa.select(SignUp).where(SignUp.offer_id == offer_id,
                                                      SignUp.youth_id == youth.id))
    if entry is None or not entry.active:
        return []
    entry.status, entry.changed_at = SignUpStatus.CANCELLED, utcnow()
    db.session.flush()
    audit.record("signup.cancelled", entry)
    return _fill_from_waiting_list(offer)


def _fill_from_waiting_list(offer: Offer) -> list[SignUp]:
    free = offer.capacity - _confirmed_count(offer.id)
    if free <= 0:
        return []
    waiting = db.session.scalars(
        sa.select(SignUp).where(SignUp.offer_id == offer.id,
                                SignUp.on_waiting_list)
        .order_by(SignUp.created_at, SignUp.id).limit(free)).all()
    for entry in waiting:
        entry.status, entry.changed_at = SignUpStatus.CONFIRMED, utcnow()
        audit.record("signup.promoted", entry)
    db.session.flush()
    return list(waiting)


def waiting_position(entry: SignUp) -> int | None:
    """1 for the first on the waiting list."""
    if not entry.on_waiting_list:
        return None
    return 1 + db.session.scalar(sa.select(sa.func.count(SignUp.id)).where(
        SignUp.offer_id == entry.offer_id, SignUp.on_waiting_list,
        sa.or_(SignUp.created_at < entry.created_at,
               sa.and_(SignUp.created_at == entry.created_at, SignUp.id < entry.id))))


def reordered(order: list[int], action: str, offer_id: int) -> list[int]:
    """The choice list after one button press: ``add``, ``remove``, ``up`` or ``down``."""
    order = list(order)
    if action == "add":
        return order if offer_id in order else order + [offer_id]
    if offer_id not in order:
        raise ValueError(f"offer {offer_id} is not among the choices")
    index = order.index(offer_id)
    if action == "remove":
        order.pop(index)
    elif action in ("up", "down"):
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(order):
            order[index], order[other] = order[other], order[index]
    else:
        raise ValueError(f"unknown action {action!r}")
    return order


def tell_promoted(promoted: list[SignUp]) -> None:
    """E-mail each youth who got a place from the waiting list, in their language."""
    for entry in promoted:
        mail.send_to_youth(entry.youth, "signup.promoted", partial(_promoted_mail, entry))


def _promoted_mail(entry: SignUp) -> tuple[str, str]:
    return (_("You got a place: %(title)s", title=entry.offer.title),
            _("Hello %(name)s!\n\nA place became free on %(title)s and it is yours. See the "
              "details here:\n\n%(link)s", name=entry.youth.first_name,
              title=entry.offer.title,
              link=links.external("catalogue.show", offer_id=entry.offer_id)))


@dataclass(frozen=True)
class ChoiceRow:
    """One line of "My choices": the choice and the other choices in the same weeks."""

    choice: Application
    overlaps: tuple[Application, ...] = ()


def choice_rows(youth: YouthProfile, round_: Round,
                ranked: list[Application] | None = None) -> list[ChoiceRow]:
    """The ranked choices (``ranked``, when the caller has them already), each with the
    choices it overlaps in time (a shared week): the youth can get at most one of two
    overlapping places."""
    ranked = choices(youth, round_) if ranked is None else ranked
    return [ChoiceRow(choice, tuple(
        other for other in ranked
        if other is not choice and set(other.offer.weeks) & set(choice.offer.weeks)))
        for choice in ranked]


def position_of(youth: YouthProfile, round_: Round, offer_id: int) -> tuple[int, int] | None:
    """``(rank, count)`` of the offer among the youth's choices, ``None`` if not chosen."""
    ranked = [a.offer_id for a in choices(youth, round_)]
    if offer_id not in ranked:
        return None
    return ranked.index(offer_id) + 1, len(ranked)


#: Messages on one page of My page, newest first.
MESSAGES_PAGE_SIZE = 10


def messages(user_id: int, page: int = 1) -> paging.Page[OutgoingMessage]:
    """The e-mail sent to the user, newest first, a page at a time."""
    return paging.of_query(sa.select(OutgoingMessage).where(OutgoingMessage.user_id == user_id)
                           .order_by(OutgoingMessage.id.desc()), page, MESSAGES_PAGE_SIZE)
