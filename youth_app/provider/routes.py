from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import exports, facts, paging
from ..auth import services as auth_services
from ..extensions import db
from ..forms import ActionForm
from ..i18n import latin_digits
from ..messages import error_text
from ..models import AllocationMode, District, OfferKind, Round
from ..unit_of_work import attempt
from ..untrusted import record_id
from . import bp, services
from .forms import InviteForm, OfferForm
from .services import NotYours, OfferRuleError


def _organisation():
    return current_user.organisation


def _own(offer_id: int):
    try:
        return services.own_offer(_organisation(), offer_id)
    except NotYours:
        abort(404)


@bp.get("/")
def home():
    return render_template("provider/home.html", organisation=_organisation(),
                           rows=services.dashboard(_organisation()), form=ActionForm())


def _offer_form(offer=None) -> OfferForm:
    rounds = services.rounds_for_offers()
    if offer is not None and offer.round is not None and offer.round not in rounds:
        rounds.append(offer.round)
    districts = db.session.scalars(sa.select(District).order_by(District.name)).all()
    form = OfferForm(rounds, districts, obj=offer)
    if offer is not None and request.method == "GET":
        form.round.data = offer.round_id or 0
        form.district.data = offer.district_id or 0
        form.languages.data = ", ".join(offer.languages)
        form.weeks.data = list(offer.weeks)
        form.period.data = next((f"{r.id}:{i}" for r in rounds if r.id == offer.round_id
                                 for i, p in enumerate(r.periods) if p["weeks"] == offer.weeks), "")
    return form


@bp.route("/offers/new", methods=["GET", "POST"])
@bp.route("/offers/<int:offer_id>/edit", methods=["GET", "POST"])
def edit_offer(offer_id: int | None = None):
    offer = _own(offer_id) if offer_id else None
    form = _offer_form(offer)
    if form.validate_on_submit():
        try:
            saved = attempt(lambda: services.save_offer(_organisation(), offer,
                                                        **_offer_fields(form)))
        except OfferRuleError as error:
            flash(error_text(error), "error")
        else:
            flash(_("The offer is saved as a draft. Send it for review when it is ready."), "success")
            return redirect(url_for("provider.offer", offer_id=saved.id))
    return render_template("provider/offer_form.html", form=form, offer=offer)


def _offer_fields(form: OfferForm) -> dict:
    return {
        "kind": OfferKind(form.kind.data), "title": form.title.data.strip(),
        "description": form.description.data, "round_id": form.round.data or None,
        "allocation_mode": AllocationMode(form.allocation_mode.data),
        "weeks": form.chosen_weeks(), "place": form.place.data,
        "district_id": form.district.data or None, "capacity": form.capacity.data,
        "min_age": form.min_age.data, "max_age": form.max_age.data,
        # A minimum only where the optimiser shares places out: an activity in a round.
        "min_participants": form.min_participants.data or None
        if OfferKind(form.kind.data) is OfferKind.ACTIVITY
        and AllocationMode(form.allocation_mode.data) is AllocationMode.ROUND else None,
        # Hours and pay are a job's (the consent page shows them); an activity has neither.
        **({"hours_per_day": form.hours_per_day.data, "hourly_pay": form.hourly_pay.data}
           if OfferKind(form.kind.data) is OfferKind.JOB
           else {"hours_per_day": None, "hourly_pay": None}),
        "requirements": form.requirements.data or "",
        "supervisor_name": form.supervisor_name.data,
        "supervisor_phone": form.supervisor_phone.data,
        "meeting_point": form.meeting_point.data or "",
        "what_to_bring": form.what_to_bring.data or "",
        "accessibility": form.accessibility.data or "",
        "languages": [part.strip() for part in (form.languages.data or "").split(",")
                      if part.strip()],
        "interests": list(form.interests.data or []),
    }


@bp.get("/offers/<int:offer_id>")
def offer(offer_id: int):
    offer = _own(offer_id)
    participants = paging.of_list(services.participants(offer), paging.page_number(),
                                  services.PARTICIPANTS_PAGE_SIZE)
    return render_template("provider/offer.html", offer=offer, form=ActionForm(),
                           participants=participants,
                           rounds=services.rounds_for_offers())


@bp.post("/offers/<int:offer_id>/<any(submit, close):action>")
def change_offer(offer_id: int, action: str):
    offer = _own(offer_id)
    try:
        attempt(lambda: services.submit(offer) if action == "submit" else services.close(offer))
    except OfferRuleError as error:
        flash(error_text(error), "error")
    else:
        flash(_("The offer is sent to the municipality for review.") if action == "submit"
              else _("The offer is closed."), "success")
    return redirect(url_for("provider.offer", offer_id=offer_id))


@bp.get("/offers/<int:offer_id>/delete")
def confirm_delete(offer_id: int):
    """Deleting cannot be undone: say what goes, and ask once more."""
    offer = _own(offer_id)
    if not offer.can_delete:
        flash(error_text(OfferRuleError("offer_not_deletable")), "error")
        return redirect(url_for("provider.offer", offer_id=offer_id))
    return render_template("provider/delete_offer.html", offer=offer, form=ActionForm())


