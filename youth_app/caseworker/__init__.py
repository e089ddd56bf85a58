"""Social services' pages: confidential priority groups and review."""
from flask import Blueprint

bp = Blueprint("caseworker", __name__, url_prefix="/caseworker")

from . import routes  # noqa: E402,F401
