"""My data: see it, download it, correct it, remove it."""
from __future__ import annotations

import json
import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import (Application, Placement, PlacementState, PriorityGroup,
                              PriorityMembership, Role, User, YouthProfile)

from .. import factories
from ..conftest import log_in

pytestmark = pytest.mark.youth


def _youth_id(app, users) -> int:
    with app.app_context():
        return db.session.get(User, users[Role.YOUTH].id).youth_profile.id


def _flag(app, youth_id: int) -> None:
    with app.app_context():
        group = PriorityGroup(code="targeted", name="CONFIDENTIAL-GROUP")
        db.session.add(PriorityMembership(group=group, youth_id=youth_id,
                                          reason="CONFIDENTIAL-REASON"))
        db.session.commit()


def test_download_holds_my_data_but_never_priority_flags(app, client_as, users):
    _flag(app, _youth_id(app, users))
    client = client_as(Role.YOUTH)
    response = client.get("/youth/my-data.json")
    data = json.loads(response.data)
    assert "attachment" in response.headers["Content-Disposition"]
    assert data["account"]["email"] == users[Role.YOUTH].email
    assert data["profile"]["first_name"] == "Alva"
    for page in (response.get_data(as_text=True),
                 client.get("/youth/my-data").get_data(as_text=True),
                 client.get("/youth/").get_data(as_text=True)):
        assert "CONFIDENTIAL" not in page and "targeted" not in page


def test_profile_correction_keeps_input_on_error(app, client_as, users):
    client = client_as(Role.YOUTH)
    with app.app_context():
        district = factories.district("Skaftö")
        db.session.commit()
        district_id = district.id
    bad = client.post("/youth/profile", data={"private_email": "not-an-address",
                                              "district": district_id, "phone": "0701"})
    assert 'value="0701"' in bad.get_data(as_text=True)
    saved = client.post("/youth/profile", data={
        "private_email": "alva@example.se", "district": district_id, "phone": "0701",
        "school_year": "9", "languages": ["sv", "ar"],
        "guardians-0-name": "Mamma", "guardians-0-email": "mamma@example.se"})
    assert saved.status_code == 302
    with app.app_context():
        youth = db.session.get(YouthProfile, _youth_id(app, users))
        assert (youth.private_email, youth.school_year, youth.languages) == \
            ("alva@example.se", 9, ["sv", "ar"])
        assert [g.email for g in youth.guardians] == ["mamma@example.se"]


def test_removal_without_accepted_places_deletes_everything(app, client_as, users):
    youth_id = _youth_id(app, users)
    _flag(app, youth_id)
    client = client_as(Role.YOUTH)
    client.post("/youth/remove", data={"confirm": "y"})
    with app.app_context():
        assert db.session.get(YouthProfile, youth_id) is None
        assert db.session.scalar(sa.select(sa.func.count(PriorityMembership.id))) == 0
    assert log_in(app.test_client(), users[Role.YOUTH].email).status_code == 200


def test_removal_keeps_an_accepted_place_and_says_so(app, client_as, users):
    youth_id = _youth_id(app, users)
    with app.app_context():
        round_ = factories.round_()
        kept = factories.offer(round=round_, title="Kept job")
        other = factories.offer(round=round_, title="Chosen only")
        db.session.add_all([
            Placement(round=round_, youth_id=youth_id, offer=kept, rank=1,
                      state=PlacementState.ACCEPTED),
            Application(round=round_, youth_id=youth_id, offer=other, rank=1)])
        db.session.commit()
    page = client_as(Role.YOUTH).post("/youth/remove", data={"confirm": "y"},
                                      follow_redirects=True).get_data(as_text=True)
    assert 'role="status"' in page
    with app.app_context():
        youth = db.session.get(YouthProfile, youth_id)
        assert youth.user_id is None and youth.private_email == ""
        assert [p.offer.title for p in db.session.scalars(sa.select(Placement))] == ["Kept job"]
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0
