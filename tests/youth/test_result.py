"""The result page: what the youth got, their lottery number, and why not the rest."""
from __future__ import annotations

from datetime import date

import pytest
from youth_app.allocation import services as allocation
from youth_app.extensions import db
from youth_app.models import (Application, OfferKind, PriorityGroup, PriorityMembership, Role,
                              User)

from .. import factories

pytestmark = pytest.mark.youth


def test_result_explains_without_revealing_priority(app, client_as, users):
    with app.app_context(), app.test_request_context():
        me = db.session.get(User, users[Role.YOUTH].id).youth_profile
        me.date_of_birth = date(2011, 1, 1)
        round_ = factories.round_()
        popular = factories.offer(round=round_, kind=OfferKind.JOB, title="Populärt jobb",
                                  capacity=1, min_age=13, max_age=19)
        other = factories.offer(round=round_, kind=OfferKind.ACTIVITY, title="Kajak",
                                capacity=3, min_age=13, max_age=19, weeks=["2027-W31"])
        rival = factories.youth_profile(born=date(2011, 2, 2))
        db.session.add_all([Application(round=round_, youth=me, offer=popular, rank=1),
                            Application(round=round_, youth=me, offer=other, rank=2),
                            Application(round=round_, youth=rival, offer=popular, rank=1)])
        db.session.add(PriorityMembership(group=PriorityGroup(code="targeted",
                                                              name="SECRET-GROUP"),
                                          youth=rival))
        round_.policy = {**round_.policy, "priority_tiers": ["targeted"]}
        allocation.close(round_)
        run = allocation.start_run(round_)
        db.session.commit()
        allocation.execute(run.id)
        allocation.publish(round_)
        db.session.commit()
        round_id, seed = round_.id, round_.lottery_seed
    client = client_as(Role.YOUTH)
    home = client.get("/youth/").get_data(as_text=True)
    assert f"/youth/rounds/{round_id}/result" in home
    page = client.get(f"/youth/rounds/{round_id}/result").get_data(as_text=True)
    assert "Kajak" in page and "Populärt jobb" in page
    assert str(seed) in page  # revealed after publishing
    assert "SECRET-GROUP" not in page and "targeted" not in page


def test_no_result_page_before_publishing(app, client_as):
    with app.app_context():
        round_ = factories.round_()
        db.session.commit()
        round_id = round_.id
    assert client_as(Role.YOUTH).get(f"/youth/rounds/{round_id}/result").status_code == 404


def test_a_cancelled_activity_is_explained(app, client_as, users):
    with app.app_context(), app.test_request_context():
        me = db.session.get(User, users[Role.YOUTH].id).youth_profile
        me.date_of_birth = date(2011, 1, 1)
        round_ = factories.round_()
        small = factories.offer(round=round_, kind=OfferKind.ACTIVITY, title="Kajak",
                                capacity=6, min_participants=3, weeks=["2027-W31"])
        db.session.add(Application(round=round_, youth=me, offer=small, rank=1))
        allocation.close(round_)
        run = allocation.start_run(round_)
        db.session.commit()
        allocation.execute(run.id)
        allocation.publish(round_)
        db.session.commit()
        round_id = round_.id
    client = client_as(Role.YOUTH)
    client.post("/language", data={"language": "en", "next": "/"})
    page = client.get(f"/youth/rounds/{round_id}/result").get_data(as_text=True)
    assert "It did not take place: too few young people could be given a place on it." in page


@pytest.mark.parametrize("kept_apart", [False, True])
def test_the_result_says_whether_friends_share_an_offer_and_never_why_not(app, client_as, users, kept_apart):
    from youth_app.models import ApartGroup, ApartMember, FriendMember

    with app.app_context(), app.test_request_context():
        me = db.session.get(User, users[Role.YOUTH].id).youth_profile
        me.date_of_birth = date(2011, 1, 1)
        bo = factories.youth_profile(born=date(2011, 2, 2), first_name="Bo")
        round_ = factories.round_(policy={"friends": True, "max_places_per_youth": 1})
        kajak = factories.offer(round=round_, kind=OfferKind.ACTIVITY, title="Kajak", capacity=2,
                                weeks=["2027-W31"])
        segling = factories.offer(round=round_, kind=OfferKind.ACTIVITY, title="Segling", capacity=2,
                                  weeks=["2027-W32"])
        db.session.add_all([Application(round=round_, youth=me, offer=kajak, rank=1),
                            Application(round=round_, youth=me, offer=segling, rank=2),
                            Application(round=round_, youth=bo, offer=segling, rank=1),
                            Application(round=round_, youth=bo, offer=kajak, rank=2)])
        db.session.flush()
        db.session.add_all([FriendMember(round_id=round_.id, youth_id=me.id, code="AAAAABBBBB"),
                            FriendMember(round_id=round_.id, youth_id=bo.id, code="AAAAABBBBB")])
        if kept_apart:
            db.session.add(ApartGroup(round_id=round_.id, members=[ApartMember(youth_id=me.id),
                                                                   ApartMember(youth_id=bo.id)]))
        allocation.close(round_)
        run = allocation.start_run(round_)
        db.session.commit()
        allocation.execute(run.id)
        allocation.publish(round_)
        db.session.commit()
        round_id = round_.id
    client = client_as(Role.YOUTH)
    client.post("/language", data={"language": "en", "next": "/"})
    page = client.get(f"/youth/rounds/{round_id}/result").get_data(as_text=True)
    if kept_apart:
        assert "Bo and you did not get a place on the same offer." in page
        assert "apart" not in page.lower() and "social services work with" in page  # the general rule only
    else:
        assert "Bo got a place on the same offer as you." in page
    assert "Friends are placed together only where the rules for everyone allow it." in page
