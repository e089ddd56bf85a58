"""The youth's screens on a phone: My choices, the catalogue, Register beside Log in;
and the provider's lists and a round's public page at 360 px, in Arabic too."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from youth_app import demo
from youth_app.catalogue.services import PAGE_SIZE
from youth_app.extensions import db
from youth_app.models import (Application, Offer, Placement, PlacementState, Role, Round,
                              User, utcnow)

from .. import factories
from .journey import allocate_and_publish, said

pytestmark = [pytest.mark.youth]

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth"
EMAIL = "ella@test.example"


@pytest.fixture
def chooser(app):
    """A youth with three choices: the first two share week 26, the third stands alone."""
    with app.app_context():
        round_ = factories.round_(max_choices=5)
        offers = [factories.offer(round=round_, title="Jobb Park", place="Stadsparken",
                                  weeks=["2027-W25", "2027-W26"]),
                  factories.offer(round=round_, title="Jobb Kafé", place="Torget",
                                  weeks=["2027-W26"]),
                  factories.offer(round=round_, title="Jobb Varv", place="Varvet",
                                  weeks=["2027-W30"])]
        youth = factories.user(Role.YOUTH, email=EMAIL).youth_profile
        db.session.flush()
        for rank, offer in enumerate(offers, start=1):
            db.session.add(Application(round=round_, youth=youth, offer=offer, rank=rank))
        db.session.commit()
        return round_.id, [o.id for o in offers]


def _move_up_the_last(site, app, chooser) -> None:
    round_id, (_park, _cafe, varv) = chooser
    site.log_in(EMAIL, factories.PASSWORD)
    site.visit(f"/youth/rounds/{round_id}/choices")
    page = site.page
    assert page.locator(".choice-rank").all_inner_texts() == ["1", "2", "3"]
    assert page.locator(".choice-overlap").count() == 2
    assert page.locator(f"#choice-{varv} .choice-overlap").count() == 0
    assert "Stadsparken" in page.locator(".choice").first.inner_text()
    assert "2027" in page.locator(".choice-meta").first.inner_text()
    with page.expect_navigation():
        page.locator(f"#choice-{varv} button").first.click()  # "Move up"
    site.check()
    status = page.locator("[role=status][aria-live], [role=status]").first
    assert status.inner_text() == said(app, "sv", "%(title)s is now number %(rank)d of %(count)d.",
                                       title="Jobb Varv", rank=2, count=3)
    assert page.locator(".choice-title a").all_inner_texts() == [
        "Jobb Park", "Jobb Varv", "Jobb Kafé"]


def test_my_choices_numbers_overlaps_and_the_spoken_new_position(phone, app, chooser):
    _move_up_the_last(phone, app, chooser)
    assert phone.page.evaluate(NO_SIDEWAYS_SCROLL) <= 360
    phone.switch_language("ar")
    assert phone.page.evaluate(NO_SIDEWAYS_SCROLL) <= 360
    phone.switch_language("en")


@pytest.fixture
def many_offers(app):
    with app.app_context():
        round_ = factories.round_()
        org = factories.organisation("Kommunen")
        for number in range(PAGE_SIZE + 3):
            factories.offer(org=org, round=round_, title=f"Jobb {number:02d}",
                            created_at=utcnow() - timedelta(days=number))
        db.session.commit()


@pytest.mark.parametrize("language", ["sv", "ar"])
def test_catalogue_on_a_phone_folds_its_filters_and_pages(phone, app, many_offers, language):
    phone.visit("/offers/")
    if language != "sv":
        phone.switch_language(language)
    page = phone.page
    assert not page.locator("#q").is_visible(), "the filters are folded"
    page.locator("details.filters-fold > summary").click()
    assert page.locator("#q").is_visible()
    page.locator("#kind").select_option("job")
    phone.submit("form.filters")
    assert page.locator(".offer-card").count() == PAGE_SIZE
    assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 360
    with page.expect_navigation():
        page.get_by_role("link", name=said(app, language, "Next page")).click()
    phone.check()
    assert "kind=job" in page.url and "page=2" in page.url
    assert page.locator(".offer-card").count() == 3
    assert page.locator("details.filters-fold[open]").count() == 1, "a set filter stays shown"
    assert page.evaluate(NO_SIDEWAYS_SCROLL) <= 360


def test_anonymous_visitor_sees_register_beside_log_in_to_apply(phone, app, many_offers):
    with app.app_context():
        offer_id = db.session.scalar(sa.select(Offer.id))
    for language in ("sv", "en", "ar"):
        phone.visit(f"/offers/{offer_id}")
        if language != "sv":
            phone.switch_language(language)
        main = phone.page.locator("main")
        assert main.get_by_role("link", name=said(app, language, "Log in to apply")).is_visible()
        assert main.get_by_role("link", name=said(app, language, "Register")).is_visible()
        nav = phone.page.locator(".main-nav")
        assert nav.get_by_role("link", name=said(app, language, "Register")).count() == 1


@pytest.fixture
def published(app, demo_data):
    """The demo round allocated and published, every offer accepted."""
    with app.app_context():
        round_id = db.session.scalar(sa.select(Round.id))
    allocate_and_publish(app, round_id)
    with app.app_context():
        for placement in db.session.scalars(sa.select(Placement)):
            placement.state = PlacementState.ACCEPTED
        provider = db.session.scalar(sa.select(User).where(
            User.email == demo.LOGINS[Role.PROVIDER]))
        offer_id = db.session.scalar(
            sa.select(Placement.offer_id).join(Offer)
            .where(Offer.organisation_id == provider.organisation_id))
        db.session.commit()
    return round_id, offer_id


@pytest.mark.parametrize("language", ["sv", "ar"])
def test_provider_pages_fit_a_phone(phone, published, language):
    _round_id, offer_id = published
    phone.log_in(demo.LOGINS[Role.PROVIDER], demo.PASSWORD)
    if language != "sv":
        phone.switch_language(language)
    for path in ["/provider/", f"/provider/offers/{offer_id}/participants/print",
                 f"/provider/offers/{offer_id}/attendance", f"/provider/offers/{offer_id}"]:
        phone.visit(path)
        assert phone.page.evaluate(NO_SIDEWAYS_SCROLL) <= 360, path


@pytest.mark.parametrize("language", ["sv", "en", "ar"])
def test_public_round_page_charts_mirror_in_arabic(site, published, language):
    round_id, _offer_id = published
    site.visit(f"/rounds/{round_id}")
    if language != "sv":
        site.switch_language(language)
    site.page.screenshot(path=f"/tmp/round-public-{language}.png", full_page=True)
    chart = site.page.locator(".chart svg").first
    bar = chart.locator(".chart-bar").first
    label = chart.locator(".chart-label").first
    box, bar_box, label_box = chart.bounding_box(), bar.bounding_box(), label.bounding_box()
    if language == "ar":
        assert abs(bar_box["x"] + bar_box["width"] - (box["x"] + box["width"])) < 2, \
            "in Arabic a bar grows from the right"
        assert label_box["x"] + label_box["width"] > box["x"] + box["width"] - 2
    else:
        assert abs(bar_box["x"] - box["x"]) < 2
