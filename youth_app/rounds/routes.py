from __future__ import annotations

import json

from flask import (Response, abort, current_app, flash, jsonify, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user

from .. import audit, background, facts, jobs, labels, paging
from ..allocation import explain, figures
from ..allocation.problem import staff_reference, staff_reference_id
from ..allocation import public as public_view
from ..allocation import publishing
from ..allocation import services as allocation
from ..caseworker import services as priority
from ..extensions import db
from ..forms import ActionForm
from ..messages import error_text
from ..jobs import JobError
from ..models import (AllocationRun, BackgroundJob, JobKind, Round, RoundState,
                      TransitionError)
from ..unit_of_work import after_commit, attempt
from . import bp, services
from .forms import ManualOfferForm, OverrideForm, RoundForm
from .services import RoundRuleError


def _round(round_id: int) -> Round:
    return db.get_or_404(Round, round_id)


def _admin():
    return current_user.user


@bp.get("/admin/rounds/")
def index():
    return render_template("rounds/index.html", rounds=services.all_rounds())


@bp.route("/admin/rounds/new", methods=["GET", "POST"])
@bp.route("/admin/rounds/<int:round_id>/edit", methods=["GET", "POST"])
def edit(round_id: int | None = None):
    round_ = _round(round_id) if round_id else None
    form = RoundForm(services.tier_names(), obj=round_)
    if round_ is not None and not form.is_submitted():
        _fill(form, round_)
    if form.validate_on_submit():
        try:
            saved = attempt(lambda: services.save(round_, _admin(), **_fields(form)))
        except RoundRuleError as error:
            flash(error_text(error), "error")
        else:
            flash(_("The round is saved."), "success")
            return redirect(url_for("rounds.show", round_id=saved.id))
    return render_template("rounds/edit.html", form=form, round=round_)


def _fill(form: RoundForm, round_: Round) -> None:
    form.application_opens_at.data = facts.utc_to_local(round_.application_opens_at)
    form.application_closes_at.data = facts.utc_to_local(round_.application_closes_at)
    policy = round_.policy or {}
    form.max_places_per_youth.data = policy.get("max_places_per_youth", 2)
    form.max_jobs_per_youth.data = policy.get("max_jobs_per_youth", 1)
    form.priority_tiers.data = form.tier_text(policy.get("priority_tiers", []))
    form.priority_ranks.data = "yes" if policy.get("priority_ranks", True) else "no"
    form.friends.data = bool(policy.get("friends", False))
    form.method.data = round_.method
    form.periods.data = "\n".join(
        f"{p['name']}: {int(p['weeks'][0][-2:])}-{int(p['weeks'][-1][-2:])}"
        for p in round_.periods if p["weeks"])


def _fields(form: RoundForm) -> dict:
    return {
        "name": form.name.data.strip(),
        "application_opens_at": facts.local_to_utc(form.application_opens_at.data),
        "application_closes_at": facts.local_to_utc(form.application_closes_at.data),
        "reply_days": form.reply_days.data, "reference_date": form.reference_date.data,
        "min_age": form.min_age.data, "max_age": form.max_age.data,
        "residents_only": form.residents_only.data, "max_choices": form.max_choices.data,
        "policy": {"max_places_per_youth": form.max_places_per_youth.data,
                   "max_jobs_per_youth": form.max_jobs_per_youth.data or 0,
                   "priority_tiers": form.tiers(),
                   "priority_ranks": form.priority_ranks.data == "yes",
                   "friends": bool(form.friends.data),
                   "method": form.method.data},
        "periods": form.parsed_periods(form.reference_date.data.year),
    }


def _fail_stale_runs(round_: Round) -> None:
    """A run whose worker died is marked failed as soon as anyone looks."""
    allocation.fail_stale_runs(round_)


@bp.get("/admin/rounds/<int:round_id>")
def show(round_id: int):
    round_ = _round(round_id)
    _fail_stale_runs(round_)
    return render_template("rounds/show.html", round=round_, runs=services.runs(round_),
                           overrides=services.overrides(round_, paging.page_number("decisions")),
                           form=ActionForm(), override_form=OverrideForm(),
                           manual_form=ManualOfferForm(),
                           round_offers=services.offer_suggestions(round_),
                           unsent=allocation.has_unsent_run(round_),
                           freed=allocation.freed_places(round_),
                           closing=allocation.closing(round_),
                           close_job=jobs.latest(JobKind.CLOSE, round_.id),
                           publish_job=jobs.latest(JobKind.PUBLISH, round_.id))


@bp.get("/admin/rounds/<int:round_id>/offers.json")
def offer_suggestions(round_id: int):
    """The decision forms' suggestions for what has been typed (``?q=``), a few at a time."""
    round_ = _round(round_id)
    offers = services.offer_suggestions(round_, request.args.get("q", "")[:200])
    return jsonify(offers=[{"title": o.title, "organisation": o.organisation.name}
                           for o in offers])


@bp.get("/admin/rounds/<int:round_id>/publish")
def confirm_publish(round_id: int):
    """What "Approve and send the offers" will do, before it is done (it cannot be
    undone); the form on this page posts to ``step``."""
    round_ = _round(round_id)
    summary = allocation.publish_summary(round_)
    if summary is None or not round_.can_publish:
        flash(error_text(allocation.RunError("no_run"), state=round_.state), "error")
        return redirect(url_for("rounds.show", round_id=round_id))
    return render_template("rounds/publish.html", round=round_, summary=summary,
                           form=ActionForm())


STEP_DONE = {"open": _l("The round is open for applications."),
             "reopen": _l("The round is open for applications again."),
             "close": _l("The round is closed. The lottery seed is drawn; its fingerprint is "
                         "on the round's public page."),
             "finish": _l("The round is finished.")}


@bp.post("/admin/rounds/<int:round_id>/<any(open, reopen, close, publish, finish):action>")
def step(round_id: int, action: str):
    """A lifecycle step. Closing and publishing return at once: a job freezes the problem
    or sends the offers, and publishing leads to that job's progress page."""
    round_ = _round(round_id)
    try:
        job = attempt(lambda: services.step(round_, action, _admin()))
    except (TransitionError, allocation.RunError, JobError) as error:
        flash(error_text(error, state=db.session.get(Round, round_id).state), "error")
        return redirect(url_for("rounds.show", round_id=round_id))
    if job is not None:
        background.start_after_commit("job", job.id)
        if action == "publish":
            return redirect(url_for("rounds.job", job_id=job.id))
    if action == "publish":
        running = jobs.active(JobKind.PUBLISH, round_id)
        if running is not None:  # a second click while the first one's job works
            flash(_("The offers are already being sent."), "error")
            return redirect(url_for("rounds.job", job_id=running.id))
        flash(_published_text(0, second=True), "success")  # the latest run was sent
    else:
        flash(str(STEP_DONE[action]), "success")
    return redirect(url_for("rounds.show", round_id=round_id))


def _published_text(sent: int, second: bool) -> str:
    if not sent and second:
        return _("Nothing new was sent: there were no new offers to send.")
    if second:
        return ngettext("%(num)d new offer is sent. Nobody else got an e-mail.",
                        "%(num)d new offers are sent. Nobody else got an e-mail.", sent)
    return _("The offers are sent.")


def _job(job_id: int) -> BackgroundJob:
    """A round's job (an import into a priority group is social services' own)."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.round_id is None:
        abort(404)
    return job


@bp.get("/admin/jobs/<int:job_id>")
def job(job_id: int):
    """A job's progress (polled, like a run's) and, once done, its result."""
    job = _job(job_id)
    if job.kind is JobKind.REPORT:  # the report page follows its own count
        return redirect(url_for("reports.season", round_id=job.round_id))
    publish = job.kind is JobKind.PUBLISH
    made = publishing.offers_made(job) if publish else 0
    done_text = _published_text(made, not job.options.get("tell_unplaced")) \
        if publish and job.succeeded else ""
    return render_template("rounds/job.html", job=job, form=ActionForm(), publish=publish,
                           stale=job in jobs.stale_jobs(), done_text=done_text,
                           offers_made=made,
                           offers_to_make=publishing.offers_to_make(job) if publish else 0,
                           mail=publishing.mail_counts(job))


@bp.get("/admin/jobs/<int:job_id>/progress.json")
def job_progress(job_id: int):
    """What the job page polls: the same keys as a run's progress."""
    return jsonify(labels.job_progress(_job(job_id)))


