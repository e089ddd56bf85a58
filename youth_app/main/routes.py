from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import catalogues
from ..security import local_target
from . import bp, services
from .forms import AccessibilityReportForm, LanguageForm


@bp.get("/")
def index():
    return render_template("main/index.html")


@bp.route("/accessibility", methods=["GET", "POST"])
def accessibility():
    form = AccessibilityReportForm()
    if form.validate_on_submit():
        services.report_accessibility_problem(form.page.data or "", form.problem.data,
                                              form.email.data or "")
        flash(_("Thank you. Your report has been sent to us."), "success")
        return redirect(url_for("main.accessibility"))
    return render_template("main/accessibility.html", form=form,
                           machine_assisted=catalogues.machine_assisted(
                               current_app.config["LANGUAGES"]))


@bp.get("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.get("/help")
def help_page():
    return render_template("main/help.html")


@bp.post("/language")
def set_language():
    form = LanguageForm()
    language = form.language.data
    if form.validate_on_submit() and language in current_app.config["LANGUAGES"]:
        session["language"] = language
        if current_user.is_authenticated:
            current_user.user.preferred_language = language
    return redirect(local_target(request.form.get("next", "")) or url_for("main.index"))
