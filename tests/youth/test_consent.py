"""A guardian's consent through the link: the job's facts, a one-time code to their own
e-mail before the answer counts, declining, questions, and a link that stops working."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from youth_app.consent import identity, services as consent
from youth_app.extensions import db
from youth_app.models import (AuditEvent, ConsentMethod, Guardian, GuardianConsent, OfferKind,
                              OutgoingMessage, Placement, PlacementState, Role, User,
                              utcnow)
from youth_app.placements import services as placements

from .. import factories

pytestmark = pytest.mark.youth


def _minor_with_offer(app, guardian: bool = True) -> tuple[int, str | None]:
    with app.app_context(), app.test_request_context():
        user = factories.user(Role.YOUTH)
        youth = user.youth_profile
        youth.date_of_birth = date(2011, 6, 1)
        if guardian:
            youth.guardians.append(Guardian(name="Mamma Test", email="mamma@example.se"))
        round_ = factories.round_()
        offer = factories.offer(round=round_, kind=OfferKind.JOB, min_age=13, max_age=19,
                                weeks=["2027-W26", "2027-W27"])
        offer.title, offer.hours_per_day, offer.hourly_pay = "Parkarbetare", 6, 95
        offer.supervisor_name, offer.supervisor_phone = "Kim Handledare", "0701-234567"
        placement = Placement(round=round_, youth=youth, offer=offer, rank=1)
        db.session.add(placement)
        db.session.flush()
        placements.make_offer(placement, 7)
        token = db.session.scalar(sa.select(GuardianConsent.token))
        db.session.commit()
        return placement.id, token


def _last(app, kind: str) -> OutgoingMessage:
    with app.app_context():
        message = db.session.scalar(sa.select(OutgoingMessage).where(
            OutgoingMessage.kind == kind).order_by(OutgoingMessage.id.desc()))
        db.session.expunge(message)
        return message


def _code(app) -> str:
    return _last(app, "consent.code").subject.split()[-1]


def _consent(app, token) -> GuardianConsent:
    with app.app_context():
        found = consent.find(token)
        db.session.expunge(found)
        return found


def test_the_page_shows_what_is_consented_to(app, client):
    _, token = _minor_with_offer(app)
    page = client.get(f"/consent/{token}").get_data(as_text=True)
    for fact in ("Parkarbetare", "Kim Handledare", "0701-234567", "95", "6"):
        assert fact in page
    assert "2027" in page and "28 juni 2027" in page     # Monday of week 26, read as a date


def test_consent_counts_only_after_the_right_code(app, client):
    _, token = _minor_with_offer(app)
    early = client.post(f"/consent/{token}", data={"name": "Mamma", "confirm": "y"})
    assert early.status_code == 200
    assert _consent(app, token).given_at is None
    client.post(f"/consent/{token}/code")
    message = _last(app, "consent.code")
    assert message.recipient == "mamma@example.se"
    code = _code(app)
    assert len(code) == 6 and code not in (_consent(app, token).code_hash or "")
    wrong = "000000" if code != "000000" else "111111"
    refused = client.post(f"/consent/{token}/verify", data={"code": wrong})
    assert refused.status_code == 422
    assert "Koden är fel." in refused.get_data(as_text=True)
    assert _consent(app, token).identity_checked_at is None
    client.post(f"/consent/{token}/verify", data={"code": code})
    client.post(f"/consent/{token}", data={"name": "Mamma Test", "confirm": "y"})
    given = _consent(app, token)
    assert given.given_at is not None and given.method is ConsentMethod.EMAIL_CODE
    assert given.identity_method == "email_code" and given.identity_checked_at is not None
    # The link has done its work: nothing about the job is shown again.
    after = client.get(f"/consent/{token}").get_data(as_text=True)
    assert "Parkarbetare" not in after
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "consent.given" in actions and "consent.identity_checked" in actions


def test_a_code_expires(app, client):
    _, token = _minor_with_offer(app)
    client.post(f"/consent/{token}/code")
    code = _code(app)
    with app.app_context():
        db.session.execute(sa.update(GuardianConsent).values(
            code_expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    client.post(f"/consent/{token}/verify", data={"code": code})
    assert _consent(app, token).identity_checked_at is None


def test_five_wrong_tries_use_the_code_up(app, client):
    _, token = _minor_with_offer(app)
    client.post(f"/consent/{token}/code")
    code = _code(app)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(identity.MAX_TRIES):
        client.post(f"/consent/{token}/verify", data={"code": wrong})
    client.post(f"/consent/{token}/verify", data={"code": code})
    assert _consent(app, token).identity_checked_at is None
    # Asking again at once is throttled; after a minute a new code works.
    client.post(f"/consent/{token}/code")
    assert _code(app) == code
    with app.app_context():
        db.session.execute(sa.update(GuardianConsent).values(
            code_sent_at=utcnow() - timedelta(minutes=2)))
        db.session.commit()
    client.post(f"/consent/{token}/code")
    client.post(f"/consent/{token}/verify", data={"code": _code(app)})
    assert _consent(app, token).identity_checked_at is not None


def test_two_tabs_with_the_same_code_count_once(app):
    _, token = _minor_with_offer(app)
    with app.app_context():
        found = consent.find(token)
        code = identity.CHECK.start(found)
        db.session.commit()
    outcomes = []
    barrier = threading.Barrier(2)

    def tab():
        with app.app_context():
            mine = consent.find(token)
            barrier.wait()
            try:
                outcomes.append(identity.CHECK.verify(mine, code))
                db.session.commit()
            except Exception:   # SQLite: the loser's write is refused and rolled back
                db.session.rollback()
                outcomes.append(None)

    threads = [threading.Thread(target=tab) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(identity.Outcome.CHECKED) == 1


def test_a_guardian_declines(app, client):
    placement_id, token = _minor_with_offer(app)
    client.post(f"/consent/{token}/code")
    client.post(f"/consent/{token}/verify", data={"code": _code(app)})
    client.post(f"/consent/{token}/decline", data={"name": "Mamma Test"})
    with app.app_context():
        assert db.session.get(Placement, placement_id).state is PlacementState.DECLINED
    assert _last(app, "placement.guardian_declined")
    assert _consent(app, token).declined_at is not None
    # The link no longer works for consent.
    client.post(f"/consent/{token}", data={"name": "Mamma Test", "confirm": "y"})
    assert _consent(app, token).given_at is None


def test_a_guardian_asks_a_question(app, client):
    _, token = _minor_with_offer(app)
    client.post(f"/consent/{token}/question", data={"question": "Finns det lunch?"})
    message = _last(app, "consent.question")
    assert message.recipient == app.config["CONTACT_EMAIL"]
    assert "Finns det lunch?" in message.body and "mamma@example.se" in message.body


def test_a_minor_without_a_guardian_is_told_what_to_do(app):
    _minor_with_offer(app, guardian=False)
    message = _last(app, "placement.offered_no_guardian")
    assert app.config["CONTACT_PHONE"] in message.body
    assert "/youth/profile" in message.body or "profil" in message.body
    assert "länk" not in message.body.lower() and "link" not in message.body.lower()


def test_my_page_tells_a_minor_without_a_guardian_what_to_do(app, client_as, users):
    client = client_as(Role.YOUTH)
    with app.app_context(), app.test_request_context():
        youth = db.session.get(User, users[Role.YOUTH].id).youth_profile
        youth.date_of_birth = date(2011, 6, 1)
        youth.guardians = []
        round_ = factories.round_()
        offer = factories.offer(round=round_, kind=OfferKind.JOB, min_age=13, max_age=19)
        placement = Placement(round=round_, youth=youth, offer=offer, rank=1)
        db.session.add(placement)
        db.session.flush()
        placements.make_offer(placement, 7)
        db.session.commit()
    page = client.get("/youth/").get_data(as_text=True)
    assert app.config["CONTACT_PHONE"] in page
    assert 'href="/youth/profile"' in page
    assert "länk" not in page.split("<main")[-1].lower()


def test_registration_keeps_a_minors_guardian(app, client):
    from ..web.test_auth import youth_form

    client.post("/register/youth", data=youth_form(
        app, guardian_name="Mamma Sara", guardian_email="mamma.sara@example.se",
        guardian_phone="070-1112233"))
    with app.app_context():
        guardian = db.session.scalar(sa.select(Guardian))
        assert guardian.email == "mamma.sara@example.se" and guardian.youth.first_name == "Sara"


def test_registration_without_a_guardian_is_fine(app, client):
    from ..web.test_auth import youth_form

    response = client.post("/register/youth", data=youth_form(app))
    assert "sara@example.se" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(Guardian)) is None