@bp.post("/admin/jobs/<int:job_id>/resume")
def resume_job(job_id: int):
    """Continue a job that failed or whose worker stopped: it goes on from its last batch."""
    job = _job(job_id)
    try:
        attempt(lambda: jobs.resume(job, _admin()))
    except JobError as error:
        flash(error_text(error), "error")
    else:
        background.start_after_commit("job", job.id)
    return redirect(url_for("rounds.job", job_id=job_id))


@bp.post("/admin/rounds/<int:round_id>/runs")
def start_run(round_id: int):
    round_ = _round(round_id)
    try:
        run = attempt(lambda: allocation.start_run(round_, _admin(), method=round_.method))
    except allocation.RunError as error:
        flash(error_text(error), "error")
        return redirect(url_for("rounds.show", round_id=round_id))
    app, run_id = current_app._get_current_object(), run.id  # type: ignore[attr-defined]  # a LocalProxy
    # The worker reads the run's row: it starts once the request has committed it.
    after_commit(lambda: allocation.start_in_background(app, run_id))
    return redirect(url_for("rounds.run", run_id=run_id))


def _run(run_id: int) -> AllocationRun:
    return db.get_or_404(AllocationRun, run_id)


@bp.get("/admin/runs/<int:run_id>")
def run(run_id: int):
    run = _run(run_id)
    _fail_stale_runs(run.round)
    wanted = request.args.get("youth", "").strip()[:100]
    matches = None
    if wanted and run.succeeded:
        if _is_reference(wanted):
            return redirect(url_for("rounds.explain_youth", run_id=run_id,
                                    reference=wanted.upper()))
        matches = services.find_applicants(run.round, wanted, current_user.user)
        if len(matches) == 1:
            return redirect(url_for("rounds.explain_youth", run_id=run_id,
                                    reference=staff_reference(matches[0].id)))
    review = figures.run_review(run, figures.Viewer.of(current_user),
                                unknown=_("(account removed)")) if run.succeeded else None
    pages = services.review_pages(
        review, unplaced=paging.page_number("unplaced"),
        changes=paging.page_number("changes"), free=paging.page_number("free")) if review else None
    return render_template("rounds/run.html", run=run, form=ActionForm(), review=review,
                           pages=pages, wanted=wanted, matches=matches,
                           staff_reference=staff_reference, search_limit=services.SEARCH_LIMIT)


