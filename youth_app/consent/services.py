"""Consent rules. A guardian confirms with their name through a personal link; an
administrator may record consent given on paper instead."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _

from .. import audit, facts, links, mail
from ..extensions import db
from ..models import (ConsentMethod, ConsentState, GuardianConsent, Placement, User, transition,
                      utcnow)


def given(placement: Placement) -> bool:
    return db.session.scalar(sa.select(GuardianConsent.id).where(
        GuardianConsent.placement_id == placement.id,
        GuardianConsent.given_at.is_not(None)).limit(1)) is not None


def state(placement: Placement) -> ConsentState:
    """Given, requested (waiting for a guardian) or missing (no guardian asked); given
    exactly when ``given`` is true, which accepting the place requires."""
    if given(placement):
        return ConsentState.GIVEN
    requested = db.session.scalar(sa.select(GuardianConsent.id).where(
        GuardianConsent.placement_id == placement.id).limit(1))
    return ConsentState.REQUESTED if requested else ConsentState.MISSING


def request(placement: Placement, only_new: bool = False) -> list[GuardianConsent]:
    """Send each guardian with an e-mail address a personal link (in Swedish: the
    guardian's language is not known; the page itself has the language switch).

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
        with force_locale("sv"):
            subject = _("Consent to a summer job for %(name)s", name=placement.youth.first_name)
            body = _("Hello %(guardian)s!\n\n%(name)s has been offered a summer job: %(title)s. "
                     "A job contract with someone under %(age)d needs a guardian's consent. "
                     "Read about the job and give your consent here:\n\n%(link)s",
                     age=facts.ADULT_AGE, guardian=guardian.name, name=placement.youth.full_name,
                     title=placement.offer.title, link=link)
        mail.send(guardian.email, subject, body, kind="consent.request")
        made.append(consent)
    if made or not only_new:
        audit.record("consent.requested", placement, guardians=len(made))
    return made


def find(token: str) -> GuardianConsent | None:
    return db.session.scalar(sa.select(GuardianConsent).where(GuardianConsent.token == token))


def give(consent: GuardianConsent, name: str) -> None:
    """Record the guardian's consent once (a second press, or a second tab, changes
    nothing: settled by the database)."""
    if transition(consent, GuardianConsent.given_at.is_(None), given_at=utcnow(),
                  given_by_name=name.strip(), method=ConsentMethod.EMAIL_LINK):
        audit.record("consent.given", consent, method="email_link")


def record_paper(placement: Placement, guardian_name: str, staff: User) -> GuardianConsent:
    consent = GuardianConsent(placement_id=placement.id, given_at=utcnow(),
                              given_by_name=guardian_name.strip(), method=ConsentMethod.PAPER,
                              recorded_by_id=staff.id)
    db.session.add(consent)
    db.session.flush()
    audit.record("consent.given", consent, actor=staff, method="paper")
    return consent
