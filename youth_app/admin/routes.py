from __future__ import annotations

from flask import render_template

from . import bp, services


@bp.get("/")
def home():
    return render_template("admin/home.html", counts=services.overview())


@bp.get("/messages")
def messages():
    return render_template("admin/messages.html", messages=services.recent_messages())
