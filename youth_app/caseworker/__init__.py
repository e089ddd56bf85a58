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
