"""Helpers for the young person's journey: moving through pages as a user does, with
the mouse or with the keyboard alone, and the texts the user is meant to read.

Every helper that reaches a new page goes through ``Site.check`` (axe and the origin
check), and on a phone also checks that nothing scrolls sideways.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import force_locale, format_datetime, gettext
from playwright.sync_api import Locator

from youth_app.allocation import services as allocation
from youth_app.extensions import db
from youth_app.models import OutgoingMessage, Round

from .site import Site

#: A fixed lottery seed, so the demo round is allocated the same way on every run.
SEED = 20_260_615
FOCUS_STYLE = """() => {
  const style = getComputedStyle(document.activeElement);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return outline || style.boxShadow !== "none";
}"""


def said(app, language: str, msgid: str, **values) -> str:
    """The text the app shows for ``msgid`` in ``language`` (from ``translations/``)."""
    with app.test_request_context(), force_locale(language):
        return gettext(msgid, **values)


def shown_deadline(app, language: str, value) -> str:
    """``value`` as the app's ``deadline`` filter shows it (its last day)."""
    from youth_app import i18n

    with app.test_request_context(), force_locale(language):
        return i18n.deadline(value)


def shown_datetime(app, language: str, value) -> str:
    """``value`` as the app's ``datetimeformat('short')`` shows it."""
    with app.test_request_context(), force_locale(language):
        return format_datetime(value, "short")


def fits(site: Site) -> None:
    """No sideways scrolling on the window as it is now (WCAG 1.4.10 Reflow)."""
    width = site.page.viewport_size["width"]
    scrolled = site.page.evaluate("() => document.documentElement.scrollWidth")
    assert scrolled <= width, f"{site.path} is {scrolled} px wide on a {width} px window"


def seen(site: Site) -> None:
    site.check()
    fits(site)


def visit(site: Site, path: str) -> None:
    site.visit(path)
    fits(site)


def click(site: Site, target: Locator) -> None:
    """Click a link or button that leads to a new page, and check that page."""
    with site.page.expect_navigation() as navigation:
        target.click()
    assert navigation.value.status == 200, navigation.value.url
    seen(site)


def main_text(site: Site) -> str:
    return site.page.locator("main").inner_text()


def flashes(site: Site) -> str:
    return site.page.locator(".flashes").inner_text()


# The keyboard ----------------------------------------------------------------------

def tab_to(site: Site, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching ``selector`` has focus.

    The selector only recognises the target; reaching it is done with Tab alone, so
    a target that the keyboard cannot reach fails here."""
    page = site.page
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab on {site.path}")


def focus_is_visible(site: Site) -> bool:
    return site.page.evaluate(FOCUS_STYLE)


def focused_text(site: Site) -> str:
    return site.page.evaluate("() => document.activeElement.innerText")


def press_enter(site: Site) -> None:
    """Enter on the focused link or button; the page it leads to is checked."""
    with site.page.expect_navigation() as navigation:
        site.page.keyboard.press("Enter")
    assert navigation.value.status == 200, navigation.value.url
    seen(site)


# Outside the browser: mail and the allocation ------------------------------------

def consent_code(app, guardian: str) -> str:
    """The one-time code in the newest code e-mail to ``guardian`` (its subject ends with it)."""
    with app.app_context():
        subject = db.session.scalar(sa.select(OutgoingMessage.subject).where(
            OutgoingMessage.recipient == guardian, OutgoingMessage.kind == "consent.code")
            .order_by(OutgoingMessage.id.desc()).limit(1))
    assert subject, f"no code e-mail to {guardian}"
    return subject.split()[-1]


def link_in_mail(app, origin: str, recipient: str, kind: str) -> str:
    """The path of the link in the newest ``kind`` message to ``recipient``."""
    with app.app_context():
        body = db.session.scalar(sa.select(OutgoingMessage.body).where(
            OutgoingMessage.recipient == recipient, OutgoingMessage.kind == kind)
            .order_by(OutgoingMessage.id.desc()).limit(1))
    assert body, f"no {kind} message to {recipient}"
    link = urlsplit(re.search(r"https?://\S+", body).group(0))
    # Mail sent by a page links to the live server (its PUBLIC_URL); mail sent by the
    # allocation (run here, in the test's own app) to the test app's PUBLIC_URL.
    assert f"{link.scheme}://{link.netloc}" in (origin, app.config["PUBLIC_URL"]), link
    return link.path


def allocate_and_publish(app, round_id: int) -> None:
    """What an administrator will do (no admin UI yet): close, run, publish."""
    with app.app_context(), app.test_request_context():
        round_ = db.session.get(Round, round_id)
        if round_.lottery_seed is None:
            round_.lottery_seed, round_.seed_fingerprint = SEED, allocation.fingerprint(SEED)
        allocation.close(round_)
        run = allocation.start_run(round_)
        db.session.commit()
        allocation.execute(run.id)
        allocation.publish(db.session.get(Round, round_id))
        db.session.commit()


def download_json(site: Site, link: Locator) -> tuple[str, dict]:
    """Click a download link; the file's suggested name and its parsed content."""
    with site.page.expect_download() as download:
        link.click()
    path = download.value.path()
    with open(path, encoding="utf-8") as file:
        return download.value.suggested_filename, json.load(file)


def confirm_and_log_in(site: Site, app, email: str, password: str) -> None:
    """After registering: "check your e-mail", open the e-mailed link, log in."""
    page = site.page
    assert said(app, "sv", "Check your e-mail") in page.locator("h1").inner_text()
    visit(site, link_in_mail(app, site.origin, email, "auth.confirm_email"))
    assert said(app, "sv", "Thank you, your e-mail address is confirmed. You can log in "
                "now.") in flashes(site)
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    site.submit()
