"""Forms in the browser: the error state, and a whole youth registration."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.identity import with_check_digit
from youth_app.models import OutgoingMessage

from .. import factories

REQUIRED_YOUTH_FIELDS = ["first_name", "last_name", "personal_number", "email", "district",
                         "password", "confirm", "accept_privacy"]


@pytest.mark.parametrize("language", ["sv", "ar"])
def test_empty_youth_registration_shows_errors_and_focuses_the_summary(site, language):
    site.visit("/register/youth")
    if language != "sv":
        site.switch_language(language)
    site.submit()  # axe runs on the error state too
    page = site.page
    assert page.locator("#error-summary").is_visible()
    assert page.evaluate("() => document.activeElement.id") == "error-summary"
    for name in REQUIRED_YOUTH_FIELDS:
        field = page.locator(f"#{name}")
        assert field.get_attribute("aria-invalid") == "true", name
        assert f"{name}-error" in field.get_attribute("aria-describedby").split(), name
        assert page.locator(f"#{name}-error").inner_text().strip(), name
    assert page.locator("#phone").get_attribute("aria-invalid") is None
    page.locator("#error-summary a[href='#first_name']").click()
    assert page.evaluate("() => document.activeElement.id") == "first_name"


def test_youth_registers_confirms_and_logs_in(site, app):
    with app.app_context():
        factories.district("Skaftö")
        db.session.commit()
    digits = with_check_digit("100514123")
    site.visit("/register/youth")
    page = site.page
    page.locator("#first_name").fill("Saga")
    page.locator("#last_name").fill("Strand")
    page.locator("#personal_number").fill(f"20{digits[:6]}-{digits[6:]}")
    page.locator("#email").fill("saga@test.example")
    page.locator("#district").select_option(label="Skaftö")
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("#confirm").fill(factories.PASSWORD)
    page.locator("#accept_privacy").check()
    site.submit()
    assert "saga@test.example" in page.locator("main").inner_text()

    site.visit(_confirmation_link(app, "saga@test.example", site.origin))
    assert site.path == "/login"
    site.log_in("saga@test.example", factories.PASSWORD)
    assert site.path == "/youth/"
    assert "Saga" in page.locator("h1").inner_text()


def _confirmation_link(app, email: str, origin: str) -> str:
    with app.app_context():
        body = db.session.scalar(sa.select(OutgoingMessage.body)
                                 .where(OutgoingMessage.recipient == email,
                                        OutgoingMessage.kind == "auth.confirm_email"))
    link = re.search(r"https?://\S+/confirm/\S+", body).group(0)
    assert link.startswith(origin + "/"), link
    return link.removeprefix(origin)
