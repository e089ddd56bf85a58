"""The catalogue and the choice list, as a young person uses them."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import AllocationMode, Application, OfferKind, Role, SignUp, User

from .. import factories

pytestmark = pytest.mark.youth


@pytest.fixture
def offers(app, users):
    with app.app_context():
        round_ = factories.round_(max_choices=2)
        jobs = [factories.offer(round=round_, title=f"Jobb {name}", min_age=13, max_age=19)
                for name in ("Park", "Kafé", "Varv")]
        open_activity = factories.offer(round=None, kind=OfferKind.ACTIVITY, title="Segling",
                                        allocation_mode=AllocationMode.OPEN, capacity=1,
                                        min_age=13, max_age=19)
        db.session.commit()
        return round_.id, [j.id for j in jobs], open_activity.id


def test_anyone_can_browse_and_filter_the_catalogue(client, offers):
    page = client.get("/offers/").get_data(as_text=True)
    assert "Jobb Park" in page and "Segling" in page
    page = client.get("/offers/?kind=activity").get_data(as_text=True)
    assert "Segling" in page and "Jobb Park" not in page
    assert client.get(f"/offers/{offers[1][0]}").status_code == 200


def test_a_bad_filter_value_is_explained_not_a_crash(client, offers):
    response = client.get("/offers/?age=abc")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_youth_adds_orders_and_removes_choices_with_buttons(app, client_as, offers, users):
    round_id, (park, cafe, varv), _activity = offers
    client = client_as(Role.YOUTH)
    for offer_id in (park, cafe):
        assert client.post(f"/youth/rounds/{round_id}/choices/add/{offer_id}").status_code == 302
    client.post(f"/youth/rounds/{round_id}/choices/up/{cafe}")
    refused = client.post(f"/youth/rounds/{round_id}/choices/add/{varv}",
                          follow_redirects=True).get_data(as_text=True)
    assert 'role="alert"' in refused  # the round allows two choices
    page = client.get(f"/youth/rounds/{round_id}/choices").get_data(as_text=True)
    assert page.index("Jobb Kafé") < page.index("Jobb Park")
    client.post(f"/youth/rounds/{round_id}/choices/remove/{cafe}")
    with app.app_context():
        youth_id = db.session.get(User, users[Role.YOUTH].id).youth_profile.id
        ranks = db.session.execute(sa.select(Application.offer_id, Application.rank)
                                   .where(Application.youth_id == youth_id)).all()
    assert [tuple(r) for r in ranks] == [(park, 1)]


def test_open_activity_sign_up_and_waiting_list(app, client_as, offers):
    _round, _jobs, activity = offers
    client = client_as(Role.YOUTH)
    page = client.post(f"/youth/signups/{activity}", follow_redirects=True).get_data(as_text=True)
    assert "Avboka" in page or "Cancel" in page
    with app.app_context():
        other = factories.user(Role.YOUTH, email="second@test.example")
        other.youth_profile.date_of_birth = date(2011, 1, 1)
        db.session.commit()
    second = app.test_client()
    second.post("/login", data={"email": "second@test.example",
                                "password": factories.PASSWORD})
    second.post(f"/youth/signups/{activity}")
    client.post(f"/youth/signups/{activity}/cancel")
    with app.app_context():
        statuses = {s.youth.user.email: s.status.value
                    for s in db.session.scalars(sa.select(SignUp))}
    assert statuses["second@test.example"] == "confirmed"


def test_drag_and_drop_sends_the_whole_order(app, client_as, offers):
    round_id, (park, cafe, _varv), _activity = offers
    client = client_as(Role.YOUTH)
    for offer_id in (park, cafe):
        client.post(f"/youth/rounds/{round_id}/choices/add/{offer_id}")
    assert client.post(f"/youth/rounds/{round_id}/choices/order",
                       data={"order": f"{cafe},{park}"}).status_code == 302
    page = client.get(f"/youth/rounds/{round_id}/choices").get_data(as_text=True)
    assert page.index("Jobb Kafé") < page.index("Jobb Park")
    # An order that adds or drops an offer is refused: that is what the buttons are for.
    assert client.post(f"/youth/rounds/{round_id}/choices/order",
                       data={"order": f"{cafe}"}).status_code == 400


def test_catalogue_filters_by_interest(app, client, offers):
    with app.app_context():
        from youth_app.models import Offer

        db.session.get(Offer, offers[2]).interests = ["sea", "sport"]
        db.session.commit()
    page = client.get("/offers/?interest=sea").get_data(as_text=True)
    assert "Segling" in page and "Jobb Park" not in page
    assert 'name="interest"' in client.get("/offers/").get_data(as_text=True)
