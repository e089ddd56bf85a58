"""Social services' pages: confidential priority groups and review."""
from flask import Blueprint

bp = Blueprint("caseworker", __name__, url_prefix="/caseworker")

from . import routes  # noqa: E402,F401


@bp.app_template_filter("youth_name")
def youth_name(youth_id: int) -> str:
    from ..extensions import db
    from ..models import YouthProfile

    youth = db.session.get(YouthProfile, youth_id)
    return youth.full_name if youth else "–"


@bp.app_template_filter("week_number")
def week_number(iso_week: str) -> str:
    """``2027-W25`` as a short column heading: "week 25"."""
    from flask_babel import gettext as _

    return _("week %(number)d", number=int(iso_week.split("-W")[1]))


@bp.app_template_filter("or_fewer")
def or_fewer(count: int | None, fewer: str):
    """A count, or the words for a hidden one."""
    return fewer if count is None else count
