from __future__ import annotations

import json
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import paging
from ..allocation import explain
from ..auth.sessions import sign_out
from ..security import local_target
from ..consent import services as consent
from ..extensions import db
from ..forms import ActionForm
from ..i18n import format_date
from ..messages import error_text
from ..models import District, Offer, OutgoingMessage, Round, SignUp
from ..placements import services as placements
from ..placements.services import PlacementError
from ..unit_of_work import attempt
from ..untrusted import record_id
from . import account, bp, friends, services
from .forms import FriendCodeForm, ProfileForm, RemoveAccountForm
from .friends import FriendError
from .services import ChoiceError


def _youth():
    return current_user.youth_profile


@bp.get("/")
def home():
    youth = _youth()
    rounds = [(r, services.choices(youth, r), services.eligibility(youth, r))
              for r in services.open_rounds()]
    results = [r for r in services.rounds_applied(youth) if explain.published_runs(r)]
    sign_ups = db.session.scalars(sa.select(SignUp).where(
        SignUp.youth_id == youth.id, SignUp.active)).all()
    offered = [(p, placements.needs_consent(p), consent.state(p))
               for p in placements.for_youth(youth)]
    messages = services.messages(current_user.id, paging.page_number("messages"))
    return render_template("youth/home.html", profile=youth, rounds=rounds,
                           sign_ups=[(s, services.waiting_position(s)) for s in sign_ups],
                           placements=offered, messages=messages, results=results,
                           message_title=message_title, form=ActionForm())


def message_title(message: OutgoingMessage) -> str:
    """A message's title in the reader's language: the stored subject is in the language
    it was sent in, so the list names each message by its kind instead."""
    titles = {
        "auth.confirm_email": _("Confirm your e-mail address"),
        "auth.reset_password": _("Choose a new password"),
        "application.received": _("We have received your application"),
        "signup.promoted": _("You got a place from the waiting list"),
        "placement.none": _("The results are out"),
        "placement.offered": _("You are offered a place"),
        "placement.offered_no_guardian": _("You are offered a place"),
        "placement.reminder": _("Reminder: answer your offer"),
        "placement.confirmed": _("Your place is confirmed"),
        "placement.expired": _("Your offer has expired"),
    }
    return titles.get(message.kind, message.subject)


def _open_round(round_id: int) -> Round:
    return db.get_or_404(Round, round_id)


@bp.get("/rounds/<int:round_id>/choices")
def choices(round_id: int):
    return _choices_page(_youth(), _open_round(round_id), FriendCodeForm())


def _choices_page(youth, round_: Round, friend_form: FriendCodeForm) -> str:
    ranked = services.choices(youth, round_)
    on = friends.enabled(round_)
    return render_template("youth/choices.html", round=round_, choices=ranked,
                           rows=services.choice_rows(youth, round_, ranked),
                           week_dates=week_dates,
                           eligibility=services.eligibility(youth, round_), form=ActionForm(),
                           friends_on=on, friend_form=friend_form,
                           friend_group=friends.group_of(youth, round_) if on else None)


@bp.post("/rounds/<int:round_id>/friends/<action>")
def change_friends(round_id: int, action: str):
    """Make a friend code, enter a friend's, or leave the group: each its own button."""
    round_ = _open_round(round_id)
    youth = _youth()
    form = FriendCodeForm()
    if action == "join" and not form.validate_on_submit():
        return _choices_page(youth, round_, form), 400
    steps = {"new": lambda: friends.create(youth, round_),
             "join": lambda: friends.join(youth, round_, form.code.data or ""),
             "leave": lambda: friends.leave(youth, round_)}
    if action not in steps:
        abort(404)
    try:
        attempt(steps[action])
    except (FriendError, ChoiceError) as error:
        flash(error_text(error), "error")
    else:
        flash({"new": _("Your friend code is ready. Give it to the friends you want to be "
                        "placed with."),
               "join": _("You are in your friend's group."),
               "leave": _("You have left the friend group.")}[action], "success")
    return redirect(url_for("youth.choices", round_id=round_id) + "#friends")


