"""Each role logs in through the form, uses its pages in three languages, logs out."""
from __future__ import annotations

import pytest

from youth_app import demo, mail
from youth_app.extensions import db
from youth_app.models import Role

ROLE_PAGES = {
    Role.YOUTH: ["/youth/"],
    Role.PROVIDER: ["/provider/"],
    Role.CASEWORKER: ["/caseworker/"],
    Role.ADMINISTRATOR: ["/admin/", "/admin/messages"],
}


@pytest.fixture
def sent_message(app, demo_data):
    """One kept e-mail, so the administrator's message list shows its table."""
    with app.app_context():
        mail.send("ungdom@lysekil.example", "Bekräfta din e-postadress", "…",
                  kind="auth.confirm_email")
        db.session.commit()


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_role_logs_in_switches_language_and_logs_out(site, demo_data, sent_message, role):
    home, *others = ROLE_PAGES[role]
    site.log_in(demo.LOGINS[role], demo.PASSWORD)
    assert site.path == home
    for path in others:
        site.visit(path)
    for language in ("en", "ar"):
        site.switch_language(language)
        for path in ROLE_PAGES[role]:
            if site.path != path:
                site.visit(path)
            assert site.html_lang_dir()[0] == language
    site.log_out()
    assert site.path == "/"
    site.visit(home)
    assert site.path.startswith("/login?next="), "a protected page sends to login"


def test_wrong_password_shows_an_alert(site, demo_data):
    site.log_in(demo.LOGINS[Role.YOUTH], "not the password")
    assert site.path == "/login"
    assert site.page.locator("main [role=alert]").is_visible()
