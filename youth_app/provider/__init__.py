"""Providers' pages: the organisation's offers and participants."""
from flask import Blueprint

bp = Blueprint("provider", __name__, url_prefix="/provider")

from . import routes  # noqa: E402,F401
