"""Youths doing the same thing twice at once, through real HTTP on PostgreSQL.

Each test sends its requests at the same instant from separate HTTP sessions (or tabs
of one), then checks exact counts in the database, that no request got a 5xx, that the
request that lost the race was told so, and that no mail went out twice.
"""
from __future__ import annotations

import itertools
from datetime import date

import pytest
import sqlalchemy as sa

from youth_app.models import (AuditEvent, Placement, PlacementState, RoundState, SignUp,
                              SignUpStatus, User, YouthProfile)

from .. import factories
from . import seeds
from .clients import assert_answered, burst, sole

@pytest.fixture(scope="module")
def site(serve):
    return serve(workers=4)


def _audit(session, action: str, object_type: str, object_id: int) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_type == object_type,
        AuditEvent.object_id == object_id)))


# --- 2. answering an offer ------------------------------------------------------------

def _offered_activity(site):
    def build():
        round_ = seeds.round_(RoundState.PUBLISHED)
        offer = seeds.activity(round_)
        youth = seeds.youth()
        return youth, seeds.offered_place(youth, round_, offer), offer.title
    return site.seed(build)


def _answers(site, placement_id: int) -> tuple[PlacementState, list[str]]:
    with site.reading() as session:
        state = session.get(Placement, placement_id).state
        actions = [e.action for e in _audit(session, "placement.accepted", "Placement",
                                            placement_id)
                   + _audit(session, "placement.declined", "Placement", placement_id)]
    return state, actions


#: Two requests can land one after the other; the same pair for several youths makes an
#: overlap (the race) near certain on a busy two-core machine.
ANSWERING_YOUTHS = 6


def test_accept_and_decline_at_once_records_one_answer(site):
    offered = [_offered_activity(site) for _ in range(ANSWERING_YOUTHS)]
    for youth, placement_id, title in offered:
        _accept_and_decline_at_once(site, youth, placement_id, title)


def _accept_and_decline_at_once(site, youth, placement_id: int, title: str) -> None:
    phone, laptop = site.logged_in([youth, youth])  # two sessions of the same youth
    for device in (phone, laptop):
        device.read_csrf(site.path("youth.home"))
    mark = site.mail_mark()
    outcomes = burst([(answer, lambda device=device, answer=answer: device.post(site.path(
        "youth.answer", placement_id=placement_id, answer=answer)))
        for device, answer in ((phone, "accept"), (laptop, "decline"))])
    assert_answered(outcomes, site)
    mail = site.settled_mail(mark)
    state, actions = _answers(site, placement_id)
    answer = sole(actions, f"answer of {youth.email} in the audit log")
    assert state is {"placement.accepted": PlacementState.ACCEPTED,
                     "placement.declined": PlacementState.DECLINED}[answer]
    confirmed = 1 if state is PlacementState.ACCEPTED else 0
    subject = site.text("Your place is confirmed: %(title)s", title=title)
    assert len(mail.recorded_to(youth.email, "placement.confirmed")) == confirmed
    assert len(mail.received_to(youth.email, subject)) == confirmed, mail.received
    loser = outcomes[1] if state is PlacementState.ACCEPTED else outcomes[0]
    assert site.text("You have already answered this offer.") in loser.flashes("error")


def test_a_double_accept_confirms_once(site):
    youth, placement_id, title = _offered_activity(site)
    (person,) = site.logged_in([youth])
    person.read_csrf(site.path("youth.home"))
    tabs = [person.tab() for _ in range(5)]
    mark = site.mail_mark()
    path = site.path("youth.answer", placement_id=placement_id, answer="accept")
    outcomes = burst([(f"tab {i}", lambda tab=tab: tab.post(path)) for i, tab in enumerate(tabs)])
    assert_answered(outcomes, site)
    mail = site.settled_mail(mark)
    state, actions = _answers(site, placement_id)
    assert state is PlacementState.ACCEPTED
    assert actions == ["placement.accepted"]
    subject = site.text("Your place is confirmed: %(title)s", title=title)
    assert len(mail.recorded_to(youth.email, "placement.confirmed")) == 1
    assert len(mail.received_to(youth.email, subject)) == 1, mail.received
    told = [o for o in outcomes
            if site.text("You have already answered this offer.") in o.flashes("error")]
    assert len(told) == 4, outcomes


# --- 4. saving the ranked choices from two tabs ----------------------------------------

def test_ten_tabs_saving_choices_leave_one_of_the_lists(site):
    def build():
        round_ = seeds.round_()
        offers = [seeds.activity(round_, week=25 + i) for i in range(4)]
        youth = seeds.youth()
        return youth, round_.id, seeds.choose(youth, round_, offers)
    youth, round_id, offer_ids = site.seed(build)
    (person,) = site.logged_in([youth])
    person.read_csrf(site.path("youth.choices", round_id=round_id))
    orders = list(itertools.permutations(offer_ids))[1:11]
    path = site.path("youth.reorder_choices", round_id=round_id)
    # B008: each lambda gets its own tab, opened here, before the burst starts
    outcomes = burst([(f"order {order}", lambda tab=person.tab(), order=order: tab.post(  # noqa: B008
        path, {"order": ",".join(map(str, order))})) for order in orders])
    assert_answered(outcomes, site)
    with site.reading() as session:
        saved = session.execute(sa.text(
            "SELECT offer_id, rank FROM application WHERE youth_id = :y AND round_id = :r "
            "ORDER BY rank"), {"y": youth.youth_id, "r": round_id}).all()
    assert [rank for _, rank in saved] == list(range(1, len(saved) + 1))
    assert tuple(offer for offer, _ in saved) in orders


# --- 5. registering twice at once ------------------------------------------------------

