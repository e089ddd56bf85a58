"""Rounds: administrators create a season and move it through its lifecycle, run the
allocation, review it, and publish it; everyone can see a round's public page."""
from flask import Blueprint

bp = Blueprint("rounds", __name__)

from . import routes  # noqa: E402,F401


@bp.app_template_filter("rate_row")
def rate_row(row: tuple[str, int | None, int | None]) -> tuple[str, float | None]:
    """(group, applied, placed) -> (group, percent placed) for a bar chart; ``None``
    where a count is suppressed."""
    value, applied, placed = row
    if applied is None or placed is None:
        return value, None
    return value, round(100 * placed / applied, 1) if applied else 0.0


@bp.app_template_filter("rate_table_row")
def rate_table_row(row, fewer: str = "") -> tuple:
    value, applied, placed = row
    rate = rate_row(row)[1]
    return (value, fewer if applied is None else applied, fewer if placed is None else placed,
            "–" if rate is None else f"{rate} %")


@bp.app_template_filter("group_label")
def group_label(value: str, dimension: str) -> str:
    """A group value of a figure as people say it: the priority group's name, "Women"."""
    from flask import g
    from flask_babel import gettext as _

    from ..extensions import db
    from ..models import PriorityGroup
    from ..allocation.figures import NO_TIER

    if dimension == "tier":
        if value == NO_TIER:
            return _("No priority group")
        if "group_names" not in g:
            g.group_names = dict(db.session.execute(
                db.select(PriorityGroup.code, PriorityGroup.name)).all())
        return g.group_names.get(value, value)
    if dimension == "gender":
        return {"f": _("Women"), "m": _("Men")}.get(value, _("Unknown"))
    return _("Unknown") if value == "unknown" else value


@bp.app_template_global()
def method_name(method: str) -> str:
    """A round's rule for sharing out places, as people say it."""
    from flask_babel import gettext as _

    return {"optimal": _("Coverage first"), "stable": _("Stable")}.get(method, _("Coverage first"))


@bp.app_template_global()
def rule_tier_rows(rules, fewer: str) -> list[tuple]:
    """Placed per priority group under each rule, for the two rules' table; a hidden
    count reads ``fewer``."""
    from flask_babel import gettext as _

    rows = []
    for (group, _a, placed), (_g, _b, placed_stable) in zip(
            rules.coverage.figures.groups["tier"], rules.stable.figures.groups["tier"]):
        rows.append((_("Placed: %(group)s", group=group_label(group, "tier")),
                     fewer if placed is None else placed,
                     fewer if placed_stable is None else placed_stable))
    return rows


@bp.app_template_filter("label_rows")
def label_rows(rows: list[tuple], dimension: str) -> list[tuple]:
    return [(group_label(row[0], dimension), *row[1:]) for row in rows]


@bp.app_template_global()
def round_state_name(state) -> str:
    from ..messages import state_name

    return state_name(state)


@bp.app_template_global()
def next_steps(round_) -> list[tuple[str, str]]:
    """The lifecycle buttons of a round's page in its state: (``rounds.step`` action,
    label). Running the allocation and sending the offers (a confirmation page first,
    ``rounds.confirm_publish``) are buttons of their own."""
    from flask_babel import gettext as _

    from ..models import RoundState

    steps = {RoundState.DRAFT: [("open", _("Open for applications"))],
             RoundState.OPEN: [("close", _("Close applications and draw the lottery seed"))],
             RoundState.CLOSED: [("reopen", _("Open again"))],
             RoundState.PUBLISHED: [("finish", _("Finish the round"))]}
    return steps.get(round_.state, [])


@bp.app_template_global()
def run_error_text(error: str) -> str:
    """Why a run failed, in words (the run stores a code or the kind of error)."""
    from flask_babel import gettext as _

    from ..allocation.services import WORKER_DIED

    return {WORKER_DIED: _("Its worker stopped (the process was killed or the machine "
                           "restarted). Run it again."),
            "infeasible: locks clash": _("Places locked by decisions clash with each "
                                         "other. Remove one of them and run again.")
            }.get(error, _("An error of the kind %(kind)s stopped it. Run it again; if it "
                           "fails again, ask for technical help.", kind=error))


@bp.app_template_global()
def staff_reason_text(code: str) -> str:
    """Why a youth did not get a choice, for staff (``kept_apart`` only reaches
    caseworkers; administrators read ``not_possible``)."""
    from flask_babel import gettext as _

    return {"too_young": _("younger than the offer's lowest age"),
            "too_old": _("older than the offer's highest age"),
            "full": _("every place went to someone who came first by the rule"),
            "cancelled": _("cancelled: fewer could be placed than its fewest participants"),
            "week_conflict": _("same weeks as a place the young person got"),
            "job_limit": _("already as many summer jobs as the round allows"),
            "place_limit": _("already as many places as the round allows"),
            "forbidden": _("excluded by a decision, or declined before"),
            "kept_apart": _("kept apart from someone in a group social services set"),
            }.get(code, _("not possible in the allocation"))


@bp.app_template_filter("fill_none")
def fill_none(row: tuple, text: str) -> tuple:
    """A table row with its hidden (``None``) counts written as ``text``."""
    return tuple(text if cell is None else cell for cell in row)


@bp.app_template_filter("free_row")
def free_row(row: tuple[str, int, int], titles: dict[str, str]) -> tuple[str, int]:
    """(offer id, places, filled) -> (title, free places) for a bar chart."""
    offer_id, capacity, filled = row
    return titles.get(offer_id, offer_id), capacity - filled


@bp.app_template_filter("offer_row")
def offer_row(row: tuple[str, int, int], titles: dict[str, str]) -> tuple[str, int, int]:
    offer_id, capacity, filled = row
    return titles.get(offer_id, offer_id), capacity, filled
