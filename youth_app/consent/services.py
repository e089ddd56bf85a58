"""Consent rules. A guardian opens a personal link, confirms who they are
(``identity``: a one-time code to their e-mail today) and then consents with their name,
declines, or asks a question; an administrator may record consent given on paper."""
from __future__ import annotations

from functools import partial

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, get_locale, gettext as _

from .. import audit, facts, i18n, links, mail
from ..extensions import db
from ..models import (ConsentMethod, ConsentState, Guardian, GuardianConsent, Placement,
                      PlacementState, User, transition, utcnow)
from .identity import CHECK, Outcome


def given(placement: Placement) -> bool:
    return db.session.scalar(sa.select(GuardianConsent.id).where(
        GuardianConsent.placement_id == placement.id,
        GuardianConsent.given_at.is_not(None)).limit(1)) is not None


def state(placement: Placement) -> ConsentState:
    """Given, declined (a guardian said no), requested (waiting for a guardian) or missing
    (no guardian asked); given exactly when ``given`` is true, which accepting requires."""
    if given(placement):
        return ConsentState.GIVEN
    asked = db.session.scalars(sa.select(GuardianConsent.declined_at).where(
        GuardianConsent.placement_id == placement.id)).all()
    if any(declined_at is not None for declined_at in asked):
        return ConsentState.DECLINED
    return ConsentState.REQUESTED if asked else ConsentState.MISSING


def request(placement: Placement, only_new: bool = False) -> list[GuardianConsent]:
    """Send each guardian with an e-mail address a personal link, in the guardian's
    language (``mail.guardian_language``: Swedish unless one was chosen for them).

    ``only_new``: skip guardians already asked about this place (a guardian added or
    corrected on the profile after the offer)."""
    asked = set(db.session.scalars(sa.select(GuardianConsent.guardian_id).where(
        GuardianConsent.placement_id == placement.id))) if only_new else set()
    made = []
    for guardian in placement.youth.guardians:
        if not guardian.email or guardian.id in asked:
            continue
        consent = GuardianConsent(placement_id=placement.id, guardian_id=guardian.id)
        db.session.add(consent)
        db.session.flush()
        link = links.external("consent.give", token=consent.token)
        mail.send_to_guardian(guardian, "consent.request",
                              partial(_request_text, guardian, placement, link))
        made.append(consent)
    if made or not only_new:
        audit.record("consent.requested", placement, guardians=len(made))
    return made


def _request_text(guardian: Guardian, placement: Placement, link: str) -> tuple[str, str]:
    youth = placement.youth
    return (
        _("Consent to a summer job for %(name)s", name=youth.first_name),
        _("Hello %(guardian)s!\n\n%(name)s has been offered a summer job: %(title)s. "
          "A job contract with someone under %(age)d needs a guardian's consent. "
          "Read about the job and give your consent here:\n\n%(link)s",
          age=facts.ADULT_AGE, guardian=guardian.name, name=youth.full_name,
          title=placement.offer.title, link=link))


def find(token: str) -> GuardianConsent | None:
    return db.session.scalar(sa.select(GuardianConsent).where(GuardianConsent.token == token))


def send_code(consent: GuardianConsent) -> bool:
    """Send a new one-time code to the guardian's own e-mail address, in their language
    (before one was chosen: the page's); False if one was sent a moment ago (throttled)
    or there is no address."""
    guardian = consent.guardian
    if consent.answered or guardian is None or not guardian.email:
        return False
    code = CHECK.start(consent)
    if code is None:
        return False
    mail.send_to_guardian(guardian, "consent.code", lambda: (
        _("Your code: %(code)s", code=code),
        _("Hello %(guardian)s!\n\nYour code for the consent page is %(code)s. It works "
          "for 15 minutes. If you did not ask for it, you can ignore this message.",
          guardian=guardian.name, code=code)), fallback=str(get_locale()))
    audit.record("consent.code_sent", consent, method=CHECK.method)
    return True


def choose_language(consent: GuardianConsent, language: str) -> bool:
    """The guardian chooses the language of the platform's e-mails to them (the consent
    page's form); False when the link no longer works or nobody is asked through it."""
    guardian = consent.guardian
    if consent.answered or guardian is None:
        return False
    guardian.language = i18n.stored_language(language)
    db.session.flush()
    audit.record("consent.language_chosen", consent)
    return True


def verify_code(consent: GuardianConsent, code: str) -> Outcome:
    if consent.answered:
        return Outcome.NO_CODE
    outcome = CHECK.verify(consent, code)
    audit.record("consent.identity_checked" if outcome is Outcome.CHECKED
                 else "consent.code_refused", consent, outcome=outcome.value)
    return outcome


def _open():
    return sa.and_(GuardianConsent.given_at.is_(None), GuardianConsent.declined_at.is_(None),
                   GuardianConsent.identity_checked_at.is_not(None))


def give(consent: GuardianConsent, name: str) -> bool:
    """Record the guardian's consent once, and only after their identity was checked (a
    second press, or a second tab, changes nothing: settled by the database)."""
    if transition(consent, _open(), given_at=utcnow(), given_by_name=name.strip(),
                  method=ConsentMethod.EMAIL_CODE):
        audit.record("consent.given", consent, method=consent.identity_method)
        return True
    return False


def decline(consent: GuardianConsent, name: str) -> bool:
    """The guardian says no: the youth is told and the place is declined, as when the
    youth declines it (it goes back to the round)."""
    now = utcnow()
    if not transition(consent, _open(), declined_at=now, given_by_name=name.strip()):
        return False
    audit.record("consent.declined", consent, method=consent.identity_method)
    placement = db.session.get_one(Placement, consent.placement_id)
    # As ``placements.answer`` declines (not imported: placements depends on consent).
    if transition(placement, Placement.awaiting_answer, state=PlacementState.DECLINED,
                  answered_at=now):
        audit.record("placement.declined", placement, reason="guardian_declined")
        youth, title = placement.youth, placement.offer.title
        mail.send_to_youth(youth, "placement.guardian_declined", lambda: (
            _("Your guardian said no: %(title)s", title=title),
            _("Hello %(name)s!\n\nYour guardian did not consent to the job %(title)s, so "
              "the place goes to someone else. You can talk to us if you have "
              "questions.\n\n%(link)s", name=youth.first_name, title=title,
              link=links.external("youth.home"))))
    return True


def ask(consent: GuardianConsent, question: str) -> None:
    """Send the guardian's question to the municipality's contact (the outbox keeps it,
    so staff can read it there); the reply goes to the guardian's address."""
    placement = db.session.get_one(Placement, consent.placement_id)
    guardian = consent.guardian
    with force_locale("sv"):
        subject = _("A guardian's question about a summer job: %(title)s",
                    title=placement.offer.title)
        body = _("A guardian of %(name)s asks about the job %(title)s. Answer them at "
                 "%(email)s.\n\n%(question)s", name=placement.youth.full_name,
                 title=placement.offer.title, email=guardian.email if guardian else "-",
                 question=question.strip())
    mail.send(current_app.config["CONTACT_EMAIL"], subject, body, kind="consent.question")
    audit.record("consent.question", consent)


def record_paper(placement: Placement, guardian_name: str, staff: User) -> GuardianConsent:
    consent = GuardianConsent(placement_id=placement.id, given_at=utcnow(),
                              given_by_name=guardian_name.strip(), method=ConsentMethod.PAPER,
                              recorded_by_id=staff.id)
    db.session.add(consent)
    db.session.flush()
    audit.record("consent.given", consent, actor=staff, method="paper")
    return consent
