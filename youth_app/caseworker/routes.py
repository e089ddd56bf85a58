from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import background, facts, jobs, labels, paging
from ..extensions import db
from ..forms import ActionForm
from ..messages import error_text
from ..models import BackgroundJob, JobKind, PriorityGroup, YouthProfile
from ..unit_of_work import attempt
from . import bp, csv_import, services
from .forms import (MAX_FILE_SIZE, ApartForm, ConfirmImportForm, ImportForm,
                    MembershipForm, SearchForm)
from .services import PriorityError


def _me():
    return current_user.user


@bp.get("/")
def home():
    form = SearchForm(formdata=request.args if request.args else None)
    results = services.search(form.q.data) if form.q.data and form.validate() else None
    if results is not None:
        services.record_read("search", _me(), results=len(results))
    return render_template("caseworker/home.html", form=form, results=results,
                           groups=services.groups(), counts=services.counts())


@bp.get("/summer")
def summer():
    """Weeks × districts: where social services' young people have nothing this summer,
    to plan activities where they are missing (counts only)."""
    years = services.summer_years()
    year = request.args.get("year", type=int)
    if year not in years:
        year = years[0] if years else facts.today().year
    gaps = services.summer_gaps(year)
    services.record_read("summer", _me(), year=year)
    return render_template("caseworker/summer.html", gaps=gaps, years=years)


@bp.get("/groups/<int:group_id>")
def group(group_id: int):
    group = db.session.get(PriorityGroup, group_id)
    if group is None:
        abort(404)
    members = services.members(group, paging.page_number())
    services.record_read("group", _me(), group=group.code, members=len(members),
                         page=members.number)
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
        if group is None:  # the form offers only existing groups
            abort(400)
        services.add(youth, group, form.reason.data or "", form.expires_on.data, _me())
        flash(_("The young person is in the group."), "success")
        return redirect(url_for("caseworker.youth", youth_id=youth_id))
    services.record_read("youth", _me(), youth_id=youth.id)
    return render_template("caseworker/youth.html", youth=youth, form=form,
                           memberships=services.memberships(youth), action_form=ActionForm())


@bp.post("/memberships/<int:membership_id>/remove")
def remove_membership(membership_id: int):
    youth_id = request.form.get("youth_id", type=int)
    try:
        services.remove(membership_id, _me())
    except PriorityError:
        abort(404)
    flash(_("The young person is no longer in the group."), "success")
    return redirect(url_for("caseworker.youth", youth_id=youth_id) if youth_id
                    else url_for("caseworker.home"))


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    """Step 1: upload a list and see what importing it would do; nothing is saved."""
    form = ImportForm(services.groups())
    if not form.validate_on_submit():
        return render_template("caseworker/import.html", form=form)
    group = db.session.get(PriorityGroup, form.group.data)
    try:
        plan = csv_import.preview(form.file.data, group, form.reason.data or "",
                                  form.expires_on.data)
    except csv_import.FileProblem as problem:
        form.file.errors.append(_file_problem_text(problem.code))
        return render_template("caseworker/import.html", form=form)
    return _show_preview(plan, form)


@bp.post("/import/confirm")
def confirm_import():
    """Step 2: import exactly what the preview showed, if it still holds."""
    form = ConfirmImportForm()
    try:
        if not form.validate_on_submit():
            raise csv_import.PreviewProblem("invalid")
        plan, seen = csv_import.from_token(form.token.data, _me())
    except csv_import.PreviewProblem as problem:
        return _start_over(_preview_problem_text(problem.code), 400)
    if services.expiry_problem(plan.expires_on):  # the day turned since the preview
        return _start_over(_preview_problem_text("expiry_passed"), 200)
    if plan.state() != seen:
        return _changed_meanwhile(plan)
    return _import(plan, form)


def _import(plan: csv_import.Plan, form: ConfirmImportForm):
    """A short list is imported at once; a long one by a job whose page follows it."""
    try:
        job = attempt(lambda: csv_import.start(plan, form.replace.data, _me()))
    except sa.exc.IntegrityError:  # another import added one of them at this very moment
        return _changed_meanwhile(csv_import.from_token(form.token.data, _me())[0])
    if job.active:
        background.start_after_commit("job", job.id)
        return redirect(url_for("caseworker.import_job", job_id=job.id))
    flash(_imported_text(csv_import.imported(job)), "success")
    return redirect(url_for("caseworker.group", group_id=plan.group.id))


def _imported_text(imported: csv_import.Imported) -> str:
    return _("Imported. New in the group: %(added)d. Replaced: %(changed)d. "
             "Kept as they were: %(kept)d.", added=imported.added, changed=imported.changed,
             kept=imported.kept)


