"""What a state or kind is called on a page: every enum member a template shows, in words.

Templates never compare an enum's value with a string (a test reads every template for
it); they ask the model (``offer.editable``, ``placement.awaiting_answer``) or show a
member through these mappings, written once here and registered by ``init_app``:
``{{ offer.status|label }}``, ``{{ message_status(m) }}``.
"""
from __future__ import annotations

import enum

from flask import Flask
from flask_babel import format_date, gettext as _, lazy_gettext as _l

from .models import (ConsentState, MessageStatus, OfferKind, OfferStatus, OutgoingMessage,
                     OverrideKind, PlacementState, Round, RunStatus, SignUpStatus)
from .provider.services import Todo
from .youth.services import Ineligible

#: The one name of each member, as staff and providers read it.
NAMES: dict[enum.Enum, str] = {
    OfferStatus.DRAFT: _l("Draft"),
    OfferStatus.SUBMITTED: _l("Waiting for review"),
    OfferStatus.PUBLISHED: _l("Published"),
    OfferStatus.CLOSED: _l("Closed"),
    OfferKind.JOB: _l("Summer job"),
    OfferKind.ACTIVITY: _l("Leisure activity"),
    RunStatus.QUEUED: _l("waiting to start"),
    RunStatus.RUNNING: _l("running"),
    RunStatus.SUCCEEDED: _l("done"),
    RunStatus.FAILED: _l("failed"),
    RunStatus.CANCELLED: _l("stopped"),
    OverrideKind.LOCK: _l("always"),
    OverrideKind.FORBID: _l("never"),
    ConsentState.GIVEN: _l("Consent given"),
    ConsentState.REQUESTED: _l("Waiting for the guardian"),
    ConsentState.MISSING: _l("No guardian e-mail address: record paper consent"),
}

#: Places and sign-ups as the young person reads them in their own data.
YOUTH_STATE_NAMES: dict[enum.Enum, str] = {
    PlacementState.OFFERED: _l("Offered, waiting for your answer"),
    PlacementState.ACCEPTED: _l("You accepted"),
    PlacementState.DECLINED: _l("You declined"),
    PlacementState.EXPIRED: _l("Not answered in time"),
    PlacementState.WITHDRAWN: _l("Withdrawn"),
    PlacementState.PROPOSED: _l("Not yet sent"),
    SignUpStatus.CONFIRMED: _l("You have a place"),
    SignUpStatus.WAITING: _l("On the waiting list"),
    SignUpStatus.CANCELLED: _l("Cancelled"),
}

#: What became of a place the youth no longer has to answer, on My page.
PLACEMENT_OUTCOMES: dict[PlacementState, str] = {
    PlacementState.DECLINED: _l("You declined this place."),
    PlacementState.EXPIRED: _l("The deadline passed without an answer, so the place went to "
                               "someone else."),
    PlacementState.WITHDRAWN: _l("This place was withdrawn."),
}

MESSAGE_STATUSES: dict[MessageStatus, str] = {
    MessageStatus.SENT: _l("Sent"),
    MessageStatus.FAILED: _l("Failed"),
    MessageStatus.KEPT: _l("Kept (no mail server)"),
}


def label(member: enum.Enum) -> str:
    """``{{ offer.status|label }}``: the member's name in the reader's language."""
    return str(NAMES[member])


def exported_state(value: str | bool) -> str:
    """A state as the youth's data export writes it (``"accepted"``, ``True``), in words;
    anything else as it is."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    for kind in (PlacementState, SignUpStatus):
        try:
            return str(YOUTH_STATE_NAMES[kind(value)])
        except ValueError:
            continue
    return value


def placement_outcome(state: PlacementState) -> str:
    """A declined, expired or withdrawn place in one sentence."""
    return str(PLACEMENT_OUTCOMES.get(state, PLACEMENT_OUTCOMES[PlacementState.WITHDRAWN]))


def consent_hint(state: ConsentState) -> str:
    """What happens next about a guardian's consent, told to the young person."""
    if state is ConsentState.REQUESTED:
        return _("We have sent them a link.")
    return _("Add a guardian's e-mail address on your profile, or contact us.")


def message_status(message: OutgoingMessage) -> str:
    """Sent, failed, kept, or still waiting, with the attempt it is waiting for."""
    if message.status in MESSAGE_STATUSES:
        return str(MESSAGE_STATUSES[message.status])
    return _("Waiting to be sent (attempt %(number)d)", number=message.attempts + 1)


def ineligible_text(reason: Ineligible, round_: Round) -> str:
    """Why the youth cannot apply in ``round_``, with the round's own limits."""
    date = format_date(round_.reference_date, "long")
    if reason is Ineligible.TOO_YOUNG:
        return _("You must be at least %(age)d years old on %(date)s.", age=round_.min_age,
                 date=date)
    if reason is Ineligible.TOO_OLD:
        return _("You must be at most %(age)d years old on %(date)s.", age=round_.max_age,
                 date=date)
    if reason is Ineligible.NOT_RESIDENT:
        return _("This round is only for young people who live in the municipality.")
    return _("The application period is closed.")


def todo_text(item: Todo, count: int) -> str:
    """One line of a provider's to-do list on the dashboard."""
    if item is Todo.CONFIRM_START:
        return _("Confirm start: %(count)d", count=count)
    return _("Report attendance: %(count)d", count=count)


def init_app(app: Flask) -> None:
    app.add_template_filter(label, "label")
    app.add_template_filter(exported_state, "exported_state")
    app.add_template_filter(placement_outcome, "placement_outcome")
    app.add_template_filter(consent_hint, "consent_hint")
    for function in (message_status, ineligible_text, todo_text):
        app.add_template_global(function)
