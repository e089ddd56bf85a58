"""Two people, one state change: the database settles it (issue 9, item 3).

Every test presses at the same instant from several sessions (threads, each its own
test client and login) through the real views, on SQLite and on PostgreSQL, and
counts what is left: rows, audit lines and e-mails (an outbox row exists only if its
transaction committed). ``tests/served`` does the same through gunicorn.
"""
from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from youth_app.allocation import services as allocation
from youth_app.extensions import db
from youth_app.models import (AllocationRun, Application, AuditEvent,
                              OfferKind, OutgoingMessage, Placement, PlacementState, Role,
                              Round, RoundState, RunStatus, User, YouthProfile)

from .. import factories
from ..conftest import log_in

pytestmark = pytest.mark.hardening


def at_once(calls) -> list:
    """Run the callables at the same instant; their results (or exceptions), in order."""
    start, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        start.wait()
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported to the test as a result
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _logged_in(app, email: str, totp_secret: str | None = None):
    client = app.test_client()
    response = log_in(client, email, totp_secret=totp_secret)
    assert response.status_code == 302 and not response.headers["Location"].startswith(
        "/login"), response.headers.get("Location")
    return client


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _statuses(responses) -> list[int]:
    return [r.status_code if hasattr(r, "status_code") else repr(r) for r in responses]


@pytest.fixture
def offered(app):
    """A youth of 18 (no consent needed) with an offer to answer, in a published round."""
    with app.app_context():
        round_ = factories.round_(state=RoundState.PUBLISHED)
        offer = factories.offer(round=round_, kind=OfferKind.JOB, capacity=5)
        user = factories.user(Role.YOUTH, email="svar@test.example")
        user.youth_profile.date_of_birth = date(2006, 1, 1)
        placement = Placement(round=round_, youth=user.youth_profile, offer=offer,
                              state=PlacementState.OFFERED, offered_at=factories.utcnow(),
                              reply_by=factories.aware(2099, 1, 1))
        db.session.add(placement)
        db.session.commit()
        return placement.id, user.email


def test_accept_and_decline_at_the_same_moment_count_once(app, offered):
    placement_id, email = offered
    tabs = [_logged_in(app, email) for _ in range(6)]
    answers = ["accept", "decline"] * 3
    responses = at_once([lambda c=c, a=a: c.post(f"/youth/placements/{placement_id}/{a}")
                         for c, a in zip(tabs, answers)])
    assert _statuses(responses) == [302] * 6
    with app.app_context():
        final = db.session.get(Placement, placement_id).state
        answered = db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.action.in_(["placement.accepted", "placement.declined"]))).all()
        confirmed = _count(OutgoingMessage, OutgoingMessage.kind == "placement.confirmed")
    assert len(answered) == 1
    assert answered[0] == f"placement.{final.value}"
    assert confirmed == (1 if final is PlacementState.ACCEPTED else 0)


def test_a_double_accept_sends_one_mail(app, offered):
    placement_id, email = offered
    tabs = [_logged_in(app, email) for _ in range(5)]
    responses = at_once([lambda c=c: c.post(f"/youth/placements/{placement_id}/accept")
                         for c in tabs])
    assert _statuses(responses) == [302] * 5
    with app.app_context():
        assert db.session.get(Placement, placement_id).state is PlacementState.ACCEPTED
        assert _count(OutgoingMessage, OutgoingMessage.kind == "placement.confirmed") == 1
        assert _count(AuditEvent, AuditEvent.action == "placement.accepted") == 1


def _admins(app, count: int) -> list:
    with app.app_context():
        made = [factories.user(Role.ADMINISTRATOR) for _ in range(count)]
        db.session.commit()
        logins = [(u.email, u.totp_secret) for u in made]
    return [_logged_in(app, email, secret) for email, secret in logins]


