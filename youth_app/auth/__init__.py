"""Accounts: registration, login, logout, e-mail confirmation and password reset."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
