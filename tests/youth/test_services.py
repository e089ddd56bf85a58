"""The young person's journey, at the level of its rules."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import (AllocationMode, OfferKind, OutgoingMessage, RoundState, SignUp,
                              SignUpStatus, utcnow)
from youth_app.youth import services
from youth_app.catalogue.services import CatalogueFilter, catalogue
from youth_app.youth.services import ChoiceError, Ineligible

from .. import factories

pytestmark = pytest.mark.youth


@pytest.fixture
def season(app_context):
    round_ = factories.round_(min_age=15, max_age=17, max_choices=3)
    org = factories.organisation()
    jobs = [factories.offer(org, round_, title=f"Jobb {i}", min_age=15, max_age=17,
                            weeks=[f"2027-W{25 + i}"]) for i in range(4)]
    db.session.flush()
    return round_, jobs


def test_eligibility_names_every_reason(season):
    round_, _jobs = season
    youth = factories.youth_profile(born=date(2014, 1, 1), resident=False)
    status = services.eligibility(youth, round_)
    assert status.reasons == (Ineligible.TOO_YOUNG, Ineligible.NOT_RESIDENT)
    assert status.age == 13


def test_closed_window_makes_anyone_ineligible(season):
    round_, _jobs = season
    round_.application_closes_at = utcnow() - timedelta(minutes=1)
    youth = factories.youth_profile(born=date(2011, 3, 1))
    assert services.eligibility(youth, round_).reasons == (Ineligible.WINDOW_CLOSED,)


def test_choices_are_saved_in_order_and_can_be_reordered(season):
    round_, jobs = season
    youth = factories.youth_profile(born=date(2011, 3, 1))
    services.save_choices(youth, round_, [jobs[2].id, jobs[0].id])
    services.save_choices(youth, round_, [jobs[0].id, jobs[2].id, jobs[1].id])
    assert [(a.offer_id, a.rank) for a in services.choices(youth, round_)] == [
        (jobs[0].id, 1), (jobs[2].id, 2), (jobs[1].id, 3)]


@pytest.mark.parametrize("pick, code", [
    (lambda jobs: [j.id for j in jobs], "too_many"),
    (lambda jobs: [jobs[0].id, jobs[0].id], "duplicate"),
    (lambda jobs: [999999], "not_in_round"),
])
def test_invalid_choices_are_refused_and_old_ones_kept(season, pick, code):
    round_, jobs = season
    youth = factories.youth_profile(born=date(2011, 3, 1))
    services.save_choices(youth, round_, [jobs[1].id])
    with pytest.raises(ChoiceError) as caught:
        services.save_choices(youth, round_, pick(jobs))
    assert caught.value.code == code
    assert [a.offer_id for a in services.choices(youth, round_)] == [jobs[1].id]


def test_an_offer_outside_the_youths_age_cannot_be_chosen(season):
    round_, jobs = season
    jobs[3].min_age = 17
    youth = factories.youth_profile(born=date(2011, 3, 1))  # 16 on the reference date
    with pytest.raises(ChoiceError) as caught:
        services.save_choices(youth, round_, [jobs[3].id])
    assert (caught.value.code, caught.value.offer_id) == ("age", jobs[3].id)


def test_catalogue_filters(season):
    round_, jobs = season
    activity = factories.offer(round=None, kind=OfferKind.ACTIVITY, title="Kajak",
                               allocation_mode=AllocationMode.OPEN, weeks=["2027-W30"],
                               min_age=13, max_age=19, interests=["sport"])
    factories.offer(round=factories.round_(state=RoundState.DRAFT), title="Hidden")
    db.session.flush()
    everything = catalogue(CatalogueFilter())
    assert {o.title for o in everything} == {"Jobb 0", "Jobb 1", "Jobb 2", "Jobb 3", "Kajak"}
    assert catalogue(CatalogueFilter(kind=OfferKind.ACTIVITY)) == [activity]
    assert catalogue(CatalogueFilter(week="2027-W26")) == [jobs[1]]
    assert catalogue(CatalogueFilter(age=13)) == [activity]
    assert catalogue(CatalogueFilter(text="kaj")) == [activity]
    assert catalogue(CatalogueFilter(interest="sport")) == [activity]


@pytest.fixture
def open_activity(app_context):
    offer = factories.offer(round=None, kind=OfferKind.ACTIVITY, title="Segling",
                            allocation_mode=AllocationMode.OPEN, capacity=2,
                            min_age=13, max_age=19)
    youths = [factories.youth_profile(born=date(2011, 1, 1 + i)) for i in range(4)]
    db.session.flush()
    return offer, youths


def test_sign_up_gives_places_then_a_waiting_list(open_activity):
    offer, youths = open_activity
    statuses = [services.sign_up(y, offer.id).status for y in youths]
    assert statuses == [SignUpStatus.CONFIRMED] * 2 + [SignUpStatus.WAITING] * 2
    entries = db.session.scalars(sa.select(SignUp).order_by(SignUp.id)).all()
    assert [services.waiting_position(e) for e in entries] == [None, None, 1, 2]


def test_a_cancelled_place_goes_to_the_first_on_the_waiting_list(open_activity):
    offer, youths = open_activity
    for youth in youths:
        services.sign_up(youth, offer.id)
    promoted = services.cancel_sign_up(youths[0], offer.id)
    assert [p.youth_id for p in promoted] == [youths[2].id]
    assert services.sign_up(youths[0], offer.id).status is SignUpStatus.WAITING


def test_forty_youths_press_at_once_for_five_places(app):
    """Through the real view, each youth in their own session and thread."""
    with app.app_context():
        offer = factories.offer(round=None, kind=OfferKind.ACTIVITY, capacity=5,
                                allocation_mode=AllocationMode.OPEN, min_age=13, max_age=19)
        users = [factories.user(factories.Role.YOUTH, email=f"y{i}@test.example")
                 for i in range(40)]
        db.session.commit()
        offer_id, emails = offer.id, [u.email for u in users]
    clients = []
    for email in emails:
        client = app.test_client()
        client.post("/login", data={"email": email, "password": factories.PASSWORD})
        clients.append(client)
    start, statuses = threading.Barrier(len(clients)), []

    def press(client) -> None:
        start.wait()
        response = client.post(f"/youth/signups/{offer_id}")
        statuses.append((response.status_code, response.headers.get("Location")))

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [(302, f"/offers/{offer_id}")] * 40  # no error page for anyone
    with app.app_context():
        signed = db.session.scalars(sa.select(SignUp.status)).all()
    assert signed.count(SignUpStatus.CONFIRMED) == 5
    assert signed.count(SignUpStatus.WAITING) == 35


def test_first_saved_choice_confirms_the_application_by_email(app, season):
    round_, jobs = season
    with app.test_request_context():
        user = factories.user(factories.Role.YOUTH)
        user.youth_profile.date_of_birth = date(2011, 3, 1)
        db.session.flush()
        services.save_choices(user.youth_profile, round_, [jobs[0].id])
        services.save_choices(user.youth_profile, round_, [jobs[1].id, jobs[0].id])
    kinds = db.session.scalars(sa.select(OutgoingMessage.kind)).all()
    assert kinds == ["application.received"]
