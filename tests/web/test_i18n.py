"""The language follows the user's choice, then the browser, then Swedish."""
from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import Role, User


def test_browser_language_is_used_when_nothing_is_chosen(client):
    page = client.get("/", headers={"Accept-Language": "ar,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page


def test_unknown_browser_language_falls_back_to_swedish(client):
    page = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="sv" dir="ltr">' in page
    assert "Logga in" in page


def test_chosen_language_wins_over_the_browser(client):
    response = client.post("/language", data={"language": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    page = client.get("/login", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page
    assert "Log in" in page


def test_language_switch_refuses_unknown_language_and_foreign_redirect(client):
    response = client.post("/language", data={"language": "xx", "next": "https://evil.example"})
    assert response.headers["Location"] == "/"
    for target in ("//evil.example", "/\\evil.example"):
        response = client.post("/language", data={"language": "en", "next": target})
        assert response.headers["Location"] == "/"
    assert 'lang="sv"' in client.get("/").get_data(as_text=True)


def test_a_logged_in_users_choice_is_remembered_on_their_account(app, client_as, users):
    client = client_as(Role.YOUTH)
    client.post("/language", data={"language": "ar", "next": "/youth/"})
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.id == users[Role.YOUTH].id))
        assert user.preferred_language == "ar"
    fresh = app.test_client()
    fresh.post("/login", data={"email": users[Role.YOUTH].email,
                               "password": "correct horse battery"})
    assert 'dir="rtl"' in fresh.get("/youth/").get_data(as_text=True)


def test_catalogues_are_complete(app):
    from babel.messages.pofile import read_po

    from youth_app.config import ROOT

    from youth_app.i18n import STAFF_LANGUAGES

    # The others have the public texts: tests/web/test_languages.py.
    for language in STAFF_LANGUAGES:
        path = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            catalog = read_po(handle)
        missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
        assert missing == [], f"{language}: {len(missing)} untranslated, e.g. {missing[:3]}"


def test_the_catalogue_holds_every_text_of_the_source(tmp_path):
    """A text that is in the code but not in translations/messages.pot reaches no
    translator: every language, Swedish included, would show its English source. Run
    ``make messages`` (and translate the new entries) after adding texts."""
    from babel.messages.pofile import read_po

    from youth_app.config import ROOT

    extracted = tmp_path / "messages.pot"
    # The options of the Makefile's `messages` target.
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
                    "-F", "babel.cfg", "-k", "_l", "-k", "lazy_pgettext:1c,2",
                    "--add-comments=Translators:", "--ignore-dirs", ".*", "--sort-by-file",
                    "-o", str(extracted), "."], cwd=ROOT, check=True)

    def texts(path):
        with path.open("rb") as handle:
            return {(m.context, m.id): m for m in read_po(handle) if m.id}

    known = texts(ROOT / "translations" / "messages.pot")
    new = [m for key, m in texts(extracted).items() if key not in known]
    listed = "\n".join(f"  {m.id if isinstance(m.id, str) else m.id[0]!r} "
                        f"({', '.join(f'{file}:{line}' for file, line in m.locations)})"
                        for m in new)
    assert not new, (f"{len(new)} texts are not in translations/messages.pot "
                     f"(run `make messages`):\n{listed}")
