"""Which offers a visitor sees, and how they narrow them down."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import Offer, OfferKind, OfferStatus
from ..youth.services import open_rounds


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


def catalogue(filters: CatalogueFilter, now=None) -> list[Offer]:
    """Published offers of open rounds, and published open sign-up activities."""
    round_ids = [r.id for r in open_rounds(now)]
    statement = (sa.select(Offer).where(Offer.status == OfferStatus.PUBLISHED)
                 .where(sa.or_(Offer.round_id.in_(round_ids),
                               Offer.first_come))
                 .order_by(Offer.kind, Offer.title, Offer.id))
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
    return offers
