"""Who may reach which page: one table, checked before every request.

Every endpoint must be in ``RULES``. An endpoint missing from it is refused for
everyone (fail closed), and ``tests/web/test_access.py`` fails until it is added.
Object-level checks (a youth sees only their own data) live in each feature's
services; this table decides only which roles reach a page at all.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .models import Role

PUBLIC = "public"
SIGNED_IN = "signed-in"
#: An administrator who also holds the auditor permission (``User.auditor``): reads the
#: full, pseudonymous problem and result of a round, with its priority groups.
AUDITOR = "auditor"

YOUTH = frozenset({Role.YOUTH})
PROVIDER = frozenset({Role.PROVIDER})
CASEWORKER = frozenset({Role.CASEWORKER})
ADMINISTRATOR = frozenset({Role.ADMINISTRATOR})
STAFF = CASEWORKER | ADMINISTRATOR

RULES: dict[str, str | frozenset[Role]] = {
    "static": PUBLIC,
    "main.index": PUBLIC,
    "main.accessibility": PUBLIC,
    "main.privacy": PUBLIC,
    "main.help_page": PUBLIC,
    "main.set_language": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": SIGNED_IN,
    "auth.second_factor": SIGNED_IN,
    "auth.register": PUBLIC,
    "auth.register_youth": PUBLIC,
    "auth.register_provider": PUBLIC,
    "auth.confirm_email": PUBLIC,
    "auth.resend_confirmation": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.reset_password": PUBLIC,
    "catalogue.index": PUBLIC,
    "catalogue.show": PUBLIC,
    "consent.give": PUBLIC,
    "consent.send_code": PUBLIC,
    "consent.verify": PUBLIC,
    "consent.decline": PUBLIC,
    "consent.question": PUBLIC,
    "consent.language": PUBLIC,
    "health.alive": PUBLIC,
    "health.ready": PUBLIC,
    "youth.home": YOUTH,
    "youth.answer": YOUTH,
    "youth.confirm_decline": YOUTH,
    "youth.result": YOUTH,
    "youth.profile": YOUTH,
    "youth.my_data": YOUTH,
    "youth.my_data_json": YOUTH,
    "youth.remove_account": YOUTH,
    "youth.choices": YOUTH,
    "youth.change_choice": YOUTH,
    "youth.reorder_choices": YOUTH,
    "youth.change_friends": YOUTH,
    "youth.sign_up": YOUTH,
    "youth.cancel_sign_up": YOUTH,
    "provider.home": PROVIDER,
    "provider.edit_offer": PROVIDER,
    "provider.offer": PROVIDER,
    "provider.change_offer": PROVIDER,
    "provider.copy_offer": PROVIDER,
    "provider.confirm_delete": PROVIDER,
    "provider.delete_offer": PROVIDER,
    "provider.export_participants": PROVIDER,
    "provider.print_participants": PROVIDER,
    "provider.confirm_start": PROVIDER,
    "provider.attendance": PROVIDER,
    "provider.invite": PROVIDER,
    "caseworker.home": CASEWORKER,
    "caseworker.group": CASEWORKER,
    "caseworker.summer": CASEWORKER,
    "caseworker.youth": CASEWORKER,
    "caseworker.remove_membership": CASEWORKER,
    "caseworker.import_csv": CASEWORKER,
    "caseworker.confirm_import": CASEWORKER,
    "caseworker.import_job": CASEWORKER,
    "caseworker.import_progress": CASEWORKER,
    "caseworker.resume_import": CASEWORKER,
    "caseworker.apart": CASEWORKER,
    "caseworker.remove_apart": CASEWORKER,
    "admin.home": ADMINISTRATOR,
    "reports.index": ADMINISTRATOR,
    "reports.season": ADMINISTRATOR,
    "reports.count": ADMINISTRATOR,
    "reports.export": ADMINISTRATOR,
    "reports.audit": ADMINISTRATOR,
    "rounds.index": ADMINISTRATOR,
    "rounds.edit": ADMINISTRATOR,
    "rounds.show": ADMINISTRATOR,
    "rounds.offer_suggestions": ADMINISTRATOR,
    "rounds.step": ADMINISTRATOR,
    "rounds.confirm_publish": ADMINISTRATOR,
    "rounds.job": ADMINISTRATOR,
    "rounds.job_progress": ADMINISTRATOR,
    "rounds.resume_job": ADMINISTRATOR,
    "rounds.start_run": ADMINISTRATOR,
    "rounds.stop_run": ADMINISTRATOR,
    "rounds.run": STAFF,
    "rounds.run_progress": STAFF,
    "rounds.explain_youth": STAFF,
    "rounds.add_override": ADMINISTRATOR,
    "rounds.remove_override": ADMINISTRATOR,
    "rounds.offer_by_hand": ADMINISTRATOR,
    "rounds.public": PUBLIC,
    "rounds.public_file": PUBLIC,
    "rounds.audit_closing_problem": AUDITOR,
    "rounds.audit_file": AUDITOR,
    "admin.messages": ADMINISTRATOR,
    "admin.organisations": ADMINISTRATOR,
    "admin.approve_organisation": ADMINISTRATOR,
    "admin.offers": ADMINISTRATOR,
    "admin.review_offer": ADMINISTRATOR,
    "admin.hours": ADMINISTRATOR,
    "admin.export_hours": ADMINISTRATOR,
    "admin.consents": ADMINISTRATOR,
    "admin.record_consent": ADMINISTRATOR,
}


def home_endpoint(role: Role) -> str:
    """Where each role lands after logging in."""
    return {Role.YOUTH: "youth.home", Role.PROVIDER: "provider.home",
            Role.CASEWORKER: "caseworker.home", Role.ADMINISTRATOR: "admin.home"}[role]


def check_access():
    """``before_request`` hook: let the request through, send to login, or refuse."""
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: the 404 handler answers
        return None
    rule = RULES.get(endpoint)
    if rule is None:
        current_app.logger.error("Endpoint %s is missing from access.RULES", endpoint)
        abort(403)
    if rule == PUBLIC:
        return None
    if not current_user.is_authenticated:
        flash(_("Please log in to see that page."), "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if _second_factor_missing() and endpoint not in SECOND_FACTOR_FREE:
        return redirect(url_for("auth.second_factor", next=request.full_path.rstrip("?")))
    if rule == AUDITOR:
        if not current_user.may_audit:
            abort(403)
    elif rule != SIGNED_IN and current_user.role not in rule:
        abort(403)
    return None


#: What a staff member may do between the password and the code.
SECOND_FACTOR_FREE = frozenset({"auth.second_factor", "auth.logout"})


def _second_factor_missing() -> bool:
    return current_user.login.needs_second_factor
