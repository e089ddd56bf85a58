from __future__ import annotations

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import get_locale, gettext as _, refresh

from .. import i18n, mail
from ..extensions import db
from ..models import GuardianConsent, Placement
from . import bp, services
from .forms import CodeForm, ConsentForm, DeclineForm, LanguageForm, QuestionForm
from .identity import Outcome


def _consent(token: str) -> GuardianConsent:
    consent = services.find(token)
    if consent is None:
        abort(404)
    # The page opens in the language the guardian's e-mails are in (unless they chose
    # another on the language menu).
    i18n.read_in(consent.guardian.language if consent.guardian else None)
    return consent


def _outcome_text(outcome: Outcome) -> str:
    return {
        Outcome.WRONG: _("The code is wrong. Check the latest e-mail and try again."),
        Outcome.EXPIRED: _("The code has expired. Ask for a new code."),
        Outcome.TOO_MANY_TRIES: _("Too many wrong tries. Ask for a new code."),
        Outcome.NO_CODE: _("Ask for a code first."),
    }[outcome]


def _page(consent: GuardianConsent, code_form=None, consent_form=None, decline_form=None,
          question_form=None, language_form=None, status: int = 200):
    if consent.answered:
        # The link has done its work: nothing about the job or the youth is shown again.
        return render_template("consent/answered.html", consent=consent)
    placement = db.session.get(Placement, consent.placement_id)
    return render_template(
        "consent/give.html", consent=consent, placement=placement,
        code_form=code_form or CodeForm(formdata=None),
        form=consent_form or ConsentForm(formdata=None),
        decline_form=decline_form or DeclineForm(formdata=None),
        question_form=question_form or QuestionForm(formdata=None),
        language_form=language_form or LanguageForm(
            formdata=None, language=mail.guardian_language(consent.guardian, str(get_locale()))
            if consent.guardian else None)), status


@bp.route("/<token>", methods=["GET", "POST"])
def give(token: str):
    consent = _consent(token)
    form = ConsentForm()
    if (not consent.answered and consent.identity_checked_at is not None
            and form.validate_on_submit()):
        services.give(consent, form.name.data)
        return redirect(url_for(".give", token=token))
    return _page(consent, consent_form=form if form.is_submitted() else None)


@bp.post("/<token>/code")
def send_code(token: str):
    consent = _consent(token)
    if services.send_code(consent):
        flash(_("We have sent a code to your e-mail address."), "success")
    elif not consent.answered:
        flash(_("A code was sent a moment ago. Wait a minute before asking for a new one."),
              "error")
    return redirect(url_for(".give", token=token))


@bp.post("/<token>/verify")
def verify(token: str):
    consent = _consent(token)
    form = CodeForm()
    if form.validate_on_submit():
        outcome = services.verify_code(consent, form.code.data)
        if outcome is Outcome.CHECKED:
            flash(_("Thank you, your identity is confirmed."), "success")
            return redirect(url_for(".give", token=token))
        form.code.errors = [_outcome_text(outcome)]
    return _page(consent, code_form=form, status=422)


@bp.post("/<token>/decline")
def decline(token: str):
    consent = _consent(token)
    form = DeclineForm()
    if consent.identity_checked_at is not None and form.validate_on_submit():
        services.decline(consent, form.name.data)
        return redirect(url_for(".give", token=token))
    return _page(consent, decline_form=form, status=422)


@bp.post("/<token>/question")
def question(token: str):
    consent = _consent(token)
    form = QuestionForm()
    if not consent.answered and form.validate_on_submit():
        services.ask(consent, form.question.data)
        flash(_("Your question has been sent. We answer by e-mail."), "success")
        return redirect(url_for(".give", token=token))
    return _page(consent, question_form=form, status=422)


@bp.post("/<token>/language")
def language(token: str):
    """The guardian chooses the language of our e-mails to them; the page follows it."""
    consent = _consent(token)
    form = LanguageForm()
    if form.validate_on_submit() and services.choose_language(consent, form.language.data):
        session["language"] = form.language.data
        refresh()  # the message below is in the language just chosen
        flash(_("Our e-mails to you are now written in %(language)s.",
                language=i18n.LANGUAGE_NAMES[form.language.data]), "success")
        return redirect(url_for(".give", token=token))
    return _page(consent, language_form=form, status=422)
