"""After allocation: answering offers, deadlines, reminders, guardians' consent."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from youth_app.consent import services as consent
from youth_app.extensions import db
from youth_app.models import (ConsentState, Guardian, OfferKind, OutgoingMessage, Placement,
                              PlacementState, Role, User, utcnow)
from youth_app.placements import services as placements
from youth_app.placements.services import PlacementError

from .. import factories

pytestmark = pytest.mark.youth


def _offer_place(youth, kind=OfferKind.ACTIVITY, reply_days=7, now=None):
    round_ = factories.round_()
    offer = factories.offer(round=round_, kind=kind, min_age=13, max_age=19)
    placement = Placement(round=round_, youth=youth, offer=offer, rank=1)
    db.session.add(placement)
    db.session.flush()
    placements.make_offer(placement, reply_days, now=now)
    db.session.flush()
    return placement


def _kinds() -> list[str]:
    return db.session.scalars(sa.select(OutgoingMessage.kind).order_by(OutgoingMessage.id)).all()


@pytest.fixture
def youth(app_context, app):
    with app.test_request_context():
        user = factories.user(Role.YOUTH)
        user.youth_profile.date_of_birth = date(2011, 6, 1)
        db.session.flush()
        yield user.youth_profile


def test_an_offer_is_told_accepted_and_confirmed(youth):
    placement = _offer_place(youth)
    assert placement.state is PlacementState.OFFERED
    placements.answer(youth, placement.id, accept=True)
    assert placement.state is PlacementState.ACCEPTED
    assert _kinds() == ["placement.offered", "placement.confirmed"]


def test_a_declined_place_cannot_be_answered_again(youth):
    placement = _offer_place(youth)
    placements.answer(youth, placement.id, accept=False)
    with pytest.raises(PlacementError) as caught:
        placements.answer(youth, placement.id, accept=True)
    assert caught.value.code == "already_answered"


def test_another_youths_offer_is_not_found(youth):
    placement = _offer_place(youth)
    other = factories.youth_profile(born=date(2011, 2, 2))
    with pytest.raises(PlacementError) as caught:
        placements.answer(other, placement.id, accept=True)
    assert caught.value.code == "placement_not_found"


def test_reminder_two_days_before_then_expiry(youth):
    start = utcnow()
    placement = _offer_place(youth, reply_days=5, now=start)
    end = placement.reply_by  # the local midnight after the fifth day
    assert placements.send_reminders(now=end - timedelta(days=2, hours=1)) == []
    assert placements.send_reminders(now=end - timedelta(days=1, hours=23)) == [placement]
    assert placements.send_reminders(now=end - timedelta(days=1)) == []  # once only
    assert placements.expire_unanswered(now=end - timedelta(minutes=1)) == []
    assert placements.expire_unanswered(now=end + timedelta(minutes=1)) == [placement]
    assert placement.state is PlacementState.EXPIRED
    with pytest.raises(PlacementError) as caught:
        placements.answer(youth, placement.id, accept=True, now=end + timedelta(days=1))
    assert caught.value.code == "already_answered"
    assert _kinds() == ["placement.offered", "placement.reminder", "placement.expired"]


def test_a_minor_needs_a_guardians_consent_for_a_job(youth):
    youth.guardians.append(Guardian(name="Mamma Test", email="mamma@example.se"))
    db.session.flush()
    placement = _offer_place(youth, kind=OfferKind.JOB)
    assert consent.state(placement) is ConsentState.REQUESTED
    with pytest.raises(PlacementError) as caught:
        placements.answer(youth, placement.id, accept=True)
    assert caught.value.code == "consent_needed"
    request = db.session.scalar(sa.select(OutgoingMessage).where(
        OutgoingMessage.kind == "consent.request"))
    assert request.recipient == "mamma@example.se"
    token = request.body.split("/consent/")[1].split()[0]
    found = consent.find(token)
    assert not consent.give(found, "Mamma Test")      # not before the identity check
    assert consent.send_code(found)
    code = db.session.scalar(sa.select(OutgoingMessage.subject).where(
        OutgoingMessage.kind == "consent.code")).split()[-1]
    consent.verify_code(found, code)
    assert consent.give(found, "Mamma Test")
    placements.answer(youth, placement.id, accept=True)
    assert placement.state is PlacementState.ACCEPTED


def test_paper_consent_recorded_by_an_administrator(youth):
    admin = factories.user(Role.ADMINISTRATOR)
    placement = _offer_place(youth, kind=OfferKind.JOB)
    assert consent.state(placement) is ConsentState.MISSING
    consent.record_paper(placement, "Pappa Test", admin)
    placements.answer(youth, placement.id, accept=True)
    assert placement.state is PlacementState.ACCEPTED


def test_youth_answers_on_my_page(app, client_as, users):
    with app.app_context(), app.test_request_context():
        youth = db.session.get(User, users[Role.YOUTH].id).youth_profile
        placement_id = _offer_place(youth).id
        db.session.commit()
    client = client_as(Role.YOUTH)
    page = client.get("/youth/").get_data(as_text=True)
    assert f"/youth/placements/{placement_id}/accept" in page
    client.post(f"/youth/placements/{placement_id}/accept")
    with app.app_context():
        assert db.session.get(Placement, placement_id).state is PlacementState.ACCEPTED


def test_cli_sends_reminders_and_expires(app, runner):
    with app.app_context(), app.test_request_context():
        user = factories.user(Role.YOUTH)
        placement = _offer_place(user.youth_profile, reply_days=1)
        db.session.commit()
        placement_id = placement.id
    assert "Reminders sent: 1" in runner.invoke(args=["placements", "remind"]).output
    with app.app_context():
        db.session.get(Placement, placement_id).reply_by = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert "Offers expired: 1" in runner.invoke(args=["placements", "expire"]).output
    with app.app_context():
        assert db.session.get(Placement, placement_id).state is PlacementState.EXPIRED
