"""Young people's pages ("My page")."""
from flask import Blueprint

bp = Blueprint("youth", __name__, url_prefix="/youth")

from . import routes  # noqa: E402,F401
