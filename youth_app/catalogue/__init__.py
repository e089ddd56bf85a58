"""The public catalogue of summer jobs and leisure activities."""
from flask import Blueprint

bp = Blueprint("catalogue", __name__, url_prefix="/offers")

from . import routes  # noqa: E402,F401
