"""Open redirects in a real browser (issue 9, item 4): Chromium, not Python, decides
where a ``Location`` header leads, so the worst ``next`` tricks are tried on it.

The machine has no network: had the app sent Chromium to evil.example, it would show
an error page for that host instead of the youth's page here.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from youth_app.extensions import db
from youth_app.models import Role

from .. import factories

pytestmark = pytest.mark.hardening

#: As they would stand in a link; each turned into another host by the old check or
#: by Chromium's own clean-up of tab, CR, LF, backslashes and leading controls.
WORST = ["/%09/evil.example", "/%0d%0a/evil.example", "/%5Cevil.example",
         "%2F%2Fevil.example", "%01%2F%2Fevil.example", "https:evil.example"]


@pytest.fixture
def youth_email(app) -> str:
    with app.app_context():
        user = factories.user(Role.YOUTH)
        db.session.commit()
        return user.email


@pytest.mark.parametrize("trick", WORST)
def test_logging_in_with_a_hostile_next_page_stays_on_the_site(site, youth_email, trick):
    site.visit(f"/login?next={trick}")
    page = site.page
    page.locator("#email").fill(youth_email)
    page.locator("#password").fill(factories.PASSWORD)
    try:
        with page.expect_navigation(wait_until="load"):
            page.locator("main form button[type=submit]").click()
    except PlaywrightError as error:  # sent to a host that cannot be reached
        pytest.fail(f"next={trick} left the site: {error.message.splitlines()[0]}")
    assert urlsplit(page.url).netloc == urlsplit(site.origin).netloc, page.url
    assert site.path == "/youth/"  # not an error page either
    site.check()