def _import_job(job_id: int) -> BackgroundJob:
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.kind is not JobKind.IMPORT:
        abort(404)
    return job


@bp.get("/imports/<int:job_id>")
def import_job(job_id: int):
    """A long import's progress (polled) and, once done, what it did."""
    job = _import_job(job_id)
    group = db.session.get(PriorityGroup, job.options.get("group"))
    return render_template("caseworker/import_job.html", job=job, group=group,
                           form=ActionForm(), stale=job in jobs.stale_jobs(),
                           done_text=_imported_text(csv_import.imported(job))
                           if job.succeeded else "")


@bp.get("/imports/<int:job_id>/progress.json")
def import_progress(job_id: int):
    return jsonify(labels.job_progress(_import_job(job_id)))


@bp.post("/imports/<int:job_id>/resume")
def resume_import(job_id: int):
    """Continue an import that failed or whose worker stopped: it goes on from the youths
    still to add."""
    job = _import_job(job_id)
    try:
        attempt(lambda: jobs.resume(job, _me()))
    except jobs.JobError as error:
        flash(error_text(error), "error")
    else:
        background.start_after_commit("job", job.id)
    return redirect(url_for("caseworker.import_job", job_id=job_id))


def _show_preview(plan: csv_import.Plan, upload: ImportForm):
    """The preview page, and its ``priority.read`` row (it shows names next to a group).
    Rendered before the request commits, so the page does not reload every young person."""
    confirm = None if plan.errors else ConfirmImportForm(
        formdata=None, token=csv_import.token(plan, _me()))
    page = render_template("caseworker/import_preview.html", plan=plan, form=upload,
                           confirm=confirm, line_error_text=_line_error_text,
                           shown_rows=csv_import.SHOWN_ROWS)
    services.record_read("import_preview", _me(), group=plan.group.code, lines=plan.lines)
    return page


def _changed_meanwhile(plan: csv_import.Plan):
    flash(_("The group changed after you checked the list. This is what the import would "
            "do now: check it and press Import again."), "error")
    return _show_preview(plan, ImportForm(services.groups(), formdata=None))


def _start_over(message: str, status: int):
    flash(message, "error")
    form = ImportForm(services.groups(), formdata=None)
    return render_template("caseworker/import.html", form=form), status


def _line_error_text(code: str) -> str:
    return {"invalid": _("not a valid personal identity number"),
            "unknown": _("no young person with this number has registered"),
            "removed": _("the young person's account was removed after you checked the list"),
            "encoding": _("the line is not UTF-8 text (save the file as CSV UTF-8)"),
            "nul": _("the line holds a NUL character, so the file is not plain text"),
            "too_long": _("the line is longer than %(count)d characters",
                          count=csv_import.MAX_LINE_CHARS),
            "unreadable": _("the line cannot be read as CSV")}[code]


def _file_problem_text(code: str) -> str:
    return {"too_big": _("The file is larger than %(size)s. Split the list into smaller "
                         "files.", size=MAX_FILE_SIZE),
            "too_many_lines": _("The file has more than %(count)d lines. Split the list "
                                "into smaller files.", count=csv_import.MAX_LINES),
            "empty": _("The file holds no personal identity numbers.")}[code]


def _preview_problem_text(code: str) -> str:
    if code == "expired":
        return _("You checked the list more than %(minutes)d minutes ago. Upload the file "
                 "again.", minutes=csv_import.CONFIRM_MAX_AGE.seconds // 60)
    if code == "expiry_passed":
        return _("The expiry date has passed since you checked the list. Upload the file "
                 "again with a later date.")
    return _("The checked list could not be read. Upload the file again.")


@bp.route("/apart", methods=["GET", "POST"])
def apart():
    form = ApartForm()
    if form.validate_on_submit():
        try:
            attempt(lambda: services.add_apart_group(form.numbers.data.split(), _me()))
        except PriorityError as error:
            form.numbers.errors.append(error_text(error))
        else:
            flash(_("The group is saved."), "success")
            return redirect(url_for("caseworker.apart"))
    groups = services.apart_groups(paging.page_number())
    services.record_read("apart", _me(), groups=len(groups), page=groups.number)
    return render_template("caseworker/apart.html", form=form, groups=groups,
                           action_form=ActionForm())


@bp.post("/apart/<int:group_id>/remove")
def remove_apart(group_id: int):
    try:
        services.remove_apart_group(group_id, _me())
    except PriorityError:
        abort(404)
    flash(_("The group is removed."), "success")
    return redirect(url_for("caseworker.apart"))
