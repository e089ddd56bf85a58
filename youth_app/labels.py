"""What a state or kind is called on a page: every enum member a template shows, in words.

Templates never compare an enum's value with a string (a test reads every template for
it); they ask the model (``offer.editable``, ``placement.awaiting_answer``) or show a
member through these mappings, written once here and registered by ``init_app``:
``{{ offer.status|label }}``, ``{{ message_status(m) }}``.
"""
from __future__ import annotations

import enum
import re
from datetime import date

from flask import Flask
from babel.dates import format_interval
from flask_babel import get_locale, gettext as _, lazy_gettext as _l, ngettext

from .i18n import decimal as format_decimal, format_date, native_digits
from .messages import ROUND_STATES
from .models import (ConsentState, MessageStatus, OfferKind, OfferStatus, OutgoingMessage,
                     OverrideKind, PlacementState, Role, Round, RoundState, RunStatus,
                     SignUpStatus)
from .provider.services import Todo
from .youth.services import Ineligible

#: The one name of each member, as staff and providers read it.
NAMES: dict[enum.Enum, str] = {
    OfferStatus.DRAFT: _l("Draft"),
    OfferStatus.SUBMITTED: _l("Waiting for review"),
    OfferStatus.PUBLISHED: _l("Published"),
    # Translators: an offer that takes no more applications or sign-ups.
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
    ConsentState.DECLINED: _l("The guardian did not consent"),
    Role.YOUTH: _l("young person"),
    Role.PROVIDER: _l("provider"),
    Role.CASEWORKER: _l("social services"),
    Role.ADMINISTRATOR: _l("administrator"),
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
    app.add_template_filter(week_rows, "week_rows")
    for function in (message_status, ineligible_text, todo_text, progress_text,
                     job_progress_text, week_text, audit_action, audit_details):
        app.add_template_global(function)


#: What a stored run progress code says (``AllocationRun.progress_message``).
PROGRESS: dict[str, str] = {
    "queued": _l("Waiting to start"),
    "building": _l("Collecting the applications"),
    "encoding": _l("Preparing the data"),
    "done": _l("Done"),
}

#: The solver's steps (``matching.levels``), as staff read them.
STEPS: dict[str, str] = {
    "tier placed": _l("placing young people with priority"),
    "youths placed": _l("placing as many young people as possible"),
    "places filled": _l("filling as many places as possible"),
    "tier rank sum": _l("giving young people with priority their highest choices"),
    "rank sum": _l("giving everyone choices as high as possible"),
    "lottery score": _l("settling ties by the lottery"),
}


def job_progress(job) -> dict:
    """What a job's page polls (``static/js/app.js``): the same keys as a run's progress."""
    return {"status": job.status.value, "progress": job.progress,
            "message": job_progress_text(job)}


def job_progress_text(job) -> str:
    """Where a background job is, in words (``BackgroundJob.message`` holds a code)."""
    if job.message == "queued":
        return str(PROGRESS["queued"])
    if job.succeeded:
        return str(PROGRESS["done"])
    if job.failed:
        return _("Stopped by an error. What was done is kept: continue it.")
    return ngettext("%(num)d of %(total)d done", "%(num)d of %(total)d done", job.done,
                    total=job.total)


def progress_text(code: str) -> str:
    """A stored progress code (``allocation.services._progress_writer``) as a sentence in the reader's language; a step's tier code
    is never named (``tier targeted placed`` reads "placing young people with priority")."""
    if code in PROGRESS:
        return str(PROGRESS[code])
    match = re.fullmatch(r"step:(\d+):(\d+):(.+):([\d.]+)", code or "") or \
        re.fullmatch(r"(\d+)/(\d+) (.+) \(([\d.]+) s\)", code or "")  # rows written before
    if match is None:
        return _("Working")
    index, count, step, seconds = match.groups()
    step = re.sub(r"^tier \S+ ", "tier ", step)
    return _("Step %(number)d of %(count)d: %(step)s (%(seconds)s s)", number=int(index) + 1,
             count=int(count), step=str(STEPS.get(step, _("working"))),
             seconds=format_decimal(float(seconds)))


def week_text(iso_week: str) -> str:
    """``2027-W25`` as "week 25 (21–25 June)" in the reader's language."""
    year, number = (int(part) for part in iso_week.split("-W"))
    monday = date.fromisocalendar(year, number, 1)
    friday = date.fromisocalendar(year, number, 5)
    days = native_digits(format_interval(monday, friday, "MMMd", locale=get_locale()))
    return _("week %(number)d (%(days)s)", number=number, days=days)


def week_rows(rows: list) -> list[tuple]:
    """(week code, count) rows with the week in words, for charts and tables."""
    return [(week_text(week), *rest) for week, *rest in rows]


#: Every audit action code ``audit.record`` writes, as a sentence.
AUDIT_ACTIONS: dict[str, str] = {
    "allocation.run_failed": _l("An allocation run failed"),
    "allocation.run_finished": _l("An allocation run finished"),
    "allocation.run_started": _l("An allocation run was started"),
    "allocation.run_stopped": _l("An allocation run was stopped"),
    "apart.added": _l("Two young people are to be kept apart"),
    "apart.removed": _l("Two young people no longer need to be kept apart"),
    "application.saved": _l("Choices were saved"),
    "attendance.recorded": _l("Attendance was recorded"),
    "audit.file_read": _l("An auditor's file was downloaded"),
    "auth.email_confirmed": _l("An e-mail address was confirmed"),
    "auth.invited": _l("A person was invited"),
    "auth.login": _l("Logged in"),
    "auth.login_failed": _l("A login failed"),
    "auth.logout": _l("Logged out"),
    "auth.password_reset": _l("A password was changed"),
    "auth.register": _l("An account was created"),
    "auth.reset_requested": _l("A new password was asked for"),
    "auth.second_factor": _l("Logged in with a second step"),
    "auth.second_factor_failed": _l("A second login step failed"),
    "consent.code_refused": _l("A guardian's code was refused"),
    "consent.code_sent": _l("A code was sent to a guardian"),
    "consent.declined": _l("A guardian declined consent"),
    "consent.given": _l("A guardian gave consent"),
    "consent.identity_checked": _l("A guardian confirmed who they are"),
    "consent.language_chosen": _l("A guardian chose the language of our e-mails to them"),
    "consent.question": _l("A guardian asked a question"),
    "consent.requested": _l("A guardian was asked for consent"),
    "hours.approved": _l("Hours were approved"),
    "job.failed": _l("A background job stopped with an error"),
    "job.resumed": _l("A background job was continued"),
    "main.accessibility_report": _l("Someone reported an accessibility problem"),
    "offer.closed": _l("An offer was closed"),
    "offer.copied": _l("An offer was copied"),
    "offer.published": _l("An offer was published"),
    "offer.returned": _l("An offer was sent back to the provider"),
    "offer.saved": _l("An offer was saved"),
    "offer.submitted": _l("An offer was sent for review"),
    "organisation.approved": _l("An organisation was approved"),
    "override.added": _l("A decision about a place was added"),
    "override.removed": _l("A decision about a place was removed"),
    "friends.created": _l("A young person made a friend code"),
    "friends.joined": _l("A young person joined friends by their code"),
    "friends.left": _l("A young person left their friends' group"),
    "placement.accepted": _l("A young person accepted a place"),
    "placement.declined": _l("A young person declined a place"),
    "placement.expired": _l("An offer of a place expired unanswered"),
    "placement.offered_by_hand": _l("A place was offered by hand"),
    "placement.start_confirmed": _l("The provider confirmed the start"),
    "priority.added": _l("Social services added a priority"),
    "priority.changed": _l("Social services changed a priority"),
    "priority.read": _l("Social services' priority data was read"),
    "priority.removed": _l("Social services removed a priority"),
    "round.applicants_searched": _l("A round's applicants were searched"),
    "round.closed": _l("A round's applications were closed"),
    "round.published": _l("A round's results were sent"),
    "round.saved": _l("A round was saved"),
    "offer.deleted": _l("A draft offer was deleted"),
    "round.open": _l("A round was opened"),
    "round.reopen": _l("A round was opened again"),
    "round.finish": _l("A round was finished"),
    "signup.cancelled": _l("A sign-up was cancelled"),
    "signup.created": _l("A young person signed up"),
    "signup.promoted": _l("A sign-up got a place from the waiting list"),
    "staff.auditor_granted": _l("A person was made an auditor"),
    "staff.auditor_revoked": _l("A person is no longer an auditor"),
    "youth.profile_updated": _l("A young person's profile was changed"),
    "youth.removed": _l("A young person's account was removed"),
}


def audit_action(code: str) -> str:
    """An audit action code as a sentence; an unknown code never reaches the page."""
    return str(AUDIT_ACTIONS.get(code, _("Another event")))


#: What each detail of an audit row is called (``audit.record(..., key=value)``).
AUDIT_DETAILS: dict[str, str] = {
    "count": _l("Number"),
    "status": _l("Outcome"),
    "source": _l("Copied from offer number"),
    "day": _l("Day"),
    "what": _l("What"),
    "size": _l("Young people"),
    "email": _l("E-mail address tried"),
    "role": _l("Role"),
    "organisation_id": _l("Organisation number in the system"),
    "fields": _l("Details changed"),
    "kept_placements": _l("Places kept"),
    "offers": _l("Offers"),
    "youth_id": _l("Young person's number in the system"),
    "state": _l("The round is now"),
    "found": _l("Matches"),
    "kind": _l("Kind"),
    "method": _l("How"),
    "reason": _l("Reason"),
    "guardians": _l("Guardians asked"),
    "page": _l("Page"),
    "seed_fingerprint": _l("Fingerprint of the lottery seed"),
    "problem_fingerprint": _l("Fingerprint of the frozen problem"),
    "youths": _l("Young people"),
    "run_id": _l("Run number"),
}

#: Coded values of audit details, in words (a value not listed is shown as it is:
#: numbers, dates, fingerprints, e-mail addresses).
AUDIT_VALUES: dict[str, str] = {
    "optimal": _l("optimal"),
    "feasible": _l("valid, not proven best"),
    "infeasible": _l("impossible (locks clash)"),
    "email_link": _l("link by e-mail"),
    "email_code": _l("link by e-mail and a one-time code"),
    "paper": _l("paper form"),
    "closing_problem": _l("the problem frozen at closing"),
    "problem": _l("the run's problem"),
    "result": _l("the run's result"),
    "guardian_declined": _l("the guardian declined"),
}


def _detail_value(key: str, value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int):
        return format_decimal(value)
    if isinstance(value, list):  # offers chosen, profile details changed: how many
        return format_decimal(len(value))
    if not isinstance(value, str):
        return _("recorded")
    if key == "state":
        try:
            return str(ROUND_STATES[RoundState(value)])
        except ValueError:
            pass
    named: dict[str, type[enum.Enum]] = {"role": Role, "kind": OverrideKind}  # in NAMES
    if key in named:
        try:
            return label(named[key](value))
        except ValueError:
            pass
    if key == "status":
        for kind in (OfferStatus, SignUpStatus):
            try:
                member = kind(value)
            except ValueError:
                continue
            return str(NAMES.get(member) or YOUTH_STATE_NAMES[member])
    return str(AUDIT_VALUES.get(value, value))


def audit_details(details: dict | None) -> list[tuple[str, str]]:
    """An audit row's details as (name, value) pairs in the reader's language."""
    return [(str(AUDIT_DETAILS.get(key, _("Other detail"))), _detail_value(key, value))
            for key, value in (details or {}).items()]
