from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_login import current_user

from .. import paging
from ..extensions import db
from ..models import District, Offer, OfferKind, OfferStatus, SignUp
from ..youth import services as youth_services
from . import bp, services
from .forms import CatalogueFilterForm


@bp.get("/")
def index():
    everything = services.catalogue(services.CatalogueFilter())
    weeks = sorted({w for offer in everything for w in offer.weeks})
    districts = db.session.scalars(sa.select(District).order_by(District.name)).all()
    form = CatalogueFilterForm(weeks, districts, formdata=request.args)
    form.validate()
    kind, district = _chosen(form.kind), _chosen(form.district)
    sort = _chosen(form.sort)
    filters = services.CatalogueFilter(
        text=_chosen(form.q) or "", kind=OfferKind(kind) if kind else None,
        week=_chosen(form.week), district_id=int(district) if district else None,
        age=_chosen(form.age), interest=_chosen(form.interest),
        has_places=bool(form.places.data), sort=services.Sort(sort) if sort else
        services.Sort.NEWEST, home_district_id=_home_district())
    page = paging.of_list(services.catalogue(filters), _chosen(form.page) or 1,
                          services.PAGE_SIZE)
    return render_template(
        "catalogue/index.html", form=form, page=page, free=services.free_places(page.items),
        filtering=any(_chosen(form[name]) for name in form.FILTERS))


def _home_district() -> int | None:
    """The logged-in youth's district, for "nearest district first"."""
    if current_user.is_authenticated and current_user.is_youth:
        return current_user.youth_profile.district_id
    return None


def _chosen(field):
    """A filter's value; ``None`` when it is empty or wrong (``?kind=x``): a wrong
    filter is shown with its message and left out, the list stays."""
    return None if field.errors or field.data in ("", None) else field.data


@bp.get("/<int:offer_id>")
def show(offer_id: int):
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.status is not OfferStatus.PUBLISHED:
        abort(404)
    context = {}
    if current_user.is_authenticated and current_user.is_youth:
        context = _youth_context(current_user.youth_profile, offer)
    return render_template("catalogue/show.html", offer=offer, **context)


def _youth_context(youth, offer: Offer) -> dict:
    """What the page needs to offer "add to my choices" or "sign up"."""
    sign_up = db.session.scalar(sa.select(SignUp).where(SignUp.offer_id == offer.id,
                                                        SignUp.youth_id == youth.id))
    chosen = offer.round is not None and any(
        a.offer_id == offer.id for a in youth_services.choices(youth, offer.round))
    return {"sign_up": sign_up, "chosen": chosen,
            "waiting_position": youth_services.waiting_position(sign_up) if sign_up else None,
            "eligibility": youth_services.eligibility(youth, offer.round) if offer.round else None}
