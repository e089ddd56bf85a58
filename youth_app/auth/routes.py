"""Views for accounts: thin; the rules are in ``services``."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, gettext as _, ngettext
from flask_login import current_user

from .. import audit
from ..access import home_endpoint
from ..extensions import db
from ..messages import error_text
from ..models import District
from ..security import local_target, remember_device, wait_minutes
from ..unit_of_work import attempt
from . import bp, services
from . import second_factor
from .forms import CodeForm, EmailForm, LoginForm, ProviderRegistrationForm, ResetPasswordForm, \
    YouthRegistrationForm
from .services import LoginOutcome
from .sessions import sign_in, sign_out


def _safe_next(default: str) -> str:
    """The ``next`` page asked for, if it is one of ours (``security.local_target``)."""
    return local_target(request.args.get("next")) or default


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(url_for(home_endpoint(current_user.role))))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    result = services.authenticate(form.email.data, form.password.data)
    if result.outcome is not LoginOutcome.OK:  # answered, not raised: the attempt is kept
        return _refused_login(form, result)
    if session.get("language"):
        result.user.preferred_language = session["language"]
    sign_in(result.user)
    target = _safe_next(url_for(home_endpoint(result.user.role)))
    if result.user.role.is_staff:  # a known device only once the code is right too
        return redirect(url_for("auth.second_factor", next=target))
    return remember_device(redirect(target), result.user)


@bp.route("/login/code", methods=["GET", "POST"], endpoint="second_factor")
def second_factor_code():
    """Staff: the code from the authenticator app, or setting the app up."""
    login = current_user.login
    target = _safe_next(url_for(home_endpoint(current_user.role)))
    if not login.needs_second_factor:
        return redirect(target)
    setting_up = not current_user.totp_secret
    if setting_up and "totp_setup" not in session:
        session["totp_setup"] = second_factor.new_secret()
    secret = session.get("totp_setup") if setting_up else None
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        if second_factor.verify(login, form.code.data, secret):
            session.pop("totp_setup", None)
            return remember_device(redirect(target), current_user.user)
        # The page is answered (429 too), not raised, so the request keeps the failed
        # attempt that throttles the next one.
        wait = second_factor.wait(current_user.user)
        form.code.errors.append(_wrong_code_text(wait))
        status = 200 if wait is None else 429
    setup = None
    if setting_up:
        uri = second_factor.provisioning_uri(current_user.user, secret)
        setup = {"secret": secret, "qr": second_factor.qr_data_uri(uri)}
    return render_template("auth/second_factor.html", form=form, setup=setup), status


def _wrong_code_text(wait: timedelta | None) -> str:
    if wait is None:
        return _("The code is wrong or too old. Try the newest code.")
    return ngettext("Too many wrong codes. Wait %(num)d minute and try again.",
                    "Too many wrong codes. Wait %(num)d minutes and try again.",
                    wait_minutes(wait))


def _refused_login(form: LoginForm, result: services.LoginResult):
    outcome = result.outcome
    if outcome is LoginOutcome.THROTTLED:
        error = ngettext("Too many failed attempts. Wait %(num)d minute and try again, "
                         "or choose a new password.",
                         "Too many failed attempts. Wait %(num)d minutes and try again, "
                         "or choose a new password.", wait_minutes(result.wait or timedelta()))
        return render_template("auth/login.html", form=form, error=error), 429
    messages = {
        LoginOutcome.WRONG: _("The e-mail address or the password is wrong."),
        LoginOutcome.UNCONFIRMED: _("Confirm your e-mail address first: open the link in "
                                    "the message we sent you."),
        LoginOutcome.INACTIVE: _("This account is closed. Contact us if you think this "
                                 "is wrong."),
    }
    return render_template("auth/login.html", form=form, error=messages[outcome],
                           unconfirmed=outcome is LoginOutcome.UNCONFIRMED)


@bp.post("/logout")
def logout():
    audit.record("auth.logout", current_user.user)
    sign_out(current_user._get_current_object())
    flash(_("You are logged out."), "success")
    return redirect(url_for("main.index"))


@bp.get("/register")
def register():
    return render_template("auth/register.html")


@bp.route("/register/youth", methods=["GET", "POST"])
def register_youth():
    districts = db.session.scalars(sa.select(District).order_by(District.name)).all()
    form = YouthRegistrationForm(districts)
    if not form.validate_on_submit():
        return render_template("auth/register_youth.html", form=form)
    try:
        attempt(lambda: services.register_youth(
            first_name=form.first_name.data, last_name=form.last_name.data,
            number=form.parsed_number, email=form.email.data, phone=form.phone.data,
            district_id=form.district.data, password=form.password.data,
            language=str(get_locale()), school_year=form.school_year.data,
            languages=form.languages.data,
            guardian={"name": form.guardian_name.data or "",
                      "email": form.guardian_email.data or "",
                      "phone": form.guardian_phone.data or "",
                      "language": form.guardian_language.data}))
    except services.EmailTaken as error:
        form.email.errors.append(error_text(error))
    except services.PersonalNumberTaken as error:
        form.personal_number.errors.append(error_text(error))
    else:
        return render_template("auth/check_email.html", email=form.email.data)
    return render_template("auth/register_youth.html", form=form)


@bp.route("/register/provider", methods=["GET", "POST"])
def register_provider():
    form = ProviderRegistrationForm()
    if not form.validate_on_submit():
        return render_template("auth/register_provider.html", form=form)
    try:
        attempt(lambda: services.register_provider(
            organisation_name=form.organisation_name.data, kind=form.kind.data,
            org_number=form.org_number.data, contact_name=form.contact_name.data,
            phone=form.phone.data, email=form.email.data, password=form.password.data,
            language=str(get_locale())))
    except services.EmailTaken as error:
        form.email.errors.append(error_text(error))
    except services.OrgNumberTaken as error:
        form.org_number.errors.append(error_text(error))
    else:
        return render_template("auth/check_email.html", email=form.email.data)
    return render_template("auth/register_provider.html", form=form)


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    user = services.confirm_email(token)
    if user is None:
        flash(_("The link is wrong or too old. Ask for a new one below."), "error")
        return redirect(url_for("auth.resend_confirmation"))
    flash(_("Thank you, your e-mail address is confirmed. You can log in now."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/confirm", methods=["GET", "POST"])
def resend_confirmation():
    form = EmailForm()
    if form.validate_on_submit():
        user = services.find_user(form.email.data)
        if user and user.email_confirmed_at is None:
            services.send_confirmation(user)
        return render_template("auth/check_email.html", email=form.email.data)
    return render_template("auth/resend_confirmation.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("auth/check_email.html", email=form.email.data, reset=True)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = services.user_for_reset_token(token)
    if user is None:
        flash(_("The link is wrong, too old or already used. Ask for a new one."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        flash(_("Your new password is saved. Log in with it."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)
