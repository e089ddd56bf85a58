from __future__ import annotations

from flask import abort, render_template

from ..extensions import db
from ..models import Placement
from . import bp, services
from .forms import ConsentForm


@bp.route("/<token>", methods=["GET", "POST"])
def give(token: str):
    consent = services.find(token)
    if consent is None:
        abort(404)
    placement = db.session.get(Placement, consent.placement_id)
    form = ConsentForm()
    if consent.given_at is None and form.validate_on_submit():
        services.give(consent, form.name.data)
    return render_template("consent/give.html", consent=consent, placement=placement,
                           form=form)
