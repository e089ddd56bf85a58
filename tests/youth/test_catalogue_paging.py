"""The catalogue on a phone: folded filters, pages, sort, and places still free."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from youth_app.catalogue.services import PAGE_SIZE
from youth_app.extensions import db
from youth_app.models import (AllocationMode, OfferKind, Placement, PlacementState, Role,
                              RoundState, User, utcnow)

from .. import factories

pytestmark = pytest.mark.youth


def titles(page: str) -> list[str]:
    return re.findall(r'<h3><a href="/offers/\d+">([^<]+)</a></h3>', page)


@pytest.fixture
def many(app):
    with app.app_context():
        round_ = factories.round_()
        org = factories.organisation("Kommunen")
        for number in range(PAGE_SIZE + 2):
            factories.offer(org=org, round=round_, title=f"Jobb {number:02d}",
                            created_at=utcnow() - timedelta(days=number))
        db.session.commit()


def test_filters_are_folded_and_open_when_one_is_set(client, many):
    page = client.get("/offers/").get_data(as_text=True)
    assert '<details class="filters-fold">' in page
    page = client.get("/offers/?kind=job").get_data(as_text=True)
    assert '<details class="filters-fold" open>' in page


def test_the_list_is_paged_and_the_links_keep_the_filters(client, many):
    first = client.get("/offers/?kind=job&sort=newest").get_data(as_text=True)
    assert titles(first) == [f"Jobb {n:02d}" for n in range(PAGE_SIZE)]  # newest first
    link = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert "kind=job" in link and "sort=newest" in link and "page=2" in link
    second = client.get(link).get_data(as_text=True)
    assert titles(second) == ["Jobb 10", "Jobb 11"]
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_nearest_district_puts_the_youths_own_district_first(app, client_as, users):
    with app.app_context():
        round_ = factories.round_()
        away, home = factories.district("Aby"), factories.district("Ödet")
        factories.offer(round=round_, title="Borta", district=away)
        factories.offer(round=round_, title="Hemma", district=home)
        db.session.get(User, users[Role.YOUTH].id).youth_profile.district = home
        db.session.commit()
    page = client_as(Role.YOUTH).get("/offers/?sort=district").get_data(as_text=True)
    assert titles(page) == ["Hemma", "Borta"]


def test_after_publishing_the_free_places_are_shown_and_can_be_filtered(app, client):
    with app.app_context():
        round_ = factories.round_(state=RoundState.PUBLISHED)
        full = factories.offer(round=round_, title="Fullt", capacity=1)
        some = factories.offer(round=round_, title="Plats kvar", capacity=3)
        youth = factories.user(Role.YOUTH, email="y@test.example").youth_profile
        for offer in (full, some):
            db.session.add(Placement(round=round_, youth=youth, offer=offer,
                                     state=PlacementState.ACCEPTED))
        factories.offer(round=None, kind=OfferKind.ACTIVITY, title="Segling",
                        allocation_mode=AllocationMode.OPEN, capacity=4)
        db.session.commit()
    client.post("/language", data={"language": "en", "next": "/"})
    page = client.get("/offers/").get_data(as_text=True)
    assert "2 places still free" in page and "No places free" in page
    assert "4 places still free" in page
    page = client.get("/offers/?places=y").get_data(as_text=True)
    assert sorted(titles(page)) == ["Plats kvar", "Segling"]