@pytest.fixture
def last_place(app):
    """A published round whose offer has 5 places, 4 of them taken, and 6 youths."""
    with app.app_context():
        round_ = factories.round_(state=RoundState.PUBLISHED)
        offer = factories.offer(round=round_, kind=OfferKind.ACTIVITY, capacity=5,
                                weeks=["2027-W30"], min_age=13, max_age=19)
        for _ in range(4):
            db.session.add(Placement(round=round_, youth=factories.youth_profile(),
                                     offer=offer, state=PlacementState.ACCEPTED))
        youths = [factories.user(Role.YOUTH).youth_profile for _ in range(6)]
        db.session.commit()
        return round_.id, offer.id, [y.id for y in youths]


def test_two_offers_by_hand_of_the_last_place_give_one(app, last_place):
    round_id, offer_id, youth_ids = last_place
    admins = _admins(app, 6)
    responses = at_once([
        lambda c=c, y=y: c.post(f"/admin/rounds/{round_id}/offer-by-hand",
                                data={"youth": f"Y{y}", "offer": f"O{offer_id}"})
        for c, y in zip(admins, youth_ids)])
    assert _statuses(responses) == [302] * 6
    with app.app_context():
        live = _count(Placement, Placement.offer_id == offer_id,
                      Placement.state.in_([PlacementState.OFFERED, PlacementState.ACCEPTED]))
        offered_mails = _count(OutgoingMessage, OutgoingMessage.kind == "placement.offered")
    assert live == 5 and offered_mails == 1


def test_a_double_click_on_offer_by_hand_gives_one_offer(app, last_place):
    round_id, offer_id, youth_ids = last_place
    admins = _admins(app, 5)
    responses = at_once([
        lambda c=c: c.post(f"/admin/rounds/{round_id}/offer-by-hand",
                           data={"youth": f"Y{youth_ids[0]}", "offer": f"O{offer_id}"})
        for c in admins])
    assert _statuses(responses) == [302] * 5
    with app.app_context():
        assert _count(Placement, Placement.youth_id == youth_ids[0]) == 1


@pytest.fixture
def allocated(app):
    """A round with a finished run of three proposals, ready to publish."""
    from ..staff.test_allocation import run_once

    with app.app_context(), app.test_request_context():
        round_ = factories.round_(state=RoundState.OPEN)
        offer = factories.offer(round=round_, kind=OfferKind.ACTIVITY, capacity=3,
                                weeks=["2027-W30"], min_age=13, max_age=19)
        for _ in range(4):
            youth = factories.user(Role.YOUTH).youth_profile
            youth.date_of_birth = date(2011, 1, 1)
            db.session.add(Application(round=round_, youth=youth, offer=offer, rank=1))
        db.session.flush()
        run_once(round_)
        return round_.id


def test_a_double_publish_sends_the_offers_once(app, allocated, monkeypatch):
    monkeypatch.setitem(app.config, "ALLOCATION_INLINE", True)  # the job, in the winner
    admins = _admins(app, 5)
    responses = at_once([lambda c=c: c.post(f"/admin/rounds/{allocated}/publish")
                         for c in admins])
    assert _statuses(responses) == [302] * 5
    with app.app_context():
        assert db.session.get(Round, allocated).state is RoundState.PUBLISHED
        assert _count(Placement, Placement.state == PlacementState.OFFERED) == 3
        assert _count(OutgoingMessage, OutgoingMessage.kind == "placement.offered") == 3
        assert _count(OutgoingMessage, OutgoingMessage.kind == "placement.none") == 1
        assert _count(AuditEvent, AuditEvent.action == "round.published") == 1


def test_a_double_start_gives_one_active_run(app, allocated):
    app.config["ALLOCATION_INLINE"] = False
    app.config["MAIL_DELIVERY"] = "inline"
    started = []
    original = allocation.start_in_background
    try:
        allocation.start_in_background = lambda _app, run_id: started.append(run_id)
        admins = _admins(app, 5)
        responses = at_once([lambda c=c: c.post(f"/admin/rounds/{allocated}/runs")
                             for c in admins])
    finally:
        allocation.start_in_background = original
        app.config.pop("ALLOCATION_INLINE")
    assert _statuses(responses) == [302] * 5
    with app.app_context():
        active = _count(AllocationRun, AllocationRun.status.in_(
            [RunStatus.QUEUED, RunStatus.RUNNING]))
    assert active == 1 and len(started) == 1


