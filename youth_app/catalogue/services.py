"""Which offers a visitor sees, and how they narrow them down."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (Offer, OfferKind, OfferStatus, Placement, PlacementState, Round,
                      RoundState, SignUp, SignUpStatus)
from ..youth.services import open_rounds

#: Offers on one page of the catalogue: a phone scrolls through this many, then "Next".
PAGE_SIZE = 10


class Sort(enum.Enum):
    NEWEST = "newest"
    CLOSING = "closing"
    DISTRICT = "district"


#: What an offer is about, for finding it; each tag has a translated name (``interest_names``).
INTERESTS = ("sea", "sport", "nature", "culture", "music", "animals", "people", "food",
             "shop", "games")


def interest_names() -> dict[str, str]:
    from flask_babel import gettext as _

    return {"sea": _("Sea and boats"), "sport": _("Sport"), "nature": _("Nature and outdoors"),
            "culture": _("Art and culture"), "music": _("Music and dance"),
            "animals": _("Animals"), "people": _("Helping people"), "food": _("Food"),
            "shop": _("Shop and service"), "games": _("Games and technology")}


@dataclass(frozen=True)
class CatalogueFilter:
    text: str = ""
    kind: OfferKind | None = None
    week: str | None = None
    district_id: int | None = None
    age: int | None = None
    interest: str | None = None
    #: Only offers with a place still free (``free_places``).
    has_places: bool = False
    sort: Sort = Sort.NEWEST
    #: The reader's own district, first when sorting by district.
    home_district_id: int | None = None


def free_places(offers: list[Offer]) -> dict[int, int]:
    """Places still free, for offers whose places are being given out: open sign-up
    activities, and offers of a published round (places not offered or accepted)."""
    ids = [o.id for o in offers]
    taken = dict(db.session.execute(
        sa.select(Placement.offer_id, sa.func.count(Placement.id))
        .where(Placement.offer_id.in_(ids),
               Placement.state.in_([PlacementState.OFFERED, PlacementState.ACCEPTED]))
        .group_by(Placement.offer_id)).all())
    taken.update(db.session.execute(
        sa.select(SignUp.offer_id, sa.func.count(SignUp.id))
        .where(SignUp.offer_id.in_(ids), SignUp.status == SignUpStatus.CONFIRMED)
        .group_by(SignUp.offer_id)).all())
    return {o.id: max(0, o.capacity - taken.get(o.id, 0)) for o in offers
            if o.first_come or (o.round is not None and o.round.state is RoundState.PUBLISHED)}


_LAST = datetime.max.replace(tzinfo=timezone.utc)


def _sorted(offers: list[Offer], filters: CatalogueFilter) -> list[Offer]:
    offers = sorted(offers, key=lambda o: (o.kind.value, o.title, o.id))
    if filters.sort is Sort.CLOSING:
        return sorted(offers, key=lambda o: (
            o.round.application_closes_at if o.round and o.round.state is RoundState.OPEN
            else _LAST))
    if filters.sort is Sort.DISTRICT:
        return sorted(offers, key=lambda o: (
            o.district_id is None or o.district_id != filters.home_district_id,
            o.district is None, o.district.name if o.district else ""))
    return sorted(offers, key=lambda o: o.created_at, reverse=True)


def catalogue(filters: CatalogueFilter, now=None) -> list[Offer]:
    """Published offers of open and published rounds, and published open sign-up
    activities, in the order asked for."""
    round_ids = [r.id for r in open_rounds(now)] + list(db.session.scalars(
        sa.select(Round.id).where(Round.state == RoundState.PUBLISHED)))
    statement = (sa.select(Offer).where(Offer.status == OfferStatus.PUBLISHED)
                 .where(sa.or_(Offer.round_id.in_(round_ids),
                               Offer.first_come))
                 .order_by(Offer.kind, Offer.title, Offer.id)
                 # The list names each offer's organisation and district: one query, not
                 # one per organisation on the page.
                 .options(joinedload(Offer.organisation), joinedload(Offer.district)))
    if filters.kind:
        statement = statement.where(Offer.kind == filters.kind)
    if filters.district_id:
        statement = statement.where(Offer.district_id == filters.district_id)
    if filters.age is not None:
        statement = statement.where(Offer.min_age <= filters.age, Offer.max_age >= filters.age)
    if filters.text:
        pattern = f"%{filters.text.strip().lower()}%"
        statement = statement.where(sa.or_(sa.func.lower(Offer.title).like(pattern),
                                           sa.func.lower(Offer.description).like(pattern)))
    offers = list(db.session.scalars(statement))
    # Weeks and interests are JSON lists: filtered here, the same on every database.
    if filters.week:
        offers = [o for o in offers if filters.week in o.weeks]
    if filters.interest:
        offers = [o for o in offers if filters.interest in o.interests]
    if filters.has_places:
        free = free_places(offers)
        offers = [o for o in offers if free.get(o.id, 0) > 0]
    return _sorted(offers, filters)
