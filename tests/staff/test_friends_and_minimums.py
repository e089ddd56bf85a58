"""Friend codes and fewest participants, from the forms through the problem to the run."""
from __future__ import annotations

import re
from datetime import date

import matching
import pytest
import sqlalchemy as sa

from youth_app.allocation import problem as problems
from youth_app.extensions import db
from youth_app.models import Application, FriendMember, OfferKind, Placement, Role, Round

from .. import factories
from .test_allocation import run_once
from .test_rounds import _round_form

pytestmark = pytest.mark.staff


@pytest.fixture
def round_with_friends(app, app_context):
    """Four youths; A and B share a friend code, C is in a group of one, D has none.
    A prefers the park, B the café; each would take the other's."""
    with app.test_request_context():
        round_ = factories.round_(policy={"max_places_per_youth": 1, "friends": True})
        park = factories.offer(round=round_, kind=OfferKind.ACTIVITY, capacity=2, weeks=["2027-W30"])
        cafe = factories.offer(round=round_, kind=OfferKind.ACTIVITY, capacity=2, weeks=["2027-W31"])
        youths = [factories.user(Role.YOUTH).youth_profile for _ in range(4)]
        for youth in youths:
            youth.date_of_birth = date(2011, 1, 1)
        for rank, offer in enumerate((park, cafe), start=1):
            db.session.add(Application(round=round_, youth=youths[0], offer=offer, rank=rank))
        for rank, offer in enumerate((cafe, park), start=1):
            db.session.add(Application(round=round_, youth=youths[1], offer=offer, rank=rank))
        db.session.add(Application(round=round_, youth=youths[2], offer=cafe, rank=1))
        db.session.flush()
        db.session.add_all([FriendMember(round_id=round_.id, youth_id=youths[0].id, code="AAAAABBBBB"),
                            FriendMember(round_id=round_.id, youth_id=youths[1].id, code="AAAAABBBBB"),
                            FriendMember(round_id=round_.id, youth_id=youths[2].id, code="CCCCCDDDDD"),
                            FriendMember(round_id=round_.id, youth_id=youths[3].id, code="CCCCCDDDDD")])
        db.session.flush()
        yield round_, park, cafe, youths


def test_the_problem_carries_the_groups_of_youths_in_it(round_with_friends):
    round_, _park, _cafe, youths = round_with_friends
    data = problems.build(round_, seed=7)
    keys = problems.youth_keys(round_.id, [y.id for y in youths[:3]])
    assert data["policy"]["friends"] is True
    # D applied for nothing, so C's group is left with one member and dropped
    assert data["friends"] == [{"youths": sorted([keys[youths[0].id], keys[youths[1].id]])}]
    assert "AAAAABBBBB" not in str(data), "the code itself stays in the web application"
    matching.load_problem(data)


def test_without_the_switch_the_problem_is_as_before(round_with_friends):
    round_, *_ = round_with_friends
    round_.policy = {"max_places_per_youth": 1, "friends": False}
    data = problems.build(round_, seed=7)
    assert "friends" not in data and "friends" not in data["policy"]


def test_a_run_places_friends_together(app, round_with_friends):
    round_, park, cafe, youths = round_with_friends
    with app.test_request_context():
        run_once(round_)
        placed = {(p.youth_id, p.offer_id) for p in db.session.scalars(sa.select(Placement))}
    together = {offer for youth, offer in placed if youth in (youths[0].id, youths[1].id)}
    assert len(together) == 1 and (youths[2].id, cafe.id) in placed


def test_an_offer_below_its_fewest_participants_is_cancelled_in_the_run(app, round_with_friends):
    round_, park, cafe, youths = round_with_friends
    with app.test_request_context():
        park.capacity, park.min_participants = 3, 3
        round_.policy = {"max_places_per_youth": 1}
        data = problems.build(round_, seed=7)
        assert [o.get("min_participants") for o in data["offers"]] == [3, None]
        run_once(round_)
        placed = {(p.youth_id, p.offer_id) for p in db.session.scalars(sa.select(Placement))}
    assert all(offer == cafe.id for _youth, offer in placed) and len(placed) == 2


def test_the_fewest_participants_is_never_above_the_capacity_in_the_problem(round_with_friends):
    round_, park, _cafe, _youths = round_with_friends
    park.min_participants, park.capacity = 5, 2     # capacity lowered after the minimum was set
    assert problems.build(round_, seed=7)["offers"][0]["min_participants"] == 2


def test_the_round_form_has_the_friends_switch(app, client_as):
    admin = client_as(Role.ADMINISTRATOR)
    assert admin.post("/admin/rounds/new", data=_round_form(priority_tiers="", friends="y")).status_code == 302
    with app.app_context():
        round_ = db.session.scalar(sa.select(Round))
        assert round_.policy["friends"] is True
        page = admin.get(f"/admin/rounds/{round_.id}/edit").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="friends"[^>]*>', page)[0]
    assert "checked" in box
