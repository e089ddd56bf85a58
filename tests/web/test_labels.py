"""Every enum member a page shows has its words (``youth_app.labels``), in the reader's
language, and the round page's step buttons lead where the lifecycle allows."""
from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale

from youth_app import labels
from youth_app.models import (ConsentState, MessageStatus, OfferKind, OfferStatus,
                              OutgoingMessage, OverrideKind, PlacementState, Round, RoundState,
                              RunStatus, SignUpStatus)
from youth_app.provider.services import Todo
from youth_app.youth.services import Ineligible

#: Where each step button of the round page takes the round.
STEP_TARGETS = {"open": RoundState.OPEN, "close": RoundState.CLOSED, "reopen": RoundState.OPEN,
                "publish": RoundState.PUBLISHED, "finish": RoundState.FINISHED}


@pytest.mark.parametrize("kind", [OfferStatus, OfferKind, RunStatus, OverrideKind,
                                  ConsentState])
def test_every_member_shown_by_name_has_one(app, kind):
    with app.test_request_context():
        names = [labels.label(member) for member in kind]
    assert all(names) and len(set(names)) == len(names)


@pytest.mark.parametrize("kind", [PlacementState, SignUpStatus])
def test_every_state_in_the_youths_data_has_words(app, kind):
    with app.test_request_context(), force_locale("en"):
        words = [labels.exported_state(member.value) for member in kind]
        assert labels.exported_state(True) == "Yes"
        assert labels.exported_state("something else") == "something else"
    assert len(set(words)) == len(words)
    assert not set(words) & {member.value for member in kind}


def test_names_are_in_the_readers_language(app):
    with app.test_request_context():
        with force_locale("en"):
            english = labels.label(OfferStatus.SUBMITTED)
        with force_locale("sv"):
            swedish = labels.label(OfferStatus.SUBMITTED)
    assert english == "Waiting for review"
    assert swedish and swedish != english


def test_a_waiting_message_says_which_attempt_it_waits_for(app):
    with app.test_request_context(), force_locale("en"):
        texts = {status: labels.message_status(OutgoingMessage(status=status, attempts=2))
                 for status in MessageStatus}
    assert texts[MessageStatus.PENDING] == texts[MessageStatus.SENDING] == \
        "Waiting to be sent (attempt 3)"
    assert len(set(texts.values())) == len(MessageStatus) - 1


def test_each_reason_a_youth_cannot_apply_has_its_sentence(app):
    round_ = Round(min_age=14, max_age=17, reference_date=date(2027, 6, 15))
    with app.test_request_context(), force_locale("en"):
        texts = {reason: labels.ineligible_text(reason, round_) for reason in Ineligible}
    assert len(set(texts.values())) == len(Ineligible)
    assert "14" in texts[Ineligible.TOO_YOUNG] and "17" in texts[Ineligible.TOO_OLD]
    assert "2027" in texts[Ineligible.TOO_YOUNG]


def test_each_outcome_and_to_do_has_its_sentence(app):
    with app.test_request_context(), force_locale("en"):
        outcomes = {labels.placement_outcome(state) for state in
                    (PlacementState.DECLINED, PlacementState.EXPIRED, PlacementState.WITHDRAWN)}
        todos = {labels.todo_text(item, 2) for item in Todo}
        hints = {labels.consent_hint(state) for state in
                 (ConsentState.REQUESTED, ConsentState.MISSING)}
    assert len(outcomes) == 3 and len(todos) == len(Todo) and len(hints) == 2
    assert all("2" in text for text in todos)


@pytest.mark.parametrize("state", list(RoundState))
def test_the_round_pages_steps_are_moves_the_lifecycle_allows(app, state):
    from youth_app.rounds import next_steps

    round_ = Round(state=state)
    with app.test_request_context():
        steps = next_steps(round_)
    assert all(round_.can_move_to(STEP_TARGETS[action]) for action, _label in steps)
    # Allocated: the one step is sending the offers, through its confirmation page.
    assert bool(steps) is (state not in (RoundState.FINISHED, RoundState.ALLOCATED))
    assert round_.can_publish is (state in (RoundState.ALLOCATED, RoundState.PUBLISHED))
