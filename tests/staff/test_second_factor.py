"""Staff log in with a password and a code from an authenticator app."""
from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import Role, User

from .. import factories
from ..conftest import log_in

pytestmark = pytest.mark.staff


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.CASEWORKER])
def test_password_alone_does_not_open_staff_pages(app, users, role):
    client = app.test_client()
    response = log_in(client, users[role].email)
    assert response.headers["Location"].startswith("/login/code")
    home = {Role.ADMINISTRATOR: "/admin/", Role.CASEWORKER: "/caseworker/"}[role]
    assert client.get(home).headers["Location"].startswith("/login/code")
    wrong = client.post("/login/code", data={"code": "000000"})
    assert 'aria-invalid="true"' in wrong.get_data(as_text=True)
    code = pyotp.TOTP(users[role].totp_secret).now()
    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert client.get(home).status_code == 200


def test_youths_and_providers_need_no_code(client_as):
    assert client_as(Role.YOUTH).get("/youth/").status_code == 200


def test_first_login_sets_up_the_authenticator(app):
    with app.app_context():
        factories.user(Role.ADMINISTRATOR, email="new.admin@test.example", totp_secret=None)
        db.session.commit()
    client = app.test_client()
    log_in(client, "new.admin@test.example")
    page = client.get("/login/code").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page
    secret = re.search(r"<code[^>]*>([A-Z2-7]{32})</code>", page).group(1)
    client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "new.admin@test.example"))
        assert user.totp_secret == secret


def test_guessing_codes_is_throttled(app, users):
    client = app.test_client()
    log_in(client, users[Role.CASEWORKER].email)
    for _ in range(5):
        client.post("/login/code", data={"code": "123456"})
    code = pyotp.TOTP(users[Role.CASEWORKER].totp_secret).now()
    page = client.post("/login/code", data={"code": code}).get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert client.get("/caseworker/").status_code == 302


def test_a_code_works_only_once(app, users):
    code = pyotp.TOTP(users[Role.ADMINISTRATOR].totp_secret).now()
    first = app.test_client()
    log_in(first, users[Role.ADMINISTRATOR].email)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    second = app.test_client()  # someone who saw the code being typed
    log_in(second, users[Role.ADMINISTRATOR].email)
    page = second.post("/login/code", data={"code": code}).get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert second.get("/admin/").status_code == 302
