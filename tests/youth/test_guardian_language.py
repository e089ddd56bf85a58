"""E-mails to a guardian in the guardian's language: chosen by the youth (registering, or
on the profile) or by the guardian on the consent page; Swedish, and nothing stored,
when nobody chose. Delivered to a real SMTP server on loopback."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from youth_app.extensions import db
from youth_app.models import (Guardian, GuardianConsent, OfferKind, Placement, YouthProfile,
                              utcnow)
from youth_app.placements import services as placements

from .. import factories
from ..conftest import log_in
from ..web.test_auth import _link, youth_form

pytestmark = pytest.mark.youth

GUARDIAN = "mamma.hassan@example.se"
PASSWORD = "sommarlov i skärgården"
SWEDISH_BROWSER = {"Accept-Language": "sv"}


def said(app, language: str, msgid: str, **values) -> str:
    with app.test_request_context(), force_locale(language):
        return gettext(msgid, **values)


def _register_a_minor(app, **guardian) -> None:
    """Sara, 16, registers in Swedish with her guardian; ``guardian`` adds fields."""
    client = app.test_client()
    client.post("/register/youth", headers=SWEDISH_BROWSER, data=youth_form(
        app, guardian_name="Amina Hassan", guardian_email=GUARDIAN, **guardian))
    client.get(_link(app, "auth.confirm_email", "sara@example.se"))


def _offer_a_job(app, title: str) -> str:
    """A job offered to Sara; the token of the consent link sent to her guardian."""
    with app.app_context(), app.test_request_context():
        youth = db.session.scalar(sa.select(YouthProfile))
        round_ = factories.round_()
        offer = factories.offer(round=round_, kind=OfferKind.JOB, title=title, min_age=13,
                                max_age=19, weeks=["2027-W26"])
        placement = Placement(round=round_, youth=youth, offer=offer, rank=1)
        db.session.add(placement)
        db.session.flush()
        placements.make_offer(placement, 7)
        token = db.session.scalar(sa.select(GuardianConsent.token).where(
            GuardianConsent.placement_id == placement.id))
        db.session.commit()
        return token


def _to_guardian(smtp_server) -> list:
    return [m for m in smtp_server.messages if m["To"] == GUARDIAN]


def _stored_language(app) -> str | None:
    with app.app_context():
        return db.session.scalar(sa.select(Guardian.language))


def _is_consent_request(app, language: str, message, title: str) -> None:
    assert message["Subject"] == said(app, language, "Consent to a summer job for %(name)s",
                                      name="Sara")
    body = message.get_content().replace("\r\n", "\n")
    start = said(app, language, "Hello %(guardian)s!\n\n%(name)s has been offered a summer "
                 "job: %(title)s. A job contract with someone under %(age)d needs a "
                 "guardian's consent. Read about the job and give your consent here:\n\n"
                 "%(link)s", guardian="Amina Hassan", name="Sara Hassan", title=title,
                 age=18, link="\0").split("\0")[0]
    assert body.startswith(start), body


def _asks_for_a_code(app, client, token: str, smtp_server, language: str):
    assert client.post(f"/consent/{token}/code", headers=SWEDISH_BROWSER).status_code == 302
    message = _to_guardian(smtp_server)[-1]
    code = message["Subject"].split()[-1]
    assert message["Subject"] == said(app, language, "Your code: %(code)s", code=code)
    assert said(app, language, "Hello %(guardian)s!\n\nYour code for the consent page is "
                "%(code)s. It works for 15 minutes. If you did not ask for it, you can "
                "ignore this message.", guardian="Amina Hassan", code=code) \
        in message.get_content().replace("\r\n", "\n")
    return message


def test_a_guardian_whose_language_is_tigrinya_is_written_to_in_tigrinya(mail_app,
                                                                        smtp_server):
    """The youth registers in Swedish and chooses Tigrinya for her guardian: the consent
    e-mail, the consent page (in a Swedish browser) and the code e-mail are in Tigrinya,
    and so is the e-mail about a later job."""
    _register_a_minor(mail_app, guardian_language="ti")
    assert _stored_language(mail_app) == "ti"
    token = _offer_a_job(mail_app, "Parkarbetare")
    (request,) = _to_guardian(smtp_server)
    _is_consent_request(mail_app, "ti", request, "Parkarbetare")
    assert request["Subject"] != said(mail_app, "sv", "Consent to a summer job for %(name)s",
                                      name="Sara")

    guardian = mail_app.test_client()
    page = guardian.get(f"/consent/{token}", headers=SWEDISH_BROWSER).get_data(as_text=True)
    assert '<html lang="ti" dir="ltr">' in page
    assert said(mail_app, "ti", "What you consent to") in page
    _asks_for_a_code(mail_app, guardian, token, smtp_server, "ti")

    _offer_a_job(mail_app, "Hamnvärd")
    _is_consent_request(mail_app, "ti", _to_guardian(smtp_server)[-1], "Hamnvärd")
    # Sara's own e-mails stay in her language.
    sara = [m for m in smtp_server.messages if m["To"] == "sara@example.se"]
    assert sara and all(m["Subject"] != said(mail_app, "ti", "Your code: %(code)s", code="")
                        for m in sara)


def test_nobody_chose_so_swedish_and_nothing_is_stored(mail_app, smtp_server):
    _register_a_minor(mail_app)
    assert _stored_language(mail_app) is None
    token = _offer_a_job(mail_app, "Parkarbetare")
    (request,) = _to_guardian(smtp_server)
    _is_consent_request(mail_app, "sv", request, "Parkarbetare")
    guardian = mail_app.test_client()
    page = guardian.get(f"/consent/{token}", headers=SWEDISH_BROWSER).get_data(as_text=True)
    assert '<html lang="sv" dir="ltr">' in page
    _asks_for_a_code(mail_app, guardian, token, smtp_server, "sv")


def test_the_guardian_chooses_their_language_on_the_consent_page(mail_app, smtp_server):
    """The e-mail came in Swedish; the guardian chooses Ukrainian on the page: the page
    follows, the code and the next job's e-mail come in Ukrainian."""
    _register_a_minor(mail_app)
    token = _offer_a_job(mail_app, "Parkarbetare")
    guardian = mail_app.test_client()
    page = guardian.get(f"/consent/{token}", headers=SWEDISH_BROWSER).get_data(as_text=True)
    assert 'name="language"' in page and 'value="uk"' in page
    response = guardian.post(f"/consent/{token}/language", data={"language": "uk"},
                             headers=SWEDISH_BROWSER, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert '<html lang="uk" dir="ltr">' in page
    assert _stored_language(mail_app) == "uk"
    _asks_for_a_code(mail_app, guardian, token, smtp_server, "uk")
    _offer_a_job(mail_app, "Hamnvärd")
    _is_consent_request(mail_app, "uk", _to_guardian(smtp_server)[-1], "Hamnvärd")


def test_the_youth_changes_the_guardians_language_on_the_profile(mail_app, smtp_server):
    _register_a_minor(mail_app, guardian_language="so")
    youth = mail_app.test_client()
    log_in(youth, "sara@example.se", PASSWORD)
    with mail_app.app_context():
        district = db.session.scalar(sa.select(YouthProfile.district_id))
    form = {"private_email": "sara@example.se", "district": str(district),
            "guardians-0-name": "Amina Hassan", "guardians-0-email": GUARDIAN}
    page = youth.get("/youth/profile").get_data(as_text=True)
    assert '<option lang="so" selected value="so">Soomaali</option>' in page, "as chosen"
    youth.post("/youth/profile", data={**form, "guardians-0-language": "fa"})
    assert _stored_language(mail_app) == "fa"
    mine = youth.get("/youth/my-data").get_data(as_text=True)
    assert '<span lang="fa">فارسی</span>' in mine, "the youth sees what is kept, by name"
    _offer_a_job(mail_app, "Parkarbetare")
    _is_consent_request(mail_app, "fa", _to_guardian(smtp_server)[-1], "Parkarbetare")
    youth.post("/youth/profile", data={**form, "guardians-0-language": "sv"})
    assert _stored_language(mail_app) is None, "Swedish, the default, is not remembered"


def test_an_answered_link_no_longer_changes_the_language(mail_app, smtp_server):
    _register_a_minor(mail_app, guardian_language="ti")
    token = _offer_a_job(mail_app, "Parkarbetare")
    with mail_app.app_context():
        consent = db.session.scalar(sa.select(GuardianConsent))
        consent.declined_at = utcnow()
        db.session.commit()
    response = mail_app.test_client().post(f"/consent/{token}/language",
                                           data={"language": "en"}, follow_redirects=True)
    assert said(mail_app, "ti", "Choose the language you read best: the code and any later "
                "e-mail come in it.") not in response.get_data(as_text=True)
    assert _stored_language(mail_app) == "ti"
