from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _

from .. import exports, paging
from ..allocation import figures
from ..allocation import services as allocation
from ..extensions import db
from ..facts import SMALL
from ..models import Round
from ..rounds import group_label, services as rounds
from . import bp, services
from .forms import AuditFilterForm

@bp.get("/")
def index():
    return render_template("reports/index.html", rounds=rounds.all_rounds())


def _report(round_id: int):
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    runs = allocation.published_runs(round_)
    return round_, figures.season(round_, runs[0]) if runs else None


@bp.get("/rounds/<int:round_id>")
def season(round_id: int):
    round_, report = _report(round_id)
    return render_template("reports/season.html", round=round_, report=report)


def _cell(value):
    return _("fewer than %(small)d", small=SMALL) if value is None else value


@bp.get("/rounds/<int:round_id>/season.<any(csv, xlsx):fmt>")
def export(round_id: int, fmt: str):
    round_, report = _report(round_id)
    if report is None:
        abort(404)
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
