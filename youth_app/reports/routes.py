from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import background, exports, paging
from ..extensions import db
from ..facts import SMALL
from ..forms import ActionForm
from ..jobs import JobError
from ..messages import error_text
from ..models import Round
from ..rounds import group_label, services as rounds
from ..unit_of_work import attempt
from . import bp, season as season_report, services
from .forms import AuditFilterForm

@bp.get("/")
def index():
    return render_template("reports/index.html", rounds=rounds.all_rounds())


def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return round_


@bp.get("/rounds/<int:round_id>")
def season(round_id: int):
    """The figures the latest count stored (counting is a background job: it reads every
    youth of the round), with the count under way, if any."""
    round_ = _round(round_id)
    return render_template("reports/season.html", round=round_, form=ActionForm(),
                           stored=season_report.stored(round_))


@bp.post("/rounds/<int:round_id>/count")
def count(round_id: int):
    round_ = _round(round_id)
    try:
        job = attempt(lambda: season_report.start_count(round_, current_user.user))
    except (season_report.SeasonReportError, JobError) as error:
        flash(error_text(error), "error")
    else:
        background.start_after_commit("job", job.id)
    return redirect(url_for("reports.season", round_id=round_id))


def _cell(value):
    return _("fewer than %(small)d", small=SMALL) if value is None else value


@bp.get("/rounds/<int:round_id>/season.<any(csv, xlsx):fmt>")
def export(round_id: int, fmt: str):
    report = season_report.stored(_round(round_id)).figures
    if report is None:
        flash(_("Count the figures first: the download holds the counted figures."), "error")
        return redirect(url_for("reports.season", round_id=round_id))
    headers = [_("Dimension"), _("Group"), _("Applied"), _("Offered a place"), _("Accepted"),
               _("Share accepted (%)")]
    rows = [(dimension, group_label(row.group, dimension), _cell(row.applied),
             _cell(row.offered), _cell(row.accepted),
             "" if row.accepted_share is None else row.accepted_share)
            for dimension, dimension_rows in report.items() for row in dimension_rows]
    return exports.download(headers, rows, f"season-{round_id}", fmt)


@bp.get("/audit")
def audit():
    form = AuditFilterForm(formdata=request.args)
    form.validate()
    page = paging.page_number()
    filters = services.AuditFilter(
        action=_valid(form.action) or "", actor=_valid(form.actor) or "",
        since=_valid(form.since), until=_valid(form.until))
    events = services.audit_events(filters, page)
    return render_template("reports/audit.html", form=form, events=events,
                           actors=services.actors(events.items),
                           objects=services.object_names(events.items),
                           shown_details=services.shown_details)


def _valid(field):
    """A filter's value, or ``None`` when the form refused it (its message is shown)."""
    return None if field.errors else field.data