def _registration(site, district_id: int, email: str, number: str) -> list[tuple[str, str]]:
    return [("first_name", "Kim"), ("last_name", "Dubbel"), ("personal_number", number),
            ("email", email), ("phone", ""), ("district", str(district_id)),
            ("school_year", ""), ("password", factories.PASSWORD),
            ("confirm", factories.PASSWORD), ("accept_privacy", "y")]


def _register_at_once(site, forms: list[list[tuple[str, str]]]):
    path = site.path("auth.register_youth")
    people = [site.person() for _ in forms]
    for person in people:
        person.read_csrf(path)
    return burst([(f"registration {i}", lambda person=person, form=form: person.post(path, form))
                  for i, (person, form) in enumerate(zip(people, forms))])


def test_ten_registrations_with_one_address_make_one_account(site):
    district_id = site.seed(seeds.district_id)
    email = "samma.adress@test.example"
    numbers = [factories.personal_number(date(2010, 3, 1)) for _ in range(10)]
    mark = site.mail_mark()
    outcomes = _register_at_once(site, [_registration(site, district_id, email, n)
                                        for n in numbers])
    assert_answered(outcomes, site)
    taken = site.text("An account with this e-mail address exists. Log in, or choose a new "
                      "password if you forgot it.")
    refused = [o for o in outcomes if taken in o.unescaped()]
    assert len(refused) == 9, outcomes
    assert all(o.status == 200 for o in outcomes)
    with site.reading() as session:
        users = session.scalars(sa.select(User).where(User.email == email)).all()
        profiles = session.scalars(sa.select(YouthProfile).where(
            YouthProfile.personal_number.in_(numbers))).all()
    assert len(users) == 1 and len(profiles) == 1
    mail = site.settled_mail(mark)
    assert len(mail.recorded_to(email, "auth.confirm_email")) == 1
    assert len(mail.received_to(email, site.text("Confirm your e-mail address"))) == 1


def test_ten_registrations_with_one_number_make_one_account(site):
    district_id = site.seed(seeds.district_id)
    number = factories.personal_number(date(2010, 4, 2))
    emails = [f"nummer{i}@test.example" for i in range(10)]
    mark = site.mail_mark()
    outcomes = _register_at_once(site, [_registration(site, district_id, e, number)
                                        for e in emails])
    assert_answered(outcomes, site)
    taken = site.text("An account with this number exists. Log in with it, or contact us "
                      "for help.")
    refused = [o for o in outcomes if taken in o.unescaped()]
    assert len(refused) == 9, outcomes
    with site.reading() as session:
        profiles = session.scalars(sa.select(YouthProfile).where(
            YouthProfile.personal_number == number)).all()
        users = session.scalars(sa.select(User).where(User.email.in_(emails))).all()
    assert len(profiles) == 1 and len(users) == 1
    mail = site.settled_mail(mark)
    subject = site.text("Confirm your e-mail address")
    assert len([m for m in mail.recorded if m.kind == "auth.confirm_email"]) == 1
    assert len([m for m in mail.received if m.subject == subject]) == 1, mail.received


# --- 6. open sign-up: thirty at once for five places, then five cancel at once ------------

def _sign_ups(site, offer_id: int) -> list[SignUp]:
    with site.reading() as session:
        return list(session.scalars(sa.select(SignUp).where(SignUp.offer_id == offer_id)
                                    .order_by(SignUp.created_at, SignUp.id)))


def test_thirty_sign_ups_for_five_places_then_five_cancel(site):
    def build():
        offer = seeds.open_activity(capacity=5)
        return offer.id, offer.title, seeds.youths(30)
    offer_id, title, youths = site.seed(build)
    people = site.logged_in(youths)
    for person in people:
        person.read_csrf(site.path("catalogue.show", offer_id=offer_id))
    signing_up = site.path("youth.sign_up", offer_id=offer_id)
    outcomes = burst([(p.account.email, lambda p=p: p.post(signing_up)) for p in people])
    assert_answered(outcomes, site)
    entries = _sign_ups(site, offer_id)
    by_status = {s: [e for e in entries if e.status is s] for s in SignUpStatus}
    assert (len(by_status[SignUpStatus.CONFIRMED]), len(by_status[SignUpStatus.WAITING])) == (5, 25)
    welcomed = [o for o in outcomes
                if site.text("You have a place. Welcome!") in o.flashes("success")]
    assert len(welcomed) == 5, outcomes

    first_in_line = [e.youth_id for e in by_status[SignUpStatus.WAITING][:5]]
    leaving = [p for p in people
               if p.account.youth_id in {e.youth_id for e in by_status[SignUpStatus.CONFIRMED]}]
    mark = site.mail_mark()
    cancelling = site.path("youth.cancel_sign_up", offer_id=offer_id)
    outcomes = burst([(p.account.email, lambda p=p: p.post(cancelling)) for p in leaving])
    assert_answered(outcomes, site)
    mail = site.settled_mail(mark)
    entries = {e.youth_id: e for e in _sign_ups(site, offer_id)}
    confirmed = sorted(y for y, e in entries.items() if e.status is SignUpStatus.CONFIRMED)
    assert confirmed == sorted(first_in_line)
    assert sum(e.status is SignUpStatus.WAITING for e in entries.values()) == 20
    subject = site.text("You got a place: %(title)s", title=title)
    emails = {a.youth_id: a.email for a in youths}
    with site.reading() as session:
        for youth_id in first_in_line:
            promoted = _audit(session, "signup.promoted", "SignUp", entries[youth_id].id)
            assert len(promoted) == 1, (youth_id, promoted)
            assert len(mail.recorded_to(emails[youth_id], "signup.promoted")) == 1
            assert len(mail.received_to(emails[youth_id], subject)) == 1
    assert len([m for m in mail.recorded if m.kind == "signup.promoted"]) == 5