def _is_reference(text: str) -> bool:
    try:
        staff_reference_id(text)
    except ValueError:
        return False
    return True


@bp.get("/admin/runs/<int:run_id>/youths/<reference>")
def explain_youth(run_id: int, reference: str):
    """One youth's result in a run. Caseworkers also see the youth's priority group and
    every reason (one audit row); administrators never do: a reason that would tell
    them about social services' data reads "not possible"."""
    run = _run(run_id)
    if not run.succeeded:
        abort(404)
    caseworker = current_user.is_caseworker
    told = explain.for_staff(run, reference, social_services=caseworker)
    if told is None:
        abort(404)
    if caseworker:
        priority.record_read("run_youth", current_user.user, run_id=run.id,
                             youth_id=told.youth.id)
    return render_template("rounds/youth.html", run=run, told=told.told, youth=told.youth,
                           reference=told.reference, offers=figures.offer_titles(run.round_id),
                           reasons=told.reasons, tier=told.tier)


@bp.post("/admin/runs/<int:run_id>/stop")
def stop_run(run_id: int):
    run = _run(run_id)
    try:
        attempt(lambda: allocation.stop(run, _admin()))
    except allocation.RunError as error:
        flash(error_text(error), "error")
    else:
        flash(_("The run is stopped. Nothing of it is kept."), "success")
    return redirect(url_for("rounds.show", round_id=run.round_id))


