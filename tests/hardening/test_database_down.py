"""The database is unreachable: every request gets the product's 503 page, with the
security headers, in the user's language, for visitors and signed-in users alike.

The app is pointed at a database that refuses connections: PostgreSQL on a closed port,
and SQLite in a folder that does not exist. A signed-in user's session cookie comes
from a working app with the same ``SECRET_KEY``.
"""
from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from youth_app.models import Role

from ..conftest import make_app

pytestmark = pytest.mark.hardening

REFUSING = {"postgresql": "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=3",
            "sqlite": "sqlite:////nonexistent-folder/for/sure/youth.db"}


@pytest.fixture(params=sorted(REFUSING))
def down(request):
    """An app whose database cannot be reached."""
    app = make_app(REFUSING[request.param])
    yield app
    with app.app_context():
        from youth_app.extensions import db

        db.engine.dispose()


def _unavailable(response, language="en") -> str:
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert f'lang="{language}"' in page
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Retry-After"]
    assert "Traceback" not in page and "sqlalchemy" not in page.lower()
    return page


def _heading(app, language="en") -> str:
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale(language):
        return gettext("The service is temporarily unavailable")


@pytest.mark.parametrize("path", ["/offers/", "/offers/1", "/register/youth", "/rounds/1",
                                  "/consent/some-token"])
def test_a_visitor_gets_the_503_page(down, path):
    """(Pages that need no database, such as the login form, still show.)"""
    response = down.test_client().get(path, headers={"Accept-Language": "en"})
    assert _heading(down) in _unavailable(response)


def test_a_form_sent_while_the_database_is_down_gets_the_503_page(down):
    response = down.test_client().post("/login", data={"email": "a@example.se",
                                                       "password": "whatever it is"},
                                       headers={"Accept-Language": "en"})
    _unavailable(response)


def _signed_in_cookie(client_as, role, language=None) -> str:
    client = client_as(role)
    if language:
        client.post("/language", data={"language": language, "next": "/"})
    return client.get_cookie("session").value


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("path", ["/", "/youth/", "/no-such-page", "/privacy"])
def test_a_signed_in_user_gets_the_503_page_not_a_bare_500(client_as, down, role, path):
    """Flask-Login's user loader reads the login session: with the database down it
    fails before any view, and again while the error page draws the user's menu."""
    browser = down.test_client()
    browser.set_cookie("session", _signed_in_cookie(client_as, role))
    page = _unavailable(browser.get(path, headers={"Accept-Language": "en"}))
    assert _heading(down) in page


def test_the_503_page_is_in_the_language_the_user_chose(client_as, down):
    browser = down.test_client()
    browser.set_cookie("session", _signed_in_cookie(client_as, Role.YOUTH, language="ar"))
    page = _unavailable(browser.get("/youth/"), language="ar")
    assert 'dir="rtl"' in page and _heading(down, "ar") in page


def test_a_rollback_that_fails_as_well_still_gives_the_503_page(down, monkeypatch):
    """With the connection gone, even forgetting the failed unit of work can fail: the
    session is then invalidated, and the user still gets the product's page."""
    def rollback(self):
        raise sa.exc.OperationalError("ROLLBACK", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(Session, "rollback", rollback)
    response = down.test_client().get("/offers/", headers={"Accept-Language": "en"})
    assert _heading(down) in _unavailable(response)


def test_the_outage_is_logged_without_the_connection_details(down, caplog):
    with caplog.at_level(logging.ERROR):
        down.test_client().get("/offers/")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Database unavailable" in logged and "OperationalError" in logged
    assert "postgres@" not in logged and "nonexistent-folder" not in logged
