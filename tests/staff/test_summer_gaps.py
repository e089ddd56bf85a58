"""Social services see where their young people have nothing in a summer: weeks ×
districts, counts only, small counts hidden, every look in the audit log (issue 13)."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from youth_app.caseworker import services
from youth_app.extensions import db
from youth_app.models import (AuditEvent, OfferKind, Placement, PlacementState,
                              PriorityGroup, PriorityMembership, Role, SignUp,
                              SignUpStatus, YouthProfile)

from .. import factories

pytestmark = pytest.mark.staff


@pytest.fixture
def summer(app):
    """Twelve young people in social services' group: seven in Skaftö, five in Brastad.
    Two in Skaftö have a job in weeks 26-27, one in Brastad a sign-up in week 26; one
    more in Skaftö has a place offered in a group that expired last year."""
    with app.app_context():
        round_ = factories.round_()
        targeted = PriorityGroup(code="targeted", name="Målgrupp")
        old = PriorityGroup(code="old", name="Gammal")
        skafto, brastad = factories.district("Skaftö"), factories.district("Brastad")
        job = factories.offer(round=round_, kind=OfferKind.JOB, weeks=["2027-W26", "2027-W27"])
        camp = factories.offer(round=None, kind=OfferKind.ACTIVITY, weeks=["2027-W26"])
        youths = []
        for index in range(13):
            youth = factories.user(Role.YOUTH).youth_profile
            youth.district = skafto if index < 7 or index == 12 else brastad
            youths.append(youth)
            db.session.add(PriorityMembership(group=old if index == 12 else targeted,
                                              youth=youth,
                                              expires_on=date(2026, 1, 1) if index == 12 else None))
        for youth in youths[:2]:
            db.session.add(Placement(round=round_, youth=youth, offer=job,
                                     state=PlacementState.ACCEPTED))
        db.session.add(SignUp(offer=camp, youth=youths[7], status=SignUpStatus.CONFIRMED))
        db.session.add(Placement(round=round_, youth=youths[12], offer=job,
                                 state=PlacementState.OFFERED))
        db.session.commit()


def test_the_weeks_and_districts_where_they_have_nothing(app, summer):
    with app.app_context():
        gaps = services.summer_gaps(2027)
    assert gaps.youths == 12, "the expired membership is not counted"
    week = {w: i for i, w in enumerate(gaps.weeks)}
    rows = dict(gaps.rows)
    assert (rows["Skaftö"][week["2027-W25"]], rows["Brastad"][week["2027-W25"]]) == (7, 5)
    assert (rows["Skaftö"][week["2027-W27"]], rows["Brastad"][week["2027-W27"]]) == (5, 5)
    # Week 26: Brastad's 4 is hidden, and so is Skaftö's 5, or it could be worked out
    # from the total of 9
    assert (rows["Skaftö"][week["2027-W26"]], rows["Brastad"][week["2027-W26"]]) == (None, None)
    assert gaps.totals[week["2027-W25"]] == 12 and gaps.totals[week["2027-W26"]] == 9


def test_the_page_shows_counts_only_and_is_logged(app, summer, client_as):
    caseworker = client_as(Role.CASEWORKER)
    home = caseworker.get("/caseworker/").get_data(as_text=True)
    assert 'href="/caseworker/summer"' in home
    page = caseworker.get("/caseworker/summer?year=2027").get_data(as_text=True)
    assert "Där våra ungdomar inte har något, sommaren 2027" in page
    assert "färre än 5" in page and "<svg" in page and "<table" in page
    with app.app_context():
        names = db.session.scalars(sa.select(YouthProfile.last_name)).all()
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "priority.read")).all()
    assert any(e.details.get("what") == "summer" and e.details.get("year") == 2027
               for e in events)
    assert names and not [name for name in names if name in page], "counts, never names"
    assert client_as(Role.ADMINISTRATOR).get("/caseworker/summer").status_code == 403
    assert caseworker.get("/caseworker/summer?year=abc").status_code == 200
