"""A 360 px phone, right-to-left mirroring, and the keyboard-only way into a page."""
from __future__ import annotations

import pytest

from youth_app import demo
from youth_app.models import Role

from .test_public_pages import PUBLIC_PAGES

SCREENSHOTS = "/tmp/start-360-{language}.png"
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth"


@pytest.mark.parametrize("language", ["sv", "ar", "fa", "so", "ti", "uk", "sv@ll"])
def test_public_pages_fit_a_phone(phone, language):
    phone.visit("/")
    if language != "sv":
        phone.switch_language(language)
    phone.page.screenshot(path=SCREENSHOTS.format(language=language), full_page=True)
    for path in PUBLIC_PAGES:
        if phone.path != path:
            phone.visit(path)
        assert phone.page.evaluate(NO_SIDEWAYS_SCROLL) <= 360, path


def test_staff_pages_fit_a_phone(phone, demo_data):
    phone.log_in(demo.LOGINS[Role.ADMINISTRATOR], demo.PASSWORD)
    phone.switch_language("ar")
    for path in ["/admin/", "/admin/messages"]:
        phone.visit(path)
        assert phone.page.evaluate(NO_SIDEWAYS_SCROLL) <= 360, path


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_right_to_left_header_is_mirrored(site, language):
    site.visit("/")
    site.switch_language(language)
    brand = site.page.locator(".brand").bounding_box()
    switch = site.page.locator(".language-switch").bounding_box()
    assert brand["x"] > switch["x"], "in Arabic the service name starts on the right"


@pytest.mark.parametrize("language", ["sv", "ar", "fa"])
def test_first_tab_reaches_the_skip_link_which_moves_focus_to_main(site, language):
    site.visit("/")
    if language != "sv":
        site.switch_language(language)  # lands on a freshly loaded "/"
    page = site.page
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains("
                         "document.activeElement)"), "the next Tab stays in the content"
    site.check()


@pytest.mark.parametrize("language", ["ar", "fa", "ti"])
def test_form_errors_fit_a_phone(phone, language):
    phone.visit("/register/youth")
    phone.switch_language(language)
    phone.submit()
    phone.page.screenshot(path=f"/tmp/register-errors-360-{language}.png", full_page=True)
    assert phone.page.evaluate(NO_SIDEWAYS_SCROLL) <= 360
