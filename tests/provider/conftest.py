"""Two organisations, each with a provider user, and a round to post in."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from youth_app.extensions import db
from youth_app.models import (AllocationMode, OfferKind, Placement, PlacementState, Role, SignUp,
                              SignUpStatus)

from .. import factories
from ..conftest import log_in


@dataclass(frozen=True)
class World:
    round_id: int
    ours: int           #: our job offer
    our_activity: int   #: our open activity
    theirs: int         #: the other organisation's job offer
    our_placement: int
    their_placement: int
    our_email: str
    their_email: str
    youth_id: int


@pytest.fixture
def world(app) -> World:
    with app.app_context():
        round_ = factories.round_(periods=[{"name": "Period 1",
                                            "weeks": ["2027-W25", "2027-W26", "2027-W27"]}])
        us = factories.user(Role.PROVIDER, email="we@sailing.example")
        them = factories.user(Role.PROVIDER, email="they@shop.example")
        ours = factories.offer(us.organisation, round_, title="Seglingsassistent",
                               kind=OfferKind.JOB, weeks=["2027-W25", "2027-W26", "2027-W27"])
        activity = factories.offer(us.organisation, None, title="Segling för alla",
                                   kind=OfferKind.ACTIVITY, allocation_mode=AllocationMode.OPEN,
                                   weeks=["2027-W30"])
        theirs = factories.offer(them.organisation, round_, title="Butiksbiträde")
        youth = factories.user(Role.YOUTH, email="youth@test.example").youth_profile
        youth.date_of_birth = date(2011, 4, 1)
        youth.phone, youth.shared_notes = "0701234567", "Nötallergi"
        other = factories.youth_profile(born=date(2010, 2, 2), first_name="Omar")
        placements = [Placement(round=round_, youth=youth, offer=ours, rank=1,
                                state=PlacementState.ACCEPTED),
                      Placement(round=round_, youth=other, offer=theirs, rank=1,
                                state=PlacementState.ACCEPTED)]
        db.session.add_all(placements)
        db.session.add(SignUp(offer=activity, youth=other, status=SignUpStatus.CONFIRMED))
        db.session.commit()
        return World(round_.id, ours.id, activity.id, theirs.id, placements[0].id,
                     placements[1].id, us.email, them.email, youth.id)


@pytest.fixture
def we(app, world):
    client = app.test_client()
    assert log_in(client, world.our_email).status_code == 302
    return client