@bp.post("/rounds/<int:round_id>/choices/<action>/<int:offer_id>")
def change_choice(round_id: int, action: str, offer_id: int):
    """Add, remove or move one choice; each is a button, so no mouse is needed."""
    round_ = _open_round(round_id)
    youth = _youth()
    order = [a.offer_id for a in services.choices(youth, round_)]
    try:
        new_order = services.reordered(order, action, offer_id)
        attempt(lambda: services.save_choices(youth, round_, new_order))
    except ChoiceError as error:
        flash(error_text(error), "error")
    except ValueError:
        abort(400)
    else:
        flash(_moved_text(youth, round_, action, offer_id), "success")
    return redirect(local_target(request.form.get("next", ""))
                    or url_for("youth.choices", round_id=round_id))


def _moved_text(youth, round_: Round, action: str, offer_id: int) -> str:
    """After "Move up"/"Move down": where the choice is now, said by the status region
    of the page that follows (so it is read out with or without JavaScript)."""
    position = services.position_of(youth, round_, offer_id)
    if action not in ("up", "down") or position is None:
        return _("Your choices are saved.")
    offer = db.session.get(Offer, offer_id)
    return _("%(title)s is now number %(rank)d of %(count)d.",
             title=offer.title if offer else "", rank=position[0], count=position[1])


def week_dates(iso_weeks: list[str]) -> str:
    """ISO weeks as dates a reader knows, each run of weeks from Monday to Friday:
    "15 June – 3 July 2027"."""
    parts: list[str] = []
    for first, last in _runs(sorted(iso_weeks)):
        start, end = _monday(first), _monday(last) + timedelta(days=4)
        parts.append(_("%(start)s – %(end)s", start=format_date(start, "d MMMM"),
                       end=format_date(end, "d MMMM y")))
    return "; ".join(parts)


def _monday(iso_week: str) -> date:
    year, number = iso_week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def _runs(weeks: list[str]) -> list[tuple[str, str]]:
    runs: list[tuple[str, str]] = []
    for week in weeks:
        if runs and _monday(week) - _monday(runs[-1][1]) == timedelta(days=7):
            runs[-1] = (runs[-1][0], week)
        else:
            runs.append((week, week))
    return runs


@bp.post("/rounds/<int:round_id>/choices/order")
def reorder_choices(round_id: int):
    """The whole order at once, sent by drag and drop (``static/js/app.js``)."""
    round_ = _open_round(round_id)
    youth = _youth()
    try:
        order = [record_id(part) for part in request.form.get("order", "").split(",") if part]
        moved = record_id(request.form["moved"]) if request.form.get("moved") else None
    except ValueError:
        abort(400)
    if sorted(order) != sorted(a.offer_id for a in services.choices(youth, round_)):
        abort(400)  # drag and drop only reorders; adding and removing have their buttons
    try:
        attempt(lambda: services.save_choices(youth, round_, order))
    except ChoiceError as error:
        flash(error_text(error), "error")
    else:  # where the dragged choice is now, as after "Move up"/"Move down"
        flash(_moved_text(youth, round_, "down", moved) if moved in order
              else _("Your choices are saved."), "success")
    return redirect(url_for("youth.choices", round_id=round_id))


@bp.post("/signups/<int:offer_id>")
def sign_up(offer_id: int):
    youth = _youth()
    try:
        entry = attempt(lambda: services.sign_up(youth, offer_id))
    except ChoiceError as error:
        flash(error_text(error), "error")
    else:
        if entry.has_place:
            flash(_("You have a place. Welcome!"), "success")
        else:
            flash(_("All places are taken, so you are on the waiting list. We will tell you "
                    "if a place becomes free."), "info")
    return redirect(url_for("catalogue.show", offer_id=offer_id))


