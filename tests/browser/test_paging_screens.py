"""A long staff list on a phone: one page, navigation that wraps, in Swedish and Arabic."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from youth_app.caseworker.services import MEMBERS_PAGE_SIZE
from youth_app.extensions import db
from youth_app.models import PriorityGroup, PriorityMembership, Role

from .. import factories
from .journey import said

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth"


@pytest.fixture
def big_group(app):
    with app.app_context():
        group = PriorityGroup(code="targeted", name="Målgrupp")
        db.session.add(group)
        for number in range(MEMBERS_PAGE_SIZE + 5):
            youth = factories.youth_profile(born=date(2010, 1, 1) + timedelta(days=number),
                                            last_name=f"Efternamn{number:03d}")
            db.session.add(PriorityMembership(group=group, youth=youth))
        db.session.commit()
        return group.id


@pytest.mark.parametrize("language", ["sv", "ar"])
def test_a_priority_group_pages_on_a_phone(phone, app, users, big_group, language):
    caseworker = users[Role.CASEWORKER]
    phone.log_in(caseworker.email, factories.PASSWORD, caseworker.totp_secret)
    phone.visit(f"/caseworker/groups/{big_group}")
    if language != "sv":
        phone.switch_language(language)
    page = phone.page
    assert page.locator("tbody tr").count() == MEMBERS_PAGE_SIZE
    nav = page.locator("nav.pager")
    assert nav.is_visible() and nav.locator("[aria-current=page]").count() == 1
    assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 360
    phone.check()
    with page.expect_navigation():
        nav.get_by_role("link", name=said(app, language, "Next page")).click()
    assert "page=2" in page.url and page.locator("tbody tr").count() == 5
    assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 360
    phone.check()
