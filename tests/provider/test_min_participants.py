"""Fewest participants: an activity shared out in a round may say how few it runs with."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import Offer

from .test_offers import _form

pytestmark = pytest.mark.provider


def _activity(world, **changes) -> dict:
    return _form(world, kind="activity", period="", weeks=["2027-W28"], capacity="8", **changes)


def _saved(app) -> Offer:
    with app.app_context():
        return db.session.scalar(sa.select(Offer).where(Offer.title == "Kafébiträde"))


def test_an_activity_in_a_round_keeps_its_fewest_participants(app, we, world):
    form = we.get("/provider/offers/new").get_data(as_text=True)
    assert 'name="min_participants"' in form
    assert we.post("/provider/offers/new", data=_activity(world, min_participants="4")).status_code == 302
    assert _saved(app).min_participants == 4


def test_the_fewest_participants_may_not_pass_the_places(app, we, world):
    page = we.post("/provider/offers/new", data=_activity(world, min_participants="9")).get_data(as_text=True)
    assert page.count('aria-invalid="true"') == 1 and 'id="min_participants-error"' in page
    assert _saved(app) is None


def test_a_job_or_an_open_sign_up_has_no_fewest_participants(app, we, world):
    we.post("/provider/offers/new", data=_form(world, min_participants="2"))
    assert _saved(app).min_participants is None
