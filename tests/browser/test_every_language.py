"""A young person's journey in each of the eight languages, in one season: each registers
in their language (naming it for their guardian too), chooses and orders two offers;
the round is allocated once; each guardian consents on a page that opens in the
guardian's language (in a Swedish browser), the young person accepts the job and reads
why they got what they got.

On every page: ``lang`` and ``dir`` of the language, no English source text of a message
the catalogue lacks, and the key texts as that language's catalogue has them (not the
Swedish ones). One round and one allocation serve all eight, to keep the suite short.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.i18n import RTL, html_lang
from youth_app.identity import with_check_digit
from youth_app.models import OfferKind, OutgoingMessage

from .. import factories
from ..web.test_languages import untranslated_on

pytest.register_assert_rewrite("tests.browser.journey")
from .journey import (allocate_and_publish, click, consent_code,  # noqa: E402
                      link_in_mail, main_text, said, visit)
from .site import Site  # noqa: E402

pytestmark = [pytest.mark.youth]

LANGUAGES = ["sv", "sv@ll", "en", "ar", "fa", "so", "ti", "uk"]
NAMES = {"sv": "Elsa", "sv@ll": "Linn", "en": "Grace", "ar": "Amal", "fa": "Shirin",
         "so": "Hodan", "ti": "Selam", "uk": "Olena"}
JOB, ACTIVITY = "Parkarbete vid Kyrkviken", "Seglarskola i Gullmarsfjorden"


@dataclass(frozen=True)
class Reader:
    language: str
    first_name: str
    email: str
    guardian: str
    number: str

    @property
    def slug(self) -> str:
        return self.language.replace("@", "-")


def _readers() -> list[Reader]:
    readers = []
    for index, language in enumerate(LANGUAGES):
        born = date(2011, 3, index + 1)
        digits = with_check_digit(f"{born:%y%m%d}{500 + index:03d}")
        slug = language.replace("@", "-")
        readers.append(Reader(language, NAMES[language], f"youth-{slug}@test.example",
                              f"guardian-{slug}@test.example",
                              f"{born:%Y%m%d}-{digits[6:]}"))
    return readers


def _season(app) -> tuple[int, str, dict[str, int]]:
    """An open round with a summer job (which needs a guardian's consent under 18) and an
    activity in another week, room for everyone."""
    with app.app_context():
        factories.district("Brastad")
        round_ = factories.round_(name="Sommar 2027")
        org = factories.organisation("Lysekils kommun, Park och natur")
        offers = {title: factories.offer(org, round_, kind=kind, title=title, capacity=10,
                                         min_age=13, max_age=19, weeks=[week],
                                         meeting_point="Kyrkviken")
                  for title, kind, week in ((JOB, OfferKind.JOB, "2027-W26"),
                                            (ACTIVITY, OfferKind.ACTIVITY, "2027-W28"))}
        db.session.commit()
        return round_.id, round_.name, {title: o.id for title, o in offers.items()}


def in_language(site: Site, app, language: str, *msgids: str, **values) -> str:
    """The page is in ``language``: its ``lang`` and ``dir``, no untranslated message
    shown, and each of ``msgids`` as the catalogue says it (not the Swedish text)."""
    assert site.html_lang_dir() == (html_lang(language), "rtl" if language in RTL else "ltr")
    page = site.page.content()
    assert untranslated_on(page, language) == [], f"{language} {site.path}"
    text = site.page.locator("body").inner_text()
    for msgid in msgids:
        shown = said(app, language, msgid, **values)
        source = msgid % values if values else msgid
        assert language == "en" or shown != source, f"{language}: {msgid!r} is untranslated"
        if language not in ("sv", "sv@ll"):
            assert shown != said(app, "sv", msgid, **values), f"{language}: {msgid!r}"
        assert shown in text, f"{language} {site.path}: {shown!r} not on the page"
    return text


def _register_and_choose(site: Site, app, reader: Reader, offers: dict[str, int]) -> None:
    language, page = reader.language, site.page
    visit(site, "/register/youth")
    if language != "sv":
        site.switch_language(language)
    in_language(site, app, language, "Register as a young person",
                "Language of our e-mails to your guardian")
    page.locator("#first_name").fill(reader.first_name)
    page.locator("#last_name").fill("Test")
    page.locator("#personal_number").fill(reader.number)
    page.locator("#email").fill(reader.email)
    page.locator("#district").select_option(label="Brastad")
    page.locator("#guardian_name").fill(f"Förälder {reader.first_name}")
    page.locator("#guardian_email").fill(reader.guardian)
    page.locator("#guardian_language").select_option(language)
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("#confirm").fill(factories.PASSWORD)
    page.locator("#accept_privacy").check()
    site.submit()
    in_language(site, app, language, "Check your e-mail")
    visit(site, link_in_mail(app, site.origin, reader.email, "auth.confirm_email"))
    in_language(site, app, language, "Thank you, your e-mail address is confirmed. You can "
                "log in now.")
    page.locator("#email").fill(reader.email)
    page.locator("#password").fill(factories.PASSWORD)
    site.submit()
    assert site.path == "/youth/"
    in_language(site, app, language, "Hello %(name)s!", name=reader.first_name)

    for title in (ACTIVITY, JOB):  # the job chosen last, then moved up
        visit(site, f"/offers/{offers[title]}")
        site.submit("main form")
        in_language(site, app, language, "Your choices are saved.")
    job = site.page.locator(".choice", has=page.get_by_role("link", name=JOB, exact=True))
    click(site, job.get_by_role("button", name=said(app, language, "Move up")))
    in_language(site, app, language, "%(title)s is now number %(rank)d of %(count)d.",
                title=JOB, rank=1, count=2)


def _subject(app, recipient: str, kind: str) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(OutgoingMessage.subject).where(
            OutgoingMessage.recipient == recipient, OutgoingMessage.kind == kind)
            .order_by(OutgoingMessage.id.desc()).limit(1))


def _guardian_consents(guardian: Site, app, reader: Reader) -> None:
    """In a Swedish browser, without touching the language menu: the page is in the
    language the young person chose for their guardian, and so are the e-mails."""
    language, page = reader.language, guardian.page
    assert _subject(app, reader.guardian, "consent.request") == said(
        app, language, "Consent to a summer job for %(name)s", name=reader.first_name)
    visit(guardian, link_in_mail(app, guardian.origin, reader.guardian, "consent.request"))
    in_language(guardian, app, language, "What you consent to", "Confirm who you are")
    assert JOB in main_text(guardian)
    click(guardian, page.get_by_role("button", name=said(app, language, "Send me a code")))
    in_language(guardian, app, language, "We have sent a code to your e-mail address.")
    code = consent_code(app, reader.guardian)
    assert _subject(app, reader.guardian, "consent.code") == said(
        app, language, "Your code: %(code)s", code=code)
    page.locator("#code").fill(code)
    guardian.submit("form[action$='/verify']")
    in_language(guardian, app, language, "Thank you, your identity is confirmed.")
    given = "form:has(#confirm)"
    page.locator(f"{given} #name").fill(f"Förälder {reader.first_name}")
    page.locator("#confirm").check()
    guardian.submit(given)
    thanks = said(app, language, "Thank you. Consent was given on %(date)s.", date="\0")
    assert thanks.split("\0")[0].strip() in in_language(guardian, app, language)


def _accept_and_understand(site: Site, app, reader: Reader, round_name: str) -> None:
    language, page = reader.language, site.page
    place = page.locator("section[aria-labelledby=offers-heading] li", has_text=JOB)
    click(site, place.get_by_role("button", name=said(app, language, "Accept the place")))
    in_language(site, app, language, "Thank you, your place is confirmed.",
                "Your place is confirmed.")
    click(site, page.get_by_role("link", name=said(
        app, language, "Why you got what you got: %(round)s", round=round_name)))
    text = in_language(site, app, language, "You got:", "Your choices")
    first = said(app, language, "choice %(rank)d", rank=1)
    assert f"{JOB} ({first})" in text, text


def test_the_journey_in_every_language(chromium, live_server, app):
    round_id, round_name, offers = _season(app)
    readers = _readers()
    youths = {}
    try:
        for reader in readers:
            youths[reader.language] = site = Site.open(chromium, live_server)
            _register_and_choose(site, app, reader, offers)
        allocate_and_publish(app, round_id)
        for reader in readers:
            site = youths[reader.language]
            visit(site, "/youth/")
            in_language(site, app, reader.language, "Your places", "A guardian must give "
                        "consent before you can accept this job.")
            guardian = Site.open(chromium, live_server)  # a Swedish browser (sv-SE)
            try:
                _guardian_consents(guardian, app, reader)
            finally:
                guardian.close()
            _accept_and_understand(site, app, reader, round_name)
    finally:
        for site in youths.values():
            site.close()
