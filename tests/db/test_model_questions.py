"""The questions templates ask the model are the rules the services enforce.

A page shows "Change the round" when ``round.editable``; ``rounds.services.save``
refuses exactly when it is not. Each test walks every state of one lifecycle and checks
that the property and the service agree, so a rule cannot change in one place only.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from youth_app.allocation import problem as problems
from youth_app.allocation import services as allocation
from youth_app.allocation.services import RunError
from youth_app.consent import services as consent
from youth_app.extensions import db
from youth_app.models import (AllocationMode, AllocationRun, AuditEvent, ConsentState,
                              GuardianConsent, Offer, OfferKind, OfferStatus, Placement,
                              PlacementState, Role, RoundState, RunStatus, SignUp, SignUpStatus,
                              utcnow)
from youth_app.placements import services as placements
from youth_app.placements.services import PlacementError
from youth_app.provider import services as provider
from youth_app.provider.services import NotYours, OfferRuleError
from youth_app.youth import services as youth_services

from .. import factories


@pytest.fixture
def request_context(app_context, app):
    """Services that send mail build links, which need a request context."""
    with app.test_request_context():
        yield


def _rounds():
    """``youth_app.rounds.services``, imported once the app exists: imported first, the
    package runs into an import cycle through ``youth_app.reports``."""
    from youth_app.rounds import services

    return services


def _refused(step, error_type, code: str) -> bool:
    """Run ``step``; True if it raised ``error_type`` with ``code``, False if it ran."""
    try:
        step()
    except error_type as error:
        assert error.code == code
        return True
    return False


@pytest.mark.parametrize("state", list(RoundState))
def test_a_round_is_editable_exactly_when_saving_it_succeeds(app_context, state):
    admin = factories.user(Role.ADMINISTRATOR)
    round_ = factories.round_(state=state)
    db.session.flush()
    rounds = _rounds()
    refused = _refused(lambda: rounds.save(round_, admin, name="Ändrad"), rounds.RoundRuleError,
                       "round_not_editable")
    assert round_.editable is not refused
    assert (round_.name == "Ändrad") is round_.editable
    assert round_.editable is (state in {RoundState.DRAFT, RoundState.OPEN, RoundState.CLOSED})


@pytest.mark.parametrize("state", list(RoundState))
def test_a_round_can_run_exactly_when_a_run_may_start(app_context, state):
    round_ = factories.round_(state=state)
    db.session.flush()
    refused = _refused(lambda: allocation.start_run(round_), RunError, "round_not_closed")
    assert round_.can_run is not refused
    assert round_.can_run is (state in {RoundState.CLOSED, RoundState.ALLOCATED,
                                        RoundState.PUBLISHED})
    runs = db.session.scalar(sa.select(sa.func.count(AllocationRun.id)))
    assert runs == (1 if round_.can_run else 0)


@pytest.mark.parametrize("state", list(RoundState))
def test_places_are_offered_by_hand_exactly_when_the_round_allows_it(request_context, state):
    admin = factories.user(Role.ADMINISTRATOR)
    youth = factories.user(Role.YOUTH).youth_profile
    round_ = factories.round_(state=state)
    offer = factories.offer(round=round_, kind=OfferKind.ACTIVITY)
    db.session.flush()
    rounds = _rounds()
    refused = _refused(lambda: rounds.offer_by_hand(
        round_, problems.staff_reference(youth.id), problems.offer_key(offer.id), admin),
        rounds.RoundRuleError, "not_published")
    assert round_.can_offer_by_hand is not refused
    assert round_.can_offer_by_hand is (state is RoundState.PUBLISHED)


@pytest.mark.parametrize("status", list(OfferStatus))
def test_an_offer_is_editable_exactly_when_the_provider_may_save_it(app_context, status):
    offer = factories.offer(status=status, allocation_mode=AllocationMode.OPEN,
                            kind=OfferKind.ACTIVITY)
    db.session.flush()
    editable = offer.editable
    refused = _refused(lambda: provider.save_offer(offer.organisation, offer, title="Ny titel"),
                       OfferRuleError, "offer_not_editable")
    assert editable is not refused
    assert editable is (status in {OfferStatus.DRAFT, OfferStatus.SUBMITTED})


@pytest.mark.parametrize("status", list(OfferStatus))
def test_an_offer_can_be_sent_for_review_exactly_when_submitting_succeeds(app_context, status):
    offer = factories.offer(status=status)
    db.session.flush()
    could_submit = offer.can_submit
    refused = _refused(lambda: provider.submit(offer), OfferRuleError, "not_draft")
    assert could_submit is not refused
    assert could_submit is (status is OfferStatus.DRAFT)


@pytest.mark.parametrize("status", list(OfferStatus))
def test_an_offer_can_be_closed_exactly_when_closing_changes_it(app_context, status):
    offer = factories.offer(status=status)
    db.session.flush()
    could_close = offer.can_close
    provider.close(offer)
    db.session.flush()
    audited = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "offer.closed"))
    assert audited == (1 if could_close else 0)
    assert could_close is (status is OfferStatus.PUBLISHED), "only what young people see"
    assert offer.status is (OfferStatus.CLOSED if could_close else status)


@pytest.mark.parametrize("status", list(OfferStatus))
def test_an_offer_can_be_deleted_exactly_when_deleting_succeeds(app_context, status):
    offer = factories.offer(status=status)
    db.session.flush()
    could_delete = offer.can_delete
    refused = _refused(lambda: provider.delete(offer), OfferRuleError, "offer_not_deletable")
    assert could_delete is not refused
    assert could_delete is (status in (OfferStatus.DRAFT, OfferStatus.SUBMITTED))


@pytest.mark.parametrize("kind", list(OfferKind))
def test_a_job_is_what_needs_a_guardians_consent_and_hours(app_context, kind):
    youth = factories.youth_profile(born=date.today() - timedelta(days=365 * 15))
    offer = factories.offer(kind=kind)
    placement = Placement(round=factories.round_(), youth=youth, offer=offer)
    db.session.add(placement)
    db.session.flush()
    assert placements.needs_consent(placement) is offer.is_job
    assert db.session.scalar(sa.select(sa.func.count(Offer.id)).where(Offer.is_job)) == \
        (1 if offer.is_job else 0)


@pytest.mark.parametrize("mode", list(AllocationMode))
def test_first_come_offers_are_the_ones_youths_sign_up_for(app_context, mode):
    youth = factories.youth_profile(born=date.today() - timedelta(days=365 * 15))
    offer = factories.offer(kind=OfferKind.ACTIVITY, allocation_mode=mode)
    db.session.flush()
    refused = _refused(lambda: youth_services.sign_up(youth, offer.id), youth_services.ChoiceError,
                       "not_open")
    assert offer.first_come is not refused


def _placement(state: PlacementState, kind: OfferKind = OfferKind.ACTIVITY) -> Placement:
    youth = factories.user(Role.YOUTH).youth_profile
    offer = factories.offer(round=factories.round_(), kind=kind, min_age=13, max_age=19)
    placement = Placement(round=offer.round, youth=youth, offer=offer, state=state,
                          reply_by=utcnow() + timedelta(days=3))
    db.session.add(placement)
    db.session.flush()
    return placement


@pytest.mark.parametrize("state", list(PlacementState))
def test_a_place_awaits_an_answer_exactly_when_the_youth_may_answer(request_context, state):
    placement = _placement(state)
    awaiting = placement.awaiting_answer
    found = db.session.scalar(sa.select(Placement.id).where(Placement.awaiting_answer))
    assert (found == placement.id) is awaiting
    refused = _refused(lambda: placements.answer(placement.youth, placement.id, accept=False),
                       PlacementError, "already_answered")
    assert awaiting is not refused
    assert awaiting is (state is PlacementState.OFFERED)


@pytest.mark.parametrize("state", list(PlacementState))
def test_an_accepted_place_is_one_whose_start_can_be_confirmed(request_context, state):
    placement = _placement(state, kind=OfferKind.JOB)
    organisation = placement.offer.organisation
    user = factories.user(Role.PROVIDER, organisation=organisation)
    try:
        provider.confirm_start(organisation, placement.id, user)
        confirmed = True
    except NotYours:
        confirmed = False
    assert placement.accepted is confirmed
    shown = [p.placement_id for p in provider.participants(placement.offer)]
    assert shown == ([placement.id] if placement.accepted else [])


@pytest.mark.parametrize("status", list(SignUpStatus))
def test_sign_up_questions_are_the_sign_up_rules(app_context, status):
    youth = factories.youth_profile(born=date.today() - timedelta(days=365 * 15))
    offer = factories.offer(kind=OfferKind.ACTIVITY, allocation_mode=AllocationMode.OPEN)
    db.session.flush()
    entry = SignUp(offer_id=offer.id, youth_id=youth.id, status=status)
    db.session.add(entry)
    db.session.flush()
    assert (youth_services.waiting_position(entry) is not None) is entry.on_waiting_list
    assert (len(provider.participants(offer)) == 1) is entry.has_place
    active = entry.active
    youth_services.cancel_sign_up(youth, offer.id)
    cancelled_now = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "signup.cancelled"))
    assert cancelled_now == (1 if active else 0)


@pytest.mark.parametrize("status", list(RunStatus))
def test_a_run_is_active_exactly_when_it_can_be_stopped(app_context, status):
    run = AllocationRun(round=factories.round_(state=RoundState.CLOSED), status=status)
    db.session.add(run)
    db.session.flush()
    active = run.active
    refused = _refused(lambda: allocation.stop(run), RunError, "not_running")
    assert active is not refused
    assert active is (status in {RunStatus.QUEUED, RunStatus.RUNNING})


def test_a_run_reads_its_stored_review_for_whether_it_was_proven_optimal(app_context):
    run = AllocationRun(round=factories.round_(state=RoundState.CLOSED),
                        status=RunStatus.SUCCEEDED, review={"proven": True})
    assert run.succeeded and run.proven_optimal
    run.review = {"proven": False}
    assert not run.proven_optimal
    run.review = None
    assert not run.proven_optimal


@pytest.mark.parametrize("given", [False, True])
def test_consent_state_is_given_exactly_when_a_youth_may_accept(request_context, given):
    placement = _placement(PlacementState.OFFERED, kind=OfferKind.JOB)
    db.session.add(GuardianConsent(placement_id=placement.id,
                                   given_at=utcnow() if given else None))
    db.session.flush()
    state = consent.state(placement)
    assert state.given is consent.given(placement) is given
    assert state is (ConsentState.GIVEN if given else ConsentState.REQUESTED)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("auditor", [False, True])
def test_may_audit_is_who_may_read_the_auditors_files(client, app, role, auditor):
    """``user.may_audit`` shows the auditors' downloads; ``access`` lets exactly those
    users reach them (the page 404s for a run that does not exist, after access)."""
    from ..conftest import forget_used_code, log_in

    with app.app_context():
        user = factories.user(role, auditor=auditor)
        db.session.commit()
        may_audit, email, secret, user_id = user.may_audit, user.email, user.totp_secret, user.id
    forget_used_code(app, user_id)
    log_in(client, email, totp_secret=secret)
    status = client.get("/admin/runs/999/problem.json").status_code
    assert (status != 403) is may_audit
