"""Headers, CSRF and error pages: what every response promises."""
from __future__ import annotations

import re

import pytest

from youth_app.models import Role


PAGES = ["/", "/login", "/register/youth", "/accessibility", "/no-such-page",
         "/static/css/app.css"]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client_as):
    for role, path in [(Role.YOUTH, "/youth/"), (Role.ADMINISTRATOR, "/admin/messages")]:
        page = client_as(role).get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
        assert " style=" not in page and "<style" not in page
        assert "on" + "click=" not in page


def test_assets_are_served_by_the_app_not_a_cdn(client):
    page = client.get("/").get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith(("/", "#", "mailto:")), url


def test_a_form_without_csrf_token_is_refused_in_swedish(app_factory):
    guarded = app_factory(WTF_CSRF_ENABLED=True)
    response = guarded.test_client().post("/login", data={"email": "a@b.se", "password": "x"})
    assert response.status_code == 400
    assert "formuläret" in response.get_data(as_text=True).lower()


def test_an_unexpected_error_shows_a_page_that_leaks_nothing(app_factory):
    broken = app_factory()

    def explode():
        raise RuntimeError("secret internal detail")

    broken.view_functions["main.privacy"] = explode
    response = broken.test_client().get("/privacy")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internal detail" not in page and "Traceback" not in page
    assert 'lang="sv"' in page


def test_not_found_page_in_english(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "The page was not found" in response.get_data(as_text=True)