@bp.post("/signups/<int:offer_id>/cancel")
def cancel_sign_up(offer_id: int):
    youth = _youth()
    try:
        services.tell_promoted(services.cancel_sign_up(youth, offer_id))
    except ChoiceError:
        abort(404)
    flash(_("Your sign-up is cancelled."), "success")
    return redirect(url_for("catalogue.show", offer_id=offer_id))


@bp.get("/placements/<int:placement_id>/decline")
def confirm_decline(placement_id: int):
    """Declining gives the place away for good: say so, and ask once more. Accepting
    stays one tap."""
    try:
        placement = placements.awaiting_answer(_youth(), placement_id)
    except PlacementError as error:
        if error.code == "placement_not_found":
            abort(404)
        flash(error_text(error), "error")
        return redirect(url_for("youth.home"))
    return render_template("youth/decline.html", placement=placement)


@bp.post("/placements/<int:placement_id>/<any(accept, decline):answer>")
def answer(placement_id: int, answer: str):
    youth = _youth()
    try:
        attempt(lambda: placements.answer(youth, placement_id, accept=answer == "accept"))
    except PlacementError as error:
        if error.code == "placement_not_found":
            abort(404)
        flash(error_text(error), "error")
    else:
        flash(_("Thank you, your place is confirmed.") if answer == "accept"
              else _("You have declined the place. It goes to someone else."), "success")
    return redirect(url_for("youth.home"))


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    youth = _youth()
    districts = db.session.scalars(sa.select(District).order_by(District.name)).all()
    form = ProfileForm(districts, obj=youth)
    if request.method == "GET":
        form.district.data = youth.district_id
        while len(youth.guardians) > len(form.guardians.entries):
            form.guardians.append_entry()
        for entry, guardian in zip(form.guardians.entries, youth.guardians):
            entry.form.process(obj=guardian)
    if form.validate_on_submit():
        account.update_profile(
            youth, phone=form.phone.data or "", private_email=form.private_email.data,
            district_id=form.district.data, school=form.school.data or "",
            school_year=form.school_year.data, languages=form.languages.data,
            shared_notes=form.shared_notes.data or "", guardians=form.guardians.data)
        placements.request_missing_consents(youth)
        flash(_("Your details are saved."), "success")
        return redirect(url_for("youth.profile"))
    return render_template("youth/profile.html", form=form, profile=youth)


@bp.get("/my-data")
def my_data():
    return render_template("youth/my_data.html", data=account.export(_youth()))


@bp.get("/my-data.json")
def my_data_json():
    body = json.dumps(account.export(_youth()), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="my-data.json"'})


@bp.route("/remove", methods=["GET", "POST"])
def remove_account():
    form = RemoveAccountForm()
    if form.validate_on_submit():
        kept = account.remove(_youth())
        sign_out(current_user._get_current_object())
        flash(_("Your account is removed. Places you accepted are kept, as the law "
                "requires for employment and activity records.") if kept
              else _("Your account and your data are removed."), "success")
        return redirect(url_for("main.index"))
    return render_template("youth/remove.html", form=form)


def reason_text(code: str) -> str:
    """The optimiser's reason codes, told to the youth."""
    return {
        "too_young": _("You were younger than the offer's lowest age."),
        "too_old": _("You were older than the offer's highest age."),
        "full": _("All its places went to others who, by the published rule, came first."),
        "cancelled": _("It did not take place: too few young people could be given a place "
                       "on it."),
        "week_conflict": _("It was in the same weeks as a place you got."),
        "job_limit": _("You already got as many summer jobs as the round gives each young "
                       "person."),
        "place_limit": _("You already got as many places as the round gives each young person."),
        "forbidden": _("It could not be given to you, for example because you declined it "
                       "before."),
    }.get(code, _("It could not be given to you in the allocation."))


@bp.get("/rounds/<int:round_id>/result")
def result(round_id: int):
    round_ = _open_round(round_id)
    told = explain.for_youth(_youth(), round_)
    if told is None:
        abort(404)
    return render_template("youth/result.html", result=told, reason_text=reason_text)
