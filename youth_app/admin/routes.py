from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import exports, paging
from ..consent import services as consent
from ..extensions import db
from ..forms import ActionForm
from ..messages import error_text
from ..models import Placement
from ..unit_of_work import attempt
from ..untrusted import record_id
from . import bp, services
from .forms import PaperConsentForm, ReturnOfferForm
from .services import AdminRuleError


@bp.get("/")
def home():
    return render_template("admin/home.html", counts=services.overview())


@bp.get("/messages")
def messages():
    return render_template("admin/messages.html",
                           messages=services.recent_messages(paging.page_number()))


@bp.get("/organisations")
def organisations():
    return render_template("admin/organisations.html",
                           organisations=services.organisations(paging.page_number()),
                           form=ActionForm())


@bp.post("/organisations/<int:organisation_id>/approve")
def approve_organisation(organisation_id: int):
    try:
        organisation = services.approve_organisation(organisation_id, current_user.user)
    except AdminRuleError:
        abort(404)
    flash(_("%(name)s is approved.", name=organisation.name), "success")
    return redirect(url_for("admin.organisations"))


@bp.get("/offers")
def offers():
    return render_template("admin/offers.html",
                           offers=services.offers_to_review(paging.page_number()),
                           form=ActionForm(), return_form=ReturnOfferForm)


@bp.post("/offers/<int:offer_id>/<any(publish, return):decision>")
def review_offer(offer_id: int, decision: str):
    reason = ReturnOfferForm(prefix=f"o{offer_id}").reason.data or ""
    try:
        offer = attempt(lambda: services.review_offer(offer_id, decision == "publish",
                                                      current_user.user, reason))
    except AdminRuleError as error:
        flash(error_text(error), "error")
    else:
        flash(_("%(title)s is published.", title=offer.title) if decision == "publish"
              else _("%(title)s is returned to the provider.", title=offer.title), "success")
    return redirect(url_for("admin.offers"))


@bp.route("/hours", methods=["GET", "POST"])
def hours():
    form = ActionForm()
    if form.validate_on_submit():
        ids = request.form.getlist("attendance", type=record_id)
        count = services.approve_hours(ids, current_user.user)
        flash(_("Approved: %(count)d.", count=count), "success")
        return redirect(url_for("admin.hours"))
    return render_template("admin/hours.html", rows=services.hours_waiting(paging.page_number()),
                           form=form)


@bp.get("/hours/approved.<any(csv, xlsx):fmt>")
def export_hours(fmt: str):
    headers = [_("Name"), _("Personal identity number"), _("Job"), _("Employer"), _("Days"),
               _("Hours")]
    return exports.download(headers, services.approved_hours_per_youth(), "approved-hours", fmt)


@bp.get("/consents")
def consents():
    name = request.args.get("name", "").strip()[:100]
    page = services.consents(paging.page_number(), name=name)
    rows = [(p, consent.state(p)) for p in page]
    return render_template("admin/consents.html", rows=rows, page=page, name=name,
                           form=PaperConsentForm())


@bp.post("/consents/<int:placement_id>")
def record_consent(placement_id: int):
    placement = db.session.get(Placement, placement_id)
    if placement is None:
        abort(404)
    form = PaperConsentForm()
    if form.validate_on_submit():
        consent.record_paper(placement, form.guardian_name.data, current_user.user)
        flash(_("Paper consent is recorded."), "success")
    else:
        flash(_("Write the name of the guardian who signed."), "error")
    page = paging.page_number()  # back to the page (and the search) the form was on
    name = request.args.get("name", "").strip()[:100] or None
    return redirect(url_for("admin.consents", page=page if page > 1 else None, name=name))