def test_two_tabs_saving_choices_keep_one_whole_list(app):
    with app.app_context():
        round_ = factories.round_()
        offers = [factories.offer(round=round_, kind=OfferKind.ACTIVITY, title=f"A{i}",
                                  weeks=[f"2027-W{26 + i}"], min_age=13, max_age=19)
                  for i in range(4)]
        user = factories.user(Role.YOUTH)
        user.youth_profile.date_of_birth = date(2011, 1, 1)
        db.session.flush()
        for rank, offer in enumerate(offers, start=1):
            db.session.add(Application(round=round_, youth=user.youth_profile, offer=offer,
                                       rank=rank))
        db.session.commit()
        round_id, ids, email = round_.id, [o.id for o in offers], user.email
    orders = [ids[i:] + ids[:i] for i in range(4)] * 2
    tabs = [_logged_in(app, email) for _ in orders]
    responses = at_once([
        lambda c=c, o=o: c.post(f"/youth/rounds/{round_id}/choices/order",
                                data={"order": ",".join(map(str, o))})
        for c, o in zip(tabs, orders)])
    assert _statuses(responses) == [302] * len(orders)
    with app.app_context():
        saved = db.session.execute(sa.select(Application.offer_id, Application.rank)
                                   .order_by(Application.rank)).all()
    assert [rank for _offer, rank in saved] == [1, 2, 3, 4]
    assert [offer for offer, _rank in saved] in orders


def _registration(number: str, email: str, district_id: int) -> dict:
    return {"first_name": "Alva", "last_name": "Andersson", "personal_number": number,
            "email": email, "phone": "", "district": district_id, "password": "ett långt lösenord",
            "confirm": "ett långt lösenord", "school_year": "8", "accept_privacy": "y"}


def test_ten_registrations_with_one_address_make_one_account(app):
    with app.app_context():
        district = factories.district()
        db.session.commit()
        district_id = district.id
        numbers = [factories.personal_number(date(2011, 2, 1 + i)) for i in range(10)]
    clients = [app.test_client() for _ in numbers]
    responses = at_once([
        lambda c=c, n=n: c.post("/register/youth", data=_registration(
            n, "samma@test.example", district_id), headers={"Accept-Language": "en"})
        for c, n in zip(clients, numbers)])
    assert _statuses(responses) == [200] * 10
    pages = [r.get_data(as_text=True) for r in responses]
    assert sum("An account with this e-mail address exists" in p for p in pages) == 9
    with app.app_context():
        assert _count(User, User.email == "samma@test.example") == 1


def test_ten_registrations_with_one_number_make_one_account(app):
    with app.app_context():
        district = factories.district()
        db.session.commit()
        district_id = district.id
        number = factories.personal_number(date(2011, 2, 1))
    clients = [app.test_client() for _ in range(10)]
    responses = at_once([
        lambda c=c, i=i: c.post("/register/youth", data=_registration(
            number, f"olika{i}@test.example", district_id), headers={"Accept-Language": "en"})
        for i, c in enumerate(clients)])
    assert _statuses(responses) == [200] * 10
    pages = [r.get_data(as_text=True) for r in responses]
    assert sum("An account with this number exists" in p for p in pages) == 9
    with app.app_context():
        assert _count(YouthProfile) == 1


def test_a_guardian_pressing_twice_consents_once(app, offered):
    from youth_app.models import GuardianConsent, utcnow

    placement_id, _email = offered
    with app.app_context():  # the guardian has confirmed who they are by the code
        consent = GuardianConsent(placement_id=placement_id, identity_method="email_code",
                                  identity_checked_at=utcnow())
        db.session.add(consent)
        db.session.commit()
        token = consent.token
    clients = [app.test_client() for _ in range(5)]
    responses = at_once([lambda c=c, i=i: c.post(f"/consent/{token}",
                                                 data={"name": f"Förälder {i}", "confirm": "y"})
                         for i, c in enumerate(clients)])
    # Every press is answered (the thank-you page, or that the link has been answered);
    # one consent counts.
    assert set(_statuses(responses)) <= {200, 302}
    with app.app_context():
        assert _count(AuditEvent, AuditEvent.action == "consent.given") == 1
