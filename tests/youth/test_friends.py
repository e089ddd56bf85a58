"""Friend codes on My choices: make one, enter a friend's, leave; what each youth sees."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import FriendMember, Role, Round, utcnow
from youth_app.youth import friends

from .. import factories
from ..conftest import log_in

pytestmark = pytest.mark.youth

CODE = re.compile(r'<strong class="friend-code" dir="ltr" translate="no">([0-9A-Z]{5}-[0-9A-Z]{5})</strong>')


@pytest.fixture
def friendly_round(app):
    with app.app_context():
        round_ = factories.round_(policy={"friends": True})
        db.session.commit()
        return round_.id


def youth_client(app, first_name: str):
    """A logged-in youth of their own (the ``users`` fixture has one per role), in English."""
    with app.app_context():
        user = factories.user(Role.YOUTH)
        user.youth_profile.first_name = first_name
        db.session.commit()
        email = user.email
    client = app.test_client()
    assert log_in(client, email).status_code == 302
    client.post("/language", data={"language": "en", "next": "/"})
    return client


def page(client, round_id: int) -> str:
    return html.unescape(client.get(f"/youth/rounds/{round_id}/choices").get_data(as_text=True))


def make_code(client, round_id: int) -> str:
    shown = client.post(f"/youth/rounds/{round_id}/friends/new", follow_redirects=True).get_data(as_text=True)
    assert "Your friend code is ready." in shown
    return CODE.search(shown)[1]


def join(client, round_id: int, code: str) -> str:
    return html.unescape(client.post(f"/youth/rounds/{round_id}/friends/join", data={"code": code},
                                     follow_redirects=True).get_data(as_text=True))


def test_a_youth_makes_a_code_and_two_friends_enter_it(app, friendly_round):
    rid = friendly_round
    alva, bo, cleo, dan = (youth_client(app, n) for n in ("Alva", "Bo", "Cleo", "Dan"))
    assert "Make a friend code" in page(alva, rid)
    code = make_code(alva, rid)
    assert "Nobody has entered your code yet." in page(alva, rid)
    assert "You are in your friend's group." in join(bo, rid, code.lower())   # typed as it comes
    assert "In your group: Alva." in page(bo, rid)
    assert "In your group: Bo." in page(alva, rid)
    join(cleo, rid, code.replace("-", " "))
    assert "In your group: Bo, Cleo." in page(alva, rid)
    assert "Your group is full: three friends at most." in page(alva, rid)
    refused = join(dan, rid, code)
    assert "That friend group is full: a group has at most three friends." in refused
    assert "Alva" not in refused and "Bo," not in refused, "no names for someone outside the group"


def test_a_wrong_code_is_refused_without_telling_anything(app, friendly_round):
    rid = friendly_round
    alva, bo = youth_client(app, "Alva"), youth_client(app, "Bo")
    code = make_code(alva, rid)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    refused = join(bo, rid, wrong)
    assert "No friend group in this round has that code." in refused and "Alva" not in refused
    assert join(bo, rid, "").count('aria-invalid="true"') == 1


def test_leaving_a_group_and_the_codes_are_random(app, friendly_round):
    rid = friendly_round
    alva, bo = youth_client(app, "Alva"), youth_client(app, "Bo")
    first = make_code(alva, rid)
    join(bo, rid, first)
    assert "You have left the friend group." in bo.post(
        f"/youth/rounds/{rid}/friends/leave", follow_redirects=True).get_data(as_text=True)
    assert "Nobody has entered your code yet." in page(alva, rid)
    alva.post(f"/youth/rounds/{rid}/friends/leave")
    assert make_code(alva, rid) != first
    make_code(bo, rid)     # out of the group, Bo may make their own
    with app.app_context():
        codes = db.session.scalars(sa.select(FriendMember.code)).all()
    assert len(set(codes)) == 2 and all(len(c) == 10 and set(c) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
                                        for c in codes)


def test_one_group_per_youth_and_round(app, friendly_round):
    rid = friendly_round
    alva, bo = youth_client(app, "Alva"), youth_client(app, "Bo")
    code = make_code(alva, rid)
    make_code(bo, rid)
    assert "You are already in a friend group in this round." in join(bo, rid, code)


def test_no_friend_codes_where_the_round_does_not_use_them(app):
    with app.app_context():
        round_ = factories.round_()
        db.session.commit()
        rid = round_.id
    alva = youth_client(app, "Alva")
    assert "Apply with friends" not in page(alva, rid)
    refused = alva.post(f"/youth/rounds/{rid}/friends/new", follow_redirects=True).get_data(as_text=True)
    assert "This round does not place friends together." in refused


def test_after_the_deadline_the_group_is_shown_but_cannot_change(app, friendly_round):
    rid = friendly_round
    alva, bo = youth_client(app, "Alva"), youth_client(app, "Bo")
    join(bo, rid, make_code(alva, rid))
    with app.app_context():
        db.session.get(Round, rid).application_closes_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    shown = page(alva, rid)
    assert "In your group: Bo." in shown and "Leave the friend group" not in shown
    refused = alva.post(f"/youth/rounds/{rid}/friends/leave", follow_redirects=True).get_data(as_text=True)
    assert "The application period is closed" in refused
    assert "In your group: Bo." in page(alva, rid)


def test_a_typed_code_is_read_as_it_is_stored():
    assert friends.normalise(" abcde-fghjk ") == "ABCDEFGHJK"
    assert friends.normalise("O1IL0") == "01110"


def test_my_data_lists_my_friend_code_and_removal_ends_my_membership(app, friendly_round):
    rid = friendly_round
    alva, bo = youth_client(app, "Alva"), youth_client(app, "Bo")
    code = make_code(alva, rid)
    join(bo, rid, code)
    mine = html.unescape(alva.get("/youth/my-data").get_data(as_text=True))
    assert "Friend codes" in mine and code.replace("-", "") in mine and "Bo" not in mine
    alva.post("/youth/remove", data={"confirm": "y"})
    assert "Nobody has entered your code yet." in page(bo, rid)
