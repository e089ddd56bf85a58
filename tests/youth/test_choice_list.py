"""My choices: numbers, dates, place, overlaps, and where a moved choice went."""
from __future__ import annotations

import pytest

from youth_app.extensions import db
from youth_app.models import Role

from .. import factories

pytestmark = pytest.mark.youth


@pytest.fixture
def three_choices(app, client_as, users):
    with app.app_context():
        round_ = factories.round_(max_choices=5)
        district = factories.district("Hamnen")
        made = [factories.offer(round=round_, title="Jobb Park", weeks=["2027-W25", "2027-W26"],
                                place="Stadsparken", district=district),
                factories.offer(round=round_, title="Jobb Kafé", weeks=["2027-W26"],
                                place="Torget"),
                factories.offer(round=round_, title="Jobb Varv", weeks=["2027-W30"],
                                place="Varvet")]
        db.session.commit()
        round_id, ids = round_.id, [o.id for o in made]
    client = client_as(Role.YOUTH)
    client.post("/language", data={"language": "en", "next": "/"})
    for offer_id in ids:
        client.post(f"/youth/rounds/{round_id}/choices/add/{offer_id}")
    return client, round_id, ids


def test_each_choice_shows_its_number_dates_and_place(three_choices):
    client, round_id, _ids = three_choices
    page = client.get(f"/youth/rounds/{round_id}/choices").get_data(as_text=True)
    assert "Number 1 of 3:" in page and "Number 3 of 3:" in page
    assert "21 June – 2 July 2027" in page  # weeks 25–26, Monday to Friday
    assert "Stadsparken, Hamnen" in page and "Varvet" in page


def test_overlapping_choices_are_warned_about_beside_both(three_choices):
    client, round_id, _ids = three_choices
    page = client.get(f"/youth/rounds/{round_id}/choices").get_data(as_text=True)
    assert "Same time as your choice number 2, Jobb Kafé" in page
    assert "Same time as your choice number 1, Jobb Park" in page
    assert "Jobb Varv: you can get" not in page and page.count("Same time as") == 2


def test_a_moved_choice_says_where_it_is_now_in_a_status_region(three_choices):
    client, round_id, (_park, _cafe, varv) = three_choices
    page = client.post(f"/youth/rounds/{round_id}/choices/up/{varv}",
                       follow_redirects=True).get_data(as_text=True)
    assert '<p class="flash flash-success" role="status">Jobb Varv is now number 2 of 3.</p>' \
        in page


def test_a_dragged_choice_says_where_it_landed(three_choices):
    client, round_id, (park, kafe, varv) = three_choices
    page = client.post(f"/youth/rounds/{round_id}/choices/order",
                       data={"order": f"{kafe},{varv},{park}", "moved": str(park)},
                       follow_redirects=True).get_data(as_text=True)
    assert '<p class="flash flash-success" role="status">Jobb Park is now number 3 of 3.</p>' \
        in page
    assert page.index("Jobb Kafé</a>") < page.index("Jobb Varv</a>") < page.index("Jobb Park</a>")
    page = client.post(f"/youth/rounds/{round_id}/choices/order",
                       data={"order": f"{park},{kafe},{varv}", "moved": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "Your choices are saved." in page, "without a moved choice, the plain message"
    refused = client.post(f"/youth/rounds/{round_id}/choices/order",
                          data={"order": f"{park},{kafe},{varv}", "moved": "x"})
    assert refused.status_code == 400