@bp.get("/admin/runs/<int:run_id>/progress.json")
def run_progress(run_id: int):
    run = _run(run_id)
    _fail_stale_runs(run.round)
    return jsonify(status=run.status.value, progress=run.progress,
                   message=labels.progress_text(run.progress_message), error=bool(run.error))


def _redirect_with(round_id: int, call, done: str):
    try:
        attempt(call)
    except RoundRuleError as error:
        flash(error_text(error), "error")
    else:
        flash(done, "success")
    return redirect(url_for("rounds.show", round_id=round_id))


@bp.post("/admin/rounds/<int:round_id>/overrides")
def add_override(round_id: int):
    round_ = _round(round_id)
    form = OverrideForm()
    if not form.validate_on_submit():
        flash(_("Give the young person, the offer and a reason."), "error")
        return redirect(url_for("rounds.show", round_id=round_id))
    return _redirect_with(round_id, lambda: services.add_override(
        round_, form.youth.data, form.offer.data, form.kind.data, form.reason.data, _admin()),
        _("The decision is saved. Run the allocation again to apply it."))


@bp.post("/admin/rounds/<int:round_id>/overrides/<int:override_id>/remove")
def remove_override(round_id: int, override_id: int):
    round_ = _round(round_id)
    return _redirect_with(round_id, lambda: services.remove_override(
        round_, override_id, _admin()), _("The decision is removed."))


@bp.post("/admin/rounds/<int:round_id>/offer-by-hand")
def offer_by_hand(round_id: int):
    round_ = _round(round_id)
    form = ManualOfferForm()
    if not form.validate_on_submit():
        abort(400)
    return _redirect_with(round_id, lambda: services.offer_by_hand(
        round_, form.youth.data, form.offer.data, _admin()), _("The place is offered."))


@bp.get("/rounds/<int:round_id>")
def public(round_id: int):
    """The round's public page: fingerprints at closing; after the offers are sent, the
    seed, figures with small counts hidden, and the lottery draws. Nothing about one
    youth (``allocation.public``)."""
    round_ = _round(round_id)
    if round_.state is RoundState.DRAFT:
        abort(404)
    # Once offers have gone out the seed is public, also while a second run is reviewed.
    runs = allocation.published_runs(round_)
    return render_template("rounds/public.html", round=round_, revealed=bool(runs),
                           figures=public_view.figures(runs[0]) if runs else None)


@bp.get("/rounds/<int:round_id>/lottery.json")
def public_file(round_id: int):
    """The lottery anyone can check: seed, fingerprints and every draw, no pseudonyms."""
    round_ = _round(round_id)
    runs = allocation.published_runs(round_)
    if not runs:
        abort(404)
    return _json_download(public_view.lottery_file(round_, runs[0]),
                          f"round-{round_id}-lottery.json")


def _json_download(body: dict, filename: str) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/admin/rounds/<int:round_id>/closing-problem.json")
def audit_closing_problem(round_id: int):
    """The problem frozen when applications closed; its SHA-256 is on the public page."""
    auditor = current_user.user  # access.AUDITOR: an administrator with the permission
    round_ = _round(round_id)
    if round_.problem_fingerprint is None:
        abort(404)
    audit.record("audit.file_read", round_, actor=auditor, what="closing_problem")
    return _json_download(round_.closing_problem, f"round-{round_id}-closing-problem.json")


@bp.get("/admin/runs/<int:run_id>/<any(problem, result):what>.json")
def audit_file(run_id: int, what: str):
    """A run's full problem or result, to check offline with ``python -m matching``."""
    auditor = current_user.user  # access.AUDITOR
    run = _run(run_id)
    if not run.succeeded:
        abort(404)
    audit.record("audit.file_read", run, actor=auditor, what=what)
    return _json_download(run.problem if what == "problem" else run.result,
                          f"run-{run_id}-{what}.json")
