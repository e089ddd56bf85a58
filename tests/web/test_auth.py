"""Registration, confirmation, login, logout and password reset, as a user meets them."""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import force_locale, gettext, ngettext
from markupsafe import escape

from youth_app.extensions import db
from youth_app.identity import with_check_digit
from youth_app.models import AuditEvent, LoginAttempt, OutgoingMessage, Role, User

from .. import factories
from ..conftest import log_in


def _link(app, kind: str, recipient: str) -> str:
    with app.app_context():
        message = db.session.scalar(
            sa.select(OutgoingMessage).where(OutgoingMessage.kind == kind,
                                             OutgoingMessage.recipient == recipient)
            .order_by(OutgoingMessage.id.desc()))
        assert message is not None, f"no {kind} message to {recipient}"
        return re.search(r"https?://\S+", message.body).group(0)


def _said(app, msgid: str) -> str:
    """A text as the page shows it: in Swedish, HTML-escaped."""
    with app.test_request_context(), force_locale("sv"):
        return str(escape(gettext(msgid)))


def _district_id(app) -> int:
    with app.app_context():
        district = factories.district("Skaftö")
        db.session.commit()
        return district.id


def youth_form(app, **changes) -> dict:
    data = {"first_name": "Sara", "last_name": "Hassan",
            "personal_number": "20" + with_check_digit("1005141234"[:9]),
            "email": "sara@example.se", "phone": "0701234567",
            "district": str(_district_id(app)), "password": "sommarlov i skärgården",
            "confirm": "sommarlov i skärgården", "accept_privacy": "y"}
    data.update(changes)
    return data


def test_youth_registers_confirms_and_logs_in(app, client):
    response = client.post("/register/youth", data=youth_form(app))
    assert response.status_code == 200
    assert "sara@example.se" in response.get_data(as_text=True)
    # Not confirmed yet: the login says what to do.
    refused = log_in(client, "sara@example.se", "sommarlov i skärgården")
    assert refused.status_code == 200
    assert "/confirm" in refused.get_data(as_text=True)
    link = _link(app, "auth.confirm_email", "sara@example.se")
    assert client.get(link).status_code == 302
    response = log_in(client, "sara@example.se", "sommarlov i skärgården")
    assert response.headers["Location"] == "/youth/"
    page = client.get("/youth/").get_data(as_text=True)
    assert "Sara" in page and "2010-05-14" in page


def test_invalid_personal_number_is_explained_and_input_kept(app, client):
    response = client.post("/register/youth",
                           data=youth_form(app, personal_number="20100514-1235"))
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert _said(app, "This is not a valid personal identity number. Write 12 digits, "
                      "for example 20100514-1234.") in page
    assert "20100514-1235" in page  # what was typed is still there
    assert 'value="Sara"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_samordningsnummer_is_accepted(app, client):
    number = "20" + with_check_digit("100574123")  # day 74 = 14 + 60
    client.post("/register/youth", data=youth_form(app, personal_number=number))
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.youth_profile.date_of_birth.isoformat() == "2010-05-14"


def test_second_account_with_same_email_is_refused(app, client, users):
    email = users[Role.ADMINISTRATOR].email
    response = client.post("/register/youth", data=youth_form(app, email=email))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert _said(app, "An account with this e-mail address exists. Log in, or choose a new "
                      "password if you forgot it.") in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))
                                 .where(User.email == email)) == 1


def test_provider_registers_an_unapproved_organisation(app, client):
    data = {"organisation_name": "Skaftö Kajakklubb", "kind": "association",
            "org_number": with_check_digit("802456984"), "contact_name": "Kim",
            "phone": "", "email": "kim@kajak.example", "password": "paddla hela sommaren",
            "confirm": "paddla hela sommaren", "accept_terms": "y"}
    assert client.post("/register/provider", data=data).status_code == 200
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "kim@kajak.example"))
        assert user.role is Role.PROVIDER
        assert user.organisation.name == "Skaftö Kajakklubb"
        assert not user.organisation.approved


def test_invalid_organisation_number_is_refused(app, client):
    data = {"organisation_name": "X", "kind": "business", "org_number": "1234567890",
            "contact_name": "Kim", "email": "kim@x.example", "password": "a" * 12,
            "confirm": "a" * 12, "accept_terms": "y"}
    response = client.post("/register/provider", data=data)
    assert 'id="org_number-error"' in response.get_data(as_text=True)


def test_wrong_password_gives_a_message_and_no_session(app, client, users):
    response = log_in(client, users[Role.YOUTH].email, "wrong password")
    assert response.status_code == 200
    with app.test_request_context(), force_locale("sv"):
        message = gettext("The e-mail address or the password is wrong.")
    assert str(escape(message)) in response.get_data(as_text=True)
    assert client.get("/youth/").status_code == 302


def test_login_is_throttled_after_repeated_failures(app, client, users):
    email = users[Role.YOUTH].email
    for _ in range(5):
        assert log_in(client, email, "wrong password").status_code == 200
    response = log_in(client, email)  # even the right password waits now
    assert response.status_code == 429
    with app.test_request_context(), force_locale("sv"):
        wait = ngettext("Too many failed attempts. Wait %(num)d minute and try again, or "
                        "choose a new password.", "Too many failed attempts. Wait %(num)d "
                        "minutes and try again, or choose a new password.", 1)
    assert str(escape(wait)) in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LoginAttempt.id))) == 5


def test_logout_ends_the_session_even_for_a_copied_cookie(app, client_as):
    client = client_as(Role.ADMINISTRATOR)
    cookie = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/admin/").status_code == 200
    client.post("/logout")
    assert thief.get("/admin/").status_code == 302
    assert client.get("/admin/").status_code == 302


def test_login_starts_a_fresh_session(app, client, users):
    client.get("/login")
    before = client.get_cookie("session")
    log_in(client, users[Role.YOUTH].email)
    after = client.get_cookie("session")
    assert after is not None and (before is None or before.value != after.value)


def test_login_redirects_only_to_local_pages(client, users):
    response = client.post("/login?next=//evil.example/", data={
        "email": users[Role.YOUTH].email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/youth/"


def test_password_reset_works_once(app, client, users):
    email = users[Role.PROVIDER].email
    client.post("/password/forgot", data={"email": email})
    link = _link(app, "auth.reset_password", email)
    new = "a brand new password"
    response = client.post(link, data={"password": new, "confirm": new})
    assert response.headers["Location"] == "/login"
    assert log_in(client, email, new).status_code == 302
    reused = app.test_client().get(link)
    assert reused.status_code == 302 and "/password/forgot" in reused.headers["Location"]


def test_reset_for_unknown_address_says_the_same_and_sends_nothing(app, client, users):
    known = users[Role.YOUTH].email
    to_known = client.post("/password/forgot", data={"email": known}).get_data(as_text=True)
    response = client.post("/password/forgot", data={"email": "nobody@example.se"})
    to_unknown = response.get_data(as_text=True)
    assert "nobody@example.se" in to_unknown
    assert to_unknown.replace("nobody@example.se", "ADDRESS") == to_known.replace(known, "ADDRESS")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutgoingMessage.id)).where(
            OutgoingMessage.recipient == "nobody@example.se")) == 0


def test_logins_and_failures_are_audited(app, client, users):
    log_in(client, users[Role.CASEWORKER].email, "nope")
    log_in(client, users[Role.CASEWORKER].email)
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["auth.login_failed", "auth.login"]
