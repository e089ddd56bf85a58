"""Rounds: administrators create a season and move it through its lifecycle, run the
allocation, review it, and publish it; everyone can see a round's public page."""
from flask import Blueprint

bp = Blueprint("rounds", __name__)

from . import routes  # noqa: E402,F401


@bp.app_template_filter("rate_row")
def rate_row(row: tuple[str, int, int]) -> tuple[str, float]:
    """(group, applied, placed) -> (group, percent placed) for a bar chart."""
    value, applied, placed = row
    return value, round(100 * placed / applied, 1) if applied else 0.0


@bp.app_template_filter("rate_table_row")
def rate_table_row(row: tuple[str, int, int]) -> tuple[str, int, int, str]:
    value, applied, placed = row
    return value, applied, placed, f"{rate_row(row)[1]} %"


@bp.app_template_filter("offer_row")
def offer_row(row: tuple[str, int, int], titles: dict[str, str]) -> tuple[str, int, int]:
    offer_id, capacity, filled = row
    return titles.get(offer_id, offer_id), capacity, filled
