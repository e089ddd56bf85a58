"""One moment, one day: My page, my data, its download and the e-mail say the same
time, on the municipality's clock, in the reader's language (issue 11)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from youth_app import facts
from youth_app.extensions import db
from youth_app.models import OutgoingMessage, Placement, Role, User
from youth_app.placements import services as placements

from .. import factories

pytestmark = pytest.mark.youth

#: 21:30 UTC on 9 April 2027 is 23:30 in Stockholm (summer time): still 9 April there.
OFFERED = datetime(2027, 4, 9, 21, 30, tzinfo=timezone.utc)


def _offer(app, users) -> None:
    with app.app_context():
        youth = db.session.get(User, users[Role.YOUTH].id).youth_profile
        round_ = factories.round_()
        offer = factories.offer(round=round_, min_age=13, max_age=19)
        placement = Placement(round=round_, youth=youth, offer=offer, rank=1)
        db.session.add(placement)
        db.session.flush()
        placements.make_offer(placement, 7, now=OFFERED)
        db.session.commit()


def test_a_deadline_is_the_end_of_its_last_local_day():
    deadline = facts.deadline_after(7, datetime(2027, 4, 9).date())
    assert deadline == datetime(2027, 4, 16, 22, 0, tzinfo=timezone.utc)  # 00:00 on the 17th
    assert facts.last_day(deadline) == (datetime(2027, 4, 16).date(), None)


def test_offer_counts_days_from_the_municipalitys_today(app, users):
    _offer(app, users)
    with app.app_context():
        placement = db.session.scalar(sa.select(Placement))
        # Offered late on 9 April local time (already 9 April in UTC too, but at 23:30
        # a UTC clock would be fine and a server in UTC+3 would say the 10th).
        assert facts.last_day(placement.reply_by)[0].isoformat() == "2027-04-16"


@pytest.mark.parametrize("language, day, moment", [
    ("sv", "16 april 2027", "9 april 2027 kl. 23:30"),
    ("en", "April 16, 2027", "April 9, 2027, 11:30\u202fPM"),
    ("ar", "16 أبريل 2027", "9 أبريل 2027"),
])
def test_the_same_day_and_time_everywhere(app, users, client_as, language, day, moment):
    with app.app_context():
        db.session.get(User, users[Role.YOUTH].id).preferred_language = language
        db.session.commit()
    _offer(app, users)
    client = client_as(Role.YOUTH)
    home = client.get("/youth/").get_data(as_text=True)
    mine = client.get("/youth/my-data").get_data(as_text=True)
    with app.app_context():
        mail = db.session.scalar(sa.select(OutgoingMessage).where(
            OutgoingMessage.kind.like("placement.offered%")))  # with or without a guardian
    for text in (home, mine, mail.body):
        assert day in text, text
        assert "4/16/27" not in text and "12:00 AM" not in text
    assert moment in mine
    assert "2027-04-09 21:30" not in mine
    download = json.loads(client.get("/youth/my-data.json").data)
    place = download["placements"][0]
    assert place["offered_at"] == "2027-04-09T23:30:00+02:00"
    assert place["reply_by"] == "2027-04-17T00:00:00+02:00"
