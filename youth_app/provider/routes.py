from __future__ import annotations

from flask import render_template
from flask_login import current_user

from . import bp


@bp.get("/")
def home():
    return render_template("provider/home.html", organisation=current_user.organisation)
