"""What each refusal of a domain rule tells the user: one sentence per ``DomainError`` code.

Services raise a ``DomainError`` whose ``code`` names the rule (unique across the app);
views call ``error_text(error)`` to flash it or put it next to a field, and never keep
sentences of their own. Here rather than in ``errors.py``: that module turns failures
of a request (404, 503, an unexpected error) into whole error pages, registered once by
the app factory; these are the everyday answers of the rules, shown on the page the
user is on, and a view imports them. Kept in one table, a translator reads every refusal
together and a test can check that every code raised has its sentence
(``tests/web/test_messages.py``).

A code without a sentence (a bug) is logged, and the user reads ``UNKNOWN``: never the
code itself.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l, lazy_pgettext

from .models import DomainError, RoundState

#: When a code has no sentence here, or a sentence lacks a value it needs.
UNKNOWN = _l("That could not be done. Reload the page and try again; if it still does "
             "not work, contact us.")

#: A round's state inside a sentence: "the round is %(state)s".
ROUND_STATES = {RoundState.DRAFT: _l("a draft"),
                # Translators: a round's state in "the round is %(state)s": open for
                # applications (not an offer's open sign-up).
                RoundState.OPEN: lazy_pgettext("round state", "open"),
                # Translators: a round's state: closed to new applications.
                RoundState.CLOSED: lazy_pgettext("round state", "closed"), RoundState.ALLOCATED: _l("allocated"),
                RoundState.PUBLISHED: _l("published"), RoundState.FINISHED: _l("finished")}

_STEP_NOT_POSSIBLE = _l("That step is not possible now (the round is %(state)s).")

MESSAGES = {
    # accounts (auth)
    "email_taken": _l("An account with this e-mail address exists. Log in, or choose a "
                      "new password if you forgot it."),
    "colleague_email_taken": _l("This address already has an account."),
    "personal_number_taken": _l("An account with this number exists. Log in with it, or "
                                "contact us for help."),
    "org_number_taken": _l("This organisation is already registered. Ask its contact "
                           "person to invite you."),
    # choices and sign-ups (youth)
    "too_young": _l("You are too young for this round."),
    "too_old": _l("You are too old for this round."),
    "not_resident": _l("This round is only for young people who live in the municipality."),
    "window_closed": _l("The application period is closed, so your choices can no longer "
                        "be changed."),
    "duplicate": _l("You have already chosen this."),
    "too_many": _l("You have already made as many choices as this round allows. Remove "
                   "one first."),
    "not_in_round": _l("That offer is not part of this round."),
    "age": _l("That offer is not for your age."),
    "not_open": _l("That activity does not take sign-ups."),
    # friend codes (youth)
    "friends_off": _l("This round does not place friends together."),
    "friends_already": _l("You are already in a friend group in this round. Leave it first "
                          "to join another."),
    "friends_unknown_code": _l("No friend group in this round has that code. Check the "
                               "code with your friend."),
    "friends_full": _l("That friend group is full: a group has at most three friends."),
    # answers to offers (placements)
    "placement_not_found": _l("That offer was not found."),
    "already_answered": _l("You have already answered this offer."),
    "too_late": _l("The deadline to answer has passed."),
    "consent_needed": _l("A guardian must give consent before you can accept a job. We "
                         "have sent them a link; ask them to open it."),
    # offers and attendance (provider)
    "not_yours": _l("That was not found."),
    "offer_not_editable": _l("A published offer cannot be changed. Contact the "
                             "municipality."),
    "ages": _l("The highest age must not be lower than the lowest."),
    "weeks": _l("Choose when the offer takes place."),
    "job_in_round": _l("Summer jobs are shared out in a round; open sign-up is for "
                       "activities."),
    "round_needed": _l("Choose the round the places are shared out in."),
    "not_draft": _l("Only a draft can be sent for review."),
    "offer_not_deletable": _l("A published offer cannot be deleted: young people may have "
                              "chosen it. Close it instead."),
    "day": _l("That day is not one of the offer's days."),
    # priority and apart groups (caseworker)
    "automatic": _l("This group is worked out automatically: nobody can be put in it by "
                    "hand."),
    "expiry_past": _l("The date has passed. Give today's date or a later one."),
    "expiry_too_far": _l("The date is too far ahead. Give a date no later than %(date)s."),
    "membership_not_found": _l("That membership was not found."),
    "apart_invalid": _l("A line is not a valid personal identity number."),
    "apart_unknown": _l("A number belongs to no registered young person."),
    "apart_too_few": _l("Give at least two different young people."),
    "apart_group_not_found": _l("That group was not found."),
    # organisations and offer review (admin)
    "organisation_not_found": _l("That organisation was not found."),
    "not_submitted": _l("The offer is not waiting for review."),
    "organisation_not_approved": _l("Approve the organisation before publishing its offers."),
    # rounds, runs and late offers (rounds, allocation)
    "wrong_state": _STEP_NOT_POSSIBLE,
    "no_run": _STEP_NOT_POSSIBLE,
    "return_reason_needed": _l("Write what the provider should change before you return "
                               "the offer."),  # publishing before any run has succeeded
    "unknown_step": _l("That step does not exist."),
    "round_not_editable": _l("An allocated round can no longer be changed."),
    "round_not_closed": _l("Close the round before running the allocation."),
    "already_running": _l("A run of this round is already going on: wait for it, or stop it."),
    "not_running": _l("The run has already ended."),
    "still_closing": _l("The round's problem is still being frozen after closing: wait a "
                        "moment, then run the allocation."),
    "report_not_published": _l("The report can be counted once the offers have been sent."),
    "job_running": _l("This is already being done: follow its progress on its page."),
    "job_not_resumable": _l("This is still going on or already done: there is nothing to "
                            "continue."),
    "unknown_youth": _l("No young person in this round has that name, number or reference."),
    "several_youths": _l("Several young people in this round match: write more of the name, "
                         "or the personal identity number."),
    "unknown_offer": _l("No offer in this round has that title."),
    "several_offers": _l("Several offers in this round match: choose the whole title from "
                         "the list."),
    "unknown_override": _l("No such decision."),
    "not_published": _l("Places can be offered by hand once the round is published."),
    "full": _l("That offer has no free place."),
    "already_offered": _l("This young person already has this place or an offer of it."),
}


def error_text(error: DomainError, **values) -> str:
    """The sentence for ``error``, in the user's language. Placeholders are filled from
    the error's own ``params`` and ``values`` (which win)."""
    return text(error.code, **{**error.params, **values})


def text(code: str, **values) -> str:
    """The sentence for a rule's ``code``; ``UNKNOWN`` (and a log line) for a code
    without one or a sentence that lacks a value."""
    message = MESSAGES.get(code)
    if message is None:
        current_app.logger.error("No message for the domain error code %r", code)
        return str(UNKNOWN)
    try:
        return str(message) % {name: _shown(value) for name, value in values.items()}
    except (KeyError, TypeError, ValueError) as error:
        current_app.logger.error("The message for %r could not be filled in: %s", code,
                                 type(error).__name__)
        return str(UNKNOWN)


def state_name(state: RoundState) -> str:
    return str(ROUND_STATES[state])


def _shown(value):
    return state_name(value) if isinstance(value, RoundState) else value
