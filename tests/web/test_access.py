"""Every route, every role, against the table of who may do what.

``EXPECTED`` is written here, by hand, apart from ``youth_app.access.RULES``: the test
fails when a route is added without being listed here, and when what a role can reach
differs from what this table says.
"""
from __future__ import annotations

import pytest

from youth_app.models import Role

ANYONE = "anyone"
SIGNED_IN = "signed in"
#: Administrators with the auditor permission only; the ``users`` administrator has none
#: (tests/hardening/test_confidential.py checks that an auditor gets in).
AUDITORS = "auditors"
Y, P, C, A = Role.YOUTH, Role.PROVIDER, Role.CASEWORKER, Role.ADMINISTRATOR

EXPECTED: dict[str, object] = {
    "static": ANYONE,
    "main.index": ANYONE,
    "main.accessibility": ANYONE,
    "main.privacy": ANYONE,
    "main.help_page": ANYONE,
    "main.set_language": ANYONE,
    "auth.login": ANYONE,
    "auth.logout": SIGNED_IN,
    "auth.second_factor": SIGNED_IN,
    "auth.register": ANYONE,
    "auth.register_youth": ANYONE,
    "auth.register_provider": ANYONE,
    "auth.confirm_email": ANYONE,
    "auth.resend_confirmation": ANYONE,
    "auth.forgot_password": ANYONE,
    "auth.reset_password": ANYONE,
    "catalogue.index": ANYONE,
    "catalogue.show": ANYONE,
    "consent.give": ANYONE,
    "consent.send_code": ANYONE,
    "consent.verify": ANYONE,
    "consent.decline": ANYONE,
    "consent.question": ANYONE,
    "consent.language": ANYONE,
    "health.alive": ANYONE,
    "health.ready": ANYONE,
    "youth.home": {Y},
    "youth.answer": {Y},
    "youth.confirm_decline": {Y},
    "youth.result": {Y},
    "youth.profile": {Y},
    "youth.my_data": {Y},
    "youth.my_data_json": {Y},
    "youth.remove_account": {Y},
    "youth.choices": {Y},
    "youth.change_choice": {Y},
    "youth.reorder_choices": {Y},
    "youth.change_friends": {Y},
    "youth.sign_up": {Y},
    "youth.cancel_sign_up": {Y},
    "provider.home": {P},
    "provider.edit_offer": {P},
    "provider.offer": {P},
    "provider.change_offer": {P},
    "provider.copy_offer": {P},
    "provider.confirm_delete": {P},
    "provider.delete_offer": {P},
    "provider.export_participants": {P},
    "provider.print_participants": {P},
    "provider.confirm_start": {P},
    "provider.attendance": {P},
    "provider.invite": {P},
    "caseworker.home": {C},
    "caseworker.group": {C},
    "caseworker.summer": {C},
    "caseworker.youth": {C},
    "caseworker.remove_membership": {C},
    "caseworker.import_csv": {C},
    "caseworker.confirm_import": {C},
    "caseworker.import_job": {C},
    "caseworker.import_progress": {C},
    "caseworker.resume_import": {C},
    "caseworker.apart": {C},
    "caseworker.remove_apart": {C},
    "admin.home": {A},
    "reports.index": {A},
    "reports.season": {A},
    "reports.count": {A},
    "reports.export": {A},
    "reports.audit": {A},
    "rounds.index": {A},
    "rounds.edit": {A},
    "rounds.show": {A},
    "rounds.offer_suggestions": {A},
    "rounds.step": {A},
    "rounds.confirm_publish": {A},
    "rounds.job": {A},
    "rounds.job_progress": {A},
    "rounds.resume_job": {A},
    "rounds.start_run": {A},
    "rounds.stop_run": {A},
    "rounds.run": {C, A},
    "rounds.run_progress": {C, A},
    "rounds.explain_youth": {C, A},
    "rounds.add_override": {A},
    "rounds.remove_override": {A},
    "rounds.offer_by_hand": {A},
    "rounds.public": ANYONE,
    "rounds.public_file": ANYONE,
    "rounds.audit_closing_problem": AUDITORS,
    "rounds.audit_file": AUDITORS,
    "admin.messages": {A},
    "admin.organisations": {A},
    "admin.approve_organisation": {A},
    "admin.offers": {A},
    "admin.review_offer": {A},
    "admin.hours": {A},
    "admin.export_hours": {A},
    "admin.consents": {A},
    "admin.record_consent": {A},
}

#: Values for URL parameters of one endpoint, where the general ones below do not fit.
ENDPOINT_ARGUMENTS = {"provider.change_offer": {"action": "submit"},
                      "rounds.step": {"action": "open"}}
#: Values for URL parameters, by name.
ARGUMENTS = {"filename": "css/app.css", "token": "not-a-valid-token", "round_id": 1,
             "offer_id": 1, "action": "add", "placement_id": 1, "answer": "accept",
             "fmt": "csv", "organisation_id": 1, "decision": "publish",
             "run_id": 1, "override_id": 1, "what": "problem",
             "group_id": 1, "youth_id": 1, "membership_id": 1,
             "reference": "Y1", "job_id": 1}


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - EXPECTED.keys() == set(), "add new routes to EXPECTED"
    assert EXPECTED.keys() - endpoints == set(), "remove routes that no longer exist"


def _requests(app):
    """One (endpoint, method, url) per route, GET where it exists."""
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
            method = "GET" if "GET" in rule.methods else "POST"
            args = {name: ENDPOINT_ARGUMENTS.get(rule.endpoint, ARGUMENTS).get(
                name, ARGUMENTS[name]) for name in rule.arguments}
            yield rule.endpoint, method, url_for(rule.endpoint, **args)


def _refusal_text(app) -> str:
    """The 403 page's heading, in Swedish, as the catalogue has it."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("sv"):
        return gettext("You do not have access to this page")


def _allowed(rule, role) -> bool:
    if rule == ANYONE:
        return True
    if rule == AUDITORS:
        return False
    if rule == SIGNED_IN:
        return role is not None
    return role in rule


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_each_role_reaches_exactly_what_the_table_allows(app, client, client_as, role):
    browser = client_as(role) if role else client
    for endpoint, method, url in _requests(app):
        response = browser.open(url, method=method)
        response.close()  # static files are streamed; close them
        went_to_login = response.status_code == 302 and \
            response.headers["Location"].startswith("/login")
        if _allowed(EXPECTED[endpoint], role):
            assert response.status_code != 403 and not went_to_login, (endpoint, role)
        elif role is None:
            assert went_to_login, (endpoint, response.status_code)
        else:
            assert response.status_code == 403, (endpoint, role, response.status_code)
            assert _refusal_text(app) in response.get_data(as_text=True)
        if endpoint == "auth.logout" and role:
            browser = client_as(role)  # that request logged us out; log in again


def test_a_route_missing_from_the_access_rules_is_refused(app, client_as, monkeypatch):
    from youth_app import access

    monkeypatch.delitem(access.RULES, "admin.messages")
    assert client_as(Role.ADMINISTRATOR).get("/admin/messages").status_code == 403
