from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import PriorityGroup, YouthProfile
from . import bp, services
from .forms import ActionForm, ApartForm, ImportForm, MembershipForm, SearchForm
from .services import PriorityError


def _me():
    return current_user.user


@bp.get("/")
def home():
    form = SearchForm(formdata=request.args if request.args else None)
    results = services.search(form.q.data) if form.q.data and form.validate() else None
    if results is not None:
        services.record_read("search", _me(), results=len(results))
        db.session.commit()
    return render_template("caseworker/home.html", form=form, results=results,
                           groups=services.groups(), counts=services.counts())


@bp.get("/groups/<int:group_id>")
def group(group_id: int):
    group = db.session.get(PriorityGroup, group_id)
    if group is None:
        abort(404)
    members = services.members(group)
    services.record_read("group", _me(), group=group.code, members=len(members))
    db.session.commit()
    return render_template("caseworker/group.html", group=group, members=members,
                           form=ActionForm())


@bp.route("/youths/<int:youth_id>", methods=["GET", "POST"])
def youth(youth_id: int):
    youth = db.session.get(YouthProfile, youth_id)
    if youth is None:
        abort(404)
    form = MembershipForm(services.groups())
    if form.validate_on_submit():
        group = db.session.get(PriorityGroup, form.group.data)
        services.add(youth, group, form.reason.data or "", form.expires_on.data, _me())
        db.session.commit()
        flash(_("The young person is in the group."), "success")
        return redirect(url_for("caseworker.youth", youth_id=youth_id))
    services.record_read("youth", _me(), youth_id=youth.id)
    db.session.commit()
    return render_template("caseworker/youth.html", youth=youth, form=form,
                           memberships=services.memberships(youth), action_form=ActionForm())


@bp.post("/memberships/<int:membership_id>/remove")
def remove_membership(membership_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    youth_id = request.form.get("youth_id", type=int)
    try:
        services.remove(membership_id, _me())
    except PriorityError:
        abort(404)
    db.session.commit()
    flash(_("The young person is no longer in the group."), "success")
    return redirect(url_for("caseworker.youth", youth_id=youth_id) if youth_id
                    else url_for("caseworker.home"))




@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    form = ImportForm(services.groups())
    result = None
    if form.validate_on_submit():
        group = db.session.get(PriorityGroup, form.group.data)
        result = services.import_csv(form.file.data.read(), group, form.expires_on.data,
                                     form.reason.data or "", _me())
        if result.errors:
            db.session.rollback()
        else:
            db.session.commit()
            flash(_("Imported: %(count)d.", count=result.added), "success")
            return redirect(url_for("caseworker.group", group_id=group.id))
    return render_template("caseworker/import.html", form=form, result=result,
                           error_text=_import_error_text)


def _import_error_text(code: str) -> str:
    return {"invalid": _("not a valid personal identity number"),
            "unknown": _("no young person with this number has registered"),
            "encoding": _("the file is not UTF-8 text")}[code]


@bp.route("/apart", methods=["GET", "POST"])
def apart():
    form = ApartForm()
    if form.validate_on_submit():
        try:
            services.add_apart_group(form.numbers.data.split(), _me())
        except PriorityError as error:
            db.session.rollback()
            form.numbers.errors.append({
                "apart_invalid": _("A line is not a valid personal identity number."),
                "apart_unknown": _("A number belongs to no registered young person."),
                "apart_too_few": _("Give at least two different young people."),
            }[error.code])
        else:
            db.session.commit()
            flash(_("The group is saved."), "success")
            return redirect(url_for("caseworker.apart"))
    groups = services.apart_groups()
    services.record_read("apart", _me(), groups=len(groups))
    db.session.commit()
    return render_template("caseworker/apart.html", form=form, groups=groups,
                           action_form=ActionForm())


@bp.post("/apart/<int:group_id>/remove")
def remove_apart(group_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.remove_apart_group(group_id, _me())
    except PriorityError:
        abort(404)
    db.session.commit()
    flash(_("The group is removed."), "success")
    return redirect(url_for("caseworker.apart"))
