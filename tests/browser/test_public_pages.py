"""Every public page, anonymously, in Swedish, English and Arabic (axe on each)."""
from __future__ import annotations

import pytest

from youth_app.i18n import RTL

PUBLIC_PAGES = ["/", "/login", "/register", "/register/youth", "/register/provider",
                "/accessibility", "/privacy", "/password/forgot", "/confirm"]


def walk_public_pages(site, language: str) -> None:
    direction = "rtl" if language in RTL else "ltr"
    for path in PUBLIC_PAGES:
        if site.path != path:  # the page we are on has been checked already
            site.visit(path)
        assert site.html_lang_dir() == (language, direction), path
    site.visit("/finns-inte", status=404)
    assert site.html_lang_dir() == (language, direction)
    assert site.page.locator("h1").count() == 1


def test_public_pages_in_swedish(site):
    site.visit("/")
    walk_public_pages(site, "sv")
    assert site.checked == PUBLIC_PAGES + ["/finns-inte"]


# fa: right to left as ar, the same axe checks (its texts: until the lead applies the
# translations, the empty catalogue shows the English source, with the same layout).
@pytest.mark.parametrize("language", ["en", "ar", "fa"])
def test_public_pages_after_switching_language(site, language):
    site.visit("/register/youth")
    site.switch_language(language)
    assert site.path == "/register/youth", "the switch keeps the user on the same page"
    walk_public_pages(site, language)


def test_switching_back_from_arabic_to_swedish(site):
    site.visit("/privacy")
    site.switch_language("ar")
    site.switch_language("sv")
    assert site.path == "/privacy"
    assert site.page.locator(".language-switch button[aria-current=true]").inner_text() \
        == "Svenska"
