"""Rules the data model itself guarantees, on SQLite and PostgreSQL alike."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from youth_app import audit
from youth_app.audit import AuditLogIsAppendOnly
from youth_app.extensions import db
from youth_app.identity import InvalidNumber, parse_personal_number, with_check_digit
from youth_app.models import Application, AuditEvent, Role, RoundState, TransitionError

from .. import factories


@pytest.fixture
def youth_and_offers(app_context):
    youth = factories.youth_profile()
    round_ = factories.round_()
    offers = [factories.offer(round=round_, title=f"Jobb {i}") for i in range(2)]
    db.session.flush()
    return youth, round_, offers


def test_a_youth_ranks_an_offer_only_once(youth_and_offers):
    youth, round_, (offer, _other) = youth_and_offers
    db.session.add_all([Application(round=round_, youth=youth, offer=offer, rank=1),
                        Application(round=round_, youth=youth, offer=offer, rank=2)])
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_each_rank_is_used_once(youth_and_offers):
    youth, round_, offers = youth_and_offers
    db.session.add_all([Application(round=round_, youth=youth, offer=o, rank=1) for o in offers])
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_round_moves_only_along_its_lifecycle(app_context):
    round_ = factories.round_(state=RoundState.DRAFT)
    with pytest.raises(TransitionError):
        round_.move_to(RoundState.PUBLISHED)
    for state in (RoundState.OPEN, RoundState.CLOSED, RoundState.ALLOCATED,
                  RoundState.PUBLISHED, RoundState.FINISHED):
        round_.move_to(state)
    assert round_.state is RoundState.FINISHED
    with pytest.raises(TransitionError):
        round_.move_to(RoundState.OPEN)


def test_state_is_stored_and_read_back_as_enum(app_context):
    round_ = factories.round_(state=RoundState.CLOSED)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(type(round_), round_.id).state is RoundState.CLOSED


def test_times_come_back_timezone_aware(app_context):
    round_ = factories.round_()
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(type(round_), round_.id).application_closes_at.tzinfo is not None


def test_a_provider_must_belong_to_an_organisation(app_context):
    user = factories.user(Role.YOUTH)
    user.role = Role.PROVIDER
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_audit_events_cannot_be_changed_or_deleted(app_context):
    event = audit.record("test.something", details_key="x")
    db.session.commit()
    event.action = "tampered"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()


def test_personal_number_is_masked_outside_social_services(app_context):
    youth = factories.youth_profile(born=date(2010, 5, 14))
    assert youth.masked_personal_number == "20100514-****"
    assert youth.age_on(date(2026, 5, 13)) == 15
    assert youth.age_on(date(2026, 5, 14)) == 16


@pytest.mark.parametrize("text", ["", "2010051412", "20100514-1235", "20101314-1234", "abc"])
def test_invalid_personal_numbers_are_refused(text):
    with pytest.raises(InvalidNumber):
        parse_personal_number(text)


def test_ten_and_twelve_digit_forms_give_the_same_number():
    twelve = "20" + with_check_digit("100514123")
    assert parse_personal_number(twelve).digits == parse_personal_number(twelve[2:]).digits
