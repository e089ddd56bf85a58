"""Season reports for administrators, with small counts suppressed, and the audit log."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/admin/reports")

from . import routes  # noqa: E402,F401


@bp.app_template_filter("share_row")
def share_row(row, dimension: str) -> tuple[str, float | None]:
    from ..rounds import group_label

    return group_label(row.group, dimension), row.accepted_share


@bp.app_template_filter("report_table_row")
def report_table_row(row, fewer: str, dimension: str) -> tuple:
    from ..rounds import group_label

    def cell(value):
        return fewer if value is None else value

    share = "–" if row.accepted_share is None else f"{row.accepted_share} %"
    return (group_label(row.group, dimension), cell(row.applied), cell(row.offered),
            cell(row.accepted), share)
