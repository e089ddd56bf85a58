"""A guardian says no, on a phone: they read what the job is, confirm who they are with
the code sent to their own e-mail, are told what saying no does, and say no. The young
person's My page then says that their guardian did not consent (not that they declined
it themselves), and the e-mail told them too."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import (Application, Guardian, GuardianConsent, OfferKind,
                              OutgoingMessage, Placement, PlacementState, Role)

from .. import factories

pytest.register_assert_rewrite("tests.browser.journey")
from .journey import (allocate_and_publish, consent_code, link_in_mail,  # noqa: E402
                      main_text, said, visit)
from .site import Site  # noqa: E402

YOUTH = "nora-minderarig@test.example"
GUARDIAN = "pappa-nora@test.example"


def _a_minor_offered_a_job(app) -> None:
    with app.app_context():
        round_ = factories.round_()
        job = factories.offer(factories.organisation("Lysekils kommun, Park och natur"),
                              round_, kind=OfferKind.JOB, title="Parkarbete vid Kyrkviken",
                              capacity=1, min_age=13, max_age=19, weeks=["2027-W26"])
        job.hours_per_day, job.hourly_pay = 6, 100
        youth = factories.user(Role.YOUTH, email=YOUTH).youth_profile
        youth.first_name, youth.date_of_birth = "Nora", date(2011, 8, 1)
        youth.guardians.append(Guardian(name="Ali Pappa", email=GUARDIAN))
        db.session.add(Application(round=round_, youth=youth, offer=job, rank=1))
        db.session.commit()
        round_id = round_.id
    allocate_and_publish(app, round_id)


def test_a_guardian_says_no_on_a_phone_and_the_young_person_is_told(phone, app, chromium,
                                                                     live_server):
    _a_minor_offered_a_job(app)
    guardian, page = phone, phone.page
    visit(guardian, link_in_mail(app, live_server, GUARDIAN, "consent.request"))
    text = main_text(guardian)
    for fact in ("Parkarbete vid Kyrkviken", said(app, "sv", "Hours per day"),
                 said(app, "sv", "%(amount)d kronor per hour", amount=100)):
        assert fact in text
    assert page.get_by_role("button", name=said(app, "sv", "I do not consent")).count() == 0, \
        "no answer counts before the code"
    guardian.submit("form[action$='/code']")
    page.locator("#code").fill(consent_code(app, GUARDIAN))
    guardian.submit("form[action$='/verify']")
    warning = said(app, "sv", "If you do not consent, %(name)s cannot take this job: the place "
                   "goes to someone else, and it cannot be taken back. %(name)s is told by "
                   "e-mail.", name="Nora")
    assert warning in main_text(guardian)
    decline = "form[action$='/decline']"
    page.locator(f"{decline} input[name=name]").fill("Ali Pappa")
    guardian.submit(decline)
    assert said(app, "sv", "You have answered that you do not consent. The young person has "
                "been told.") in main_text(guardian)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "fits the phone"
    with app.app_context():
        consent = db.session.scalar(sa.select(GuardianConsent))
        placement = db.session.scalar(sa.select(Placement))
        assert consent.declined_at and consent.identity_method == "email_code"
        assert placement.state is PlacementState.DECLINED

    youth = Site.open(chromium, live_server, viewport={"width": 360, "height": 740},
                      is_mobile=True, has_touch=True)
    try:
        youth.log_in(YOUTH, factories.PASSWORD)
        place = youth.page.locator("section[aria-labelledby=offers-heading] li").first
        told = place.inner_text()
        assert said(app, "sv", "Your guardian did not consent to this job, so the place went "
                    "to someone else. Call us on %(phone)s if you want to talk about it.",
                    phone=app.config["CONTACT_PHONE"]) in told
        assert said(app, "sv", "You declined this place.") not in told
        assert youth.page.get_by_role("button", name=said(app, "sv", "Accept the place")) \
            .count() == 0
    finally:
        youth.close()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutgoingMessage.id)).where(
            OutgoingMessage.recipient == YOUTH,
            OutgoingMessage.kind == "placement.guardian_declined")) == 1


@pytest.mark.parametrize("language", ["ti", "so"])
def test_a_guardian_consents_in_their_own_language_on_a_phone(phone, app, live_server,
                                                              language):
    """Tigrinya and Somali: the page, the code e-mail's instruction and the answer in the
    guardian's language, the Ge'ez font served by the platform for Tigrinya."""
    _a_minor_offered_a_job(app)
    guardian, page = phone, phone.page
    fonts = []
    page.on("request", lambda request: fonts.append(request.url)
            if "/static/fonts/" in request.url else None)
    visit(guardian, link_in_mail(app, live_server, GUARDIAN, "consent.request"))
    guardian.switch_language(language)
    text = main_text(guardian)
    assert said(app, language, "What you consent to") in text
    assert said(app, language, "Hours per day") in text
    guardian.submit("form[action$='/code']")
    page.locator("#code").fill(consent_code(app, GUARDIAN))
    guardian.submit("form[action$='/verify']")
    given = "form:has(#confirm)"
    page.locator(f"{given} #name").fill("Ali Pappa")
    page.locator("#confirm").check()
    guardian.submit(given)
    thanks = said(app, language, "Thank you. Consent was given on %(date)s.", date="\0")
    assert thanks.split("\0")[0].strip() in main_text(guardian)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "fits the phone"
    assert page.evaluate("document.documentElement.lang") == language
    if language == "ti":
        assert any("ethiopic" in url.lower() for url in fonts), fonts
    else:
        assert not fonts, "no font downloaded for a Latin script"
    with app.app_context():
        consent = db.session.scalar(sa.select(GuardianConsent))
        assert consent.given_at and consent.identity_method == "email_code"
