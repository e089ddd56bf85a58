"""Declining a place gives it away for good, so on a phone it takes a second, plain
question; accepting stays one tap. Without JavaScript, at 360 px wide."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import Application, OfferKind, Placement, PlacementState, Role

from .. import factories

pytest.register_assert_rewrite("tests.browser.journey")
from .journey import allocate_and_publish, click, flashes, main_text, said  # noqa: E402

EMAIL = "tacka-nej@test.example"


def _two_activities_offered(app) -> None:
    with app.app_context():
        round_ = factories.round_(policy={"max_places_per_youth": 2, "max_jobs_per_youth": 1,
                                          "priority_tiers": [], "priority_ranks": True})
        org = factories.organisation("Brastad Idrottsförening")
        offers = [factories.offer(org, round_, kind=OfferKind.ACTIVITY, title=title,
                                  capacity=1, min_age=13, max_age=19, weeks=[week])
                  for title, week in (("Kanotläger", "2027-W26"), ("Fotbollsskola", "2027-W30"))]
        youth = factories.user(Role.YOUTH, email=EMAIL).youth_profile
        for rank, offer in enumerate(offers, start=1):
            db.session.add(Application(round=round_, youth=youth, offer=offer, rank=rank))
        db.session.commit()
        round_id = round_.id
    allocate_and_publish(app, round_id)


def _states(app) -> list[PlacementState]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Placement.state).order_by(Placement.id)))


def test_decline_asks_first_on_a_phone(phone, app):
    """Plain links and forms: nothing on these pages needs JavaScript."""
    site = phone
    if True:  # noqa: SIM108 (keeps the journey indented as one block)
        _two_activities_offered(app)
        page = site.page
        site.log_in(EMAIL, factories.PASSWORD)
        places = page.locator("section[aria-labelledby=offers-heading] li")
        assert places.count() == 2
        canoe = places.filter(has_text="Kanotläger")
        click(site, canoe.get_by_role("link", name=said(app, "sv", "Decline")))
        assert page.locator("h1").inner_text() == said(
            app, "sv", "Decline the place at %(title)s?", title="Kanotläger")
        assert said(app, "sv", "If you decline, the place goes to someone else. You cannot "
                    "take it back afterwards.") in main_text(site)
        assert _states(app) == [PlacementState.OFFERED] * 2, "asking declines nothing"
        page.screenshot(path="/tmp/decline-confirm-360.png", full_page=True)

        click(site, page.get_by_role("link", name=said(app, "sv", "No, keep the place")))
        assert site.path == "/youth/"
        assert _states(app) == [PlacementState.OFFERED] * 2

        canoe = places.filter(has_text="Kanotläger")
        click(site, canoe.get_by_role("link", name=said(app, "sv", "Decline")))
        click(site, page.get_by_role("button", name=said(app, "sv", "Yes, decline the place")))
        assert said(app, "sv", "You have declined the place. It goes to someone else.") \
            in flashes(site)
        assert sorted(s.value for s in _states(app)) == ["declined", "offered"]

        football = places.filter(has_text="Fotbollsskola")
        click(site, football.get_by_role("button", name=said(app, "sv", "Accept the place")))
        assert said(app, "sv", "Thank you, your place is confirmed.") in flashes(site)
        assert sorted(s.value for s in _states(app)) == ["accepted", "declined"], \
            "accepting is one tap"