@bp.post("/offers/<int:offer_id>/delete")
def delete_offer(offer_id: int):
    offer = _own(offer_id)
    title = offer.title
    try:
        attempt(lambda: services.delete(offer))
    except OfferRuleError as error:
        flash(error_text(error), "error")
        return redirect(url_for("provider.offer", offer_id=offer_id))
    flash(_("%(title)s is deleted.", title=title), "success")
    return redirect(url_for("provider.home"))


@bp.post("/offers/<int:offer_id>/copy")
def copy_offer(offer_id: int):
    offer = _own(offer_id)
    round_id = request.form.get("round", type=record_id)
    round_ = db.session.get(Round, round_id) if round_id else None
    if round_ is not None and round_ not in services.rounds_for_offers():
        abort(400)
    new = services.copy(offer, round_)
    flash(_("A copy is made. Check the weeks and the details, then send it for review."),
          "success")
    return redirect(url_for("provider.edit_offer", offer_id=new.id))


PARTICIPANT_HEADERS = ("name", "age", "phone", "email", "guardians", "shared_notes")


def _participant_rows(offer):
    for p in services.participants(offer):
        guardians = "; ".join(", ".join(x for x in g if x) for g in p.guardians)
        yield (p.name, p.age, p.phone, p.email, guardians, p.shared_notes)


@bp.get("/offers/<int:offer_id>/participants.<any(csv, xlsx):fmt>")
def export_participants(offer_id: int, fmt: str):
    offer = _own(offer_id)
    headers = [_("Name"), _("Age"), _("Phone"), _("E-mail address"), _("Guardians"),
               _("Shared by the young person")]
    return exports.download(headers, _participant_rows(offer), f"participants-{offer.id}", fmt)


@bp.get("/offers/<int:offer_id>/participants/print")
def print_participants(offer_id: int):
    offer = _own(offer_id)
    return render_template("provider/participants_print.html", offer=offer,
                           participants=services.participants(offer))


@bp.post("/placements/<int:placement_id>/start")
def confirm_start(placement_id: int):
    try:
        placement = services.confirm_start(_organisation(), placement_id, current_user.user)
    except NotYours:
        abort(404)
    flash(_("The start is confirmed."), "success")
    return redirect(url_for("provider.offer", offer_id=placement.offer_id))


@bp.route("/offers/<int:offer_id>/attendance", methods=["GET", "POST"])
def attendance(offer_id: int):
    offer = _own(offer_id)
    days = services.offer_days(offer)
    chosen = _chosen_day(days)
    if request.method == "POST":
        try:
            entries = _attendance_entries(offer, chosen)
            attempt(lambda: services.record_attendance(offer, chosen, entries,
                                                       current_user.user))
        except ValueError:
            flash(_("Hours must be a number between 0 and %(max)d, for example 6.5.",
                    max=facts.MAX_HOURS_PER_DAY), "error")
        except (OfferRuleError, NotYours):
            abort(400)
        else:
            flash(_("Attendance is saved."), "success")
            return redirect(url_for("provider.attendance", offer_id=offer_id,
                                    day=chosen.isoformat()))
    return render_template("provider/attendance.html", offer=offer, days=days, day=chosen,
                           participants=services.participants(offer, chosen),
                           recorded=services.attendance(offer, chosen), form=ActionForm())


def _chosen_day(days: list[date]) -> date:
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = min(days, key=lambda d: abs((d - facts.today()).days)) if days else facts.today()
    if day not in days:
        abort(404)
    return day


def _attendance_entries(offer, day) -> dict:
    entries = {}
    for p in services.participants(offer, day):
        present = request.form.get(f"present-{p.youth_id}") == "y"
        hours = None
        if offer.is_job and present:
            hours = _hours(request.form.get(f"hours-{p.youth_id}") or "0")
        entries[p.youth_id] = (present, hours)
    return entries


#: Hours in a day as a person writes them: "6", "6.5", "6,25" (ASCII digits only).
HOURS = re.compile(r"[0-9]{1,2}(?:\.[0-9]{1,2})?")


def _hours(text: str) -> Decimal:
    """From 0 to 12 with at most two decimals (the column's precision), else ValueError.
    Persian and Arabic-Indic digits and decimal separators are read too ("۷٫۵")."""
    text = latin_digits(text).strip().replace(",", ".").replace("\u066b", ".")
    if not HOURS.fullmatch(text) or not Decimal(0) <= Decimal(text) <= facts.MAX_HOURS_PER_DAY:
        raise ValueError("not hours in a day")
    return Decimal(text)


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            attempt(lambda: auth_services.invite_provider(_organisation(), form.email.data,
                                                          current_user.user))
        except auth_services.EmailTaken as error:
            form.email.errors.append(error_text(error))
        else:
            flash(_("The invitation is sent."), "success")
            return redirect(url_for("provider.home"))
    return render_template("provider/invite.html", form=form,
                           colleagues=_organisation().users)
