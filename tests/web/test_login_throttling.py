"""Login throttling (issue 9, item 8): guessing stays slow, but one pupil behind a
school's NAT cannot lock out the school, and a guesser cannot lock a youth out of
their own phone.

Failures are counted per account from one address and per account from everywhere,
never per address alone. Time passes in these tests by moving the recorded failures
back (``pass_time``), not by waiting.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from flask_babel import force_locale, ngettext
from markupsafe import escape

from youth_app import security
from youth_app.auth import second_factor
from youth_app.extensions import db
from youth_app.models import LoginAttempt, LoginSession, Role, User

from .. import factories

pytestmark = pytest.mark.hardening

SCHOOL = "192.0.2.10"  # one NAT address for a whole school
HOME = "198.51.100.7"


def client_at(app, address: str):
    """A browser of its own, whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def log_in(client, email: str, password: str = factories.PASSWORD, language: str = "en"):
    return client.post("/login", data={"email": email, "password": password},
                       headers={"Accept-Language": language})


def youths(app, count: int) -> list[str]:
    with app.app_context():
        made = [factories.user(Role.YOUTH) for _ in range(count)]
        db.session.commit()
        return [user.email for user in made]


def pass_time(app, minutes: int) -> None:
    """As if ``minutes`` had passed since every failure recorded so far."""
    with app.app_context():
        for attempt in db.session.scalars(sa.select(LoginAttempt)):
            attempt.at -= timedelta(minutes=minutes)
        db.session.commit()


def wait_text(app, minutes: int, language: str = "en") -> str:
    """The message a person is shown for a wait of ``minutes``, as translated."""
    with app.test_request_context(), force_locale(language):
        return str(escape(ngettext(
            "Too many failed attempts. Wait %(num)d minute and try again, or choose a "
            "new password.",
            "Too many failed attempts. Wait %(num)d minutes and try again, or choose a "
            "new password.", minutes)))


def fail(app, email: str, times: int, address: str = SCHOOL) -> None:
    client = client_at(app, address)
    for _ in range(times):
        assert log_in(client, email, "wrong password").status_code == 200


def test_forty_wrong_passwords_at_one_school_do_not_lock_out_a_forty_first_youth(app):
    *others, pupil = youths(app, 41)
    school = client_at(app, SCHOOL)
    for email in others:
        assert log_in(school, email, "wrong password").status_code == 200
    assert log_in(school, pupil).status_code == 302


def test_five_failures_make_that_address_wait_but_not_another(app):
    alva, = youths(app, 1)
    fail(app, alva, 5, address=SCHOOL)
    refused = log_in(client_at(app, SCHOOL), alva)  # even the right password waits
    assert refused.status_code == 429
    assert wait_text(app, 1) in refused.get_data(as_text=True)
    assert log_in(client_at(app, HOME), alva).status_code == 302


def test_the_wait_doubles_with_each_further_failure_up_to_fifteen_minutes(app):
    alva, = youths(app, 1)
    fail(app, alva, 5)
    shown = []
    for _ in range(6):
        page = log_in(client_at(app, SCHOOL), alva)
        assert page.status_code == 429
        text = page.get_data(as_text=True)
        shown.append(next(m for m in range(1, 61) if wait_text(app, m) in text))
        pass_time(app, shown[-1])
        fail(app, alva, 1)  # the wait is over: this one is checked, and wrong
    assert shown == [1, 2, 4, 8, 15, 15]


def test_a_right_password_forgives_that_address_only(app):
    alva, = youths(app, 1)
    fail(app, alva, 3, address=SCHOOL)
    fail(app, alva, 2, address=HOME)
    assert log_in(client_at(app, SCHOOL), alva).status_code == 302
    with app.app_context():
        left = db.session.scalars(sa.select(LoginAttempt.ip_address)).all()
    assert left == [HOME, HOME]


def test_guessing_from_many_addresses_slows_the_account_but_not_its_known_phone(app):
    alva, = youths(app, 1)
    phone = client_at(app, HOME)
    assert log_in(phone, alva).status_code == 302
    phone.post("/logout")
    answers = [log_in(client_at(app, f"203.0.113.{n}"), alva, "guess").status_code
               for n in range(1, 26)]
    assert answers == [200] * 20 + [429] * 5
    assert log_in(client_at(app, "203.0.113.200"), alva).status_code == 429
    phone.environ_base["REMOTE_ADDR"] = "203.0.113.201"  # the phone, on another network
    assert log_in(phone, alva).status_code == 302


def test_a_known_device_still_waits_for_its_own_failures(app):
    alva, = youths(app, 1)
    phone = client_at(app, HOME)
    assert log_in(phone, alva).status_code == 302
    phone.post("/logout")
    for _ in range(5):
        assert log_in(phone, alva, "wrong password").status_code == 200
    assert log_in(phone, alva).status_code == 429


@pytest.mark.parametrize("cookie", ["someone else's", "signed with another key"])
def test_only_the_accounts_own_device_cookie_spares_it(app, app_factory, cookie):
    alva, bo = youths(app, 2)
    browser = client_at(app, HOME)
    if cookie == "someone else's":
        assert log_in(browser, bo).status_code == 302
        browser.post("/logout")
    else:  # Alva's cookie as another site (another secret key) would make it
        elsewhere = client_at(app_factory(SECRET_KEY="another key"), HOME)
        assert log_in(elsewhere, alva).status_code == 302
        forged = elsewhere.get_cookie(security.KNOWN_DEVICE_COOKIE).value
        browser.set_cookie(security.KNOWN_DEVICE_COOKIE, forged)
    for n in range(20):
        log_in(client_at(app, f"203.0.113.{n}"), alva, "guess")
    assert log_in(browser, alva).status_code == 429


def test_a_new_password_ends_the_known_device(app):
    """Whoever chose the new password may not trust every browser the old one reached."""
    alva, = youths(app, 1)
    phone = client_at(app, HOME)
    assert log_in(phone, alva).status_code == 302
    phone.post("/logout")
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == alva))
        user.password_hash = security.hash_password("a brand new password")
        db.session.commit()
    for n in range(20):
        log_in(client_at(app, f"203.0.113.{n}"), alva, "guess")
    assert log_in(phone, alva, "a brand new password").status_code == 429


def test_the_known_device_cookie_is_http_only_and_long_lived(app):
    alva, = youths(app, 1)
    response = log_in(client_at(app, HOME), alva)
    header = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith(security.KNOWN_DEVICE_COOKIE + "="))
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert f"Max-Age={365 * 24 * 3600}" in header
    assert alva not in header  # the cookie names the account by id, signed


@pytest.mark.parametrize("language", ["sv", "en", "ar"])
def test_the_429_page_says_how_long_to_wait_in_the_users_language(app, language):
    alva, = youths(app, 1)
    client = client_at(app, SCHOOL)
    for _ in range(5):
        log_in(client, alva, "wrong password", language=language)
    page = log_in(client, alva, language=language)
    assert page.status_code == 429
    text = page.get_data(as_text=True)
    assert wait_text(app, 1, language) in text and f'lang="{language}"' in text


# The staff's second factor follows the same rule for wrong codes.

@pytest.fixture
def caseworker(app) -> factories.UserRef:
    with app.app_context():
        user = factories.user(Role.CASEWORKER)
        db.session.commit()
        return factories.UserRef(user.id, user.email, Role.CASEWORKER, user.totp_secret)


def _at_second_step(app, caseworker, address: str):
    client = client_at(app, address)
    assert log_in(client, caseworker.email).headers["Location"].startswith("/login/code")
    return client


def _code_text(app, minutes: int) -> str:
    with app.test_request_context(), force_locale("en"):
        return str(escape(ngettext("Too many wrong codes. Wait %(num)d minute and try again.",
                                   "Too many wrong codes. Wait %(num)d minutes and try again.",
                                   minutes)))


def _send_code(client, code: str):
    return client.post("/login/code", data={"code": code}, headers={"Accept-Language": "en"})


def test_wrong_codes_make_that_address_wait_but_not_another(app, caseworker):
    guesser = _at_second_step(app, caseworker, SCHOOL)
    for _ in range(4):
        assert _send_code(guesser, "000000").status_code == 200
    fifth = _send_code(guesser, "000000")  # says at once that the wait has begun
    assert fifth.status_code == 429 and _code_text(app, 1) in fifth.get_data(as_text=True)
    right = pyotp.TOTP(caseworker.totp_secret).now()
    refused = _send_code(guesser, right)
    assert refused.status_code == 429 and _code_text(app, 1) in refused.get_data(as_text=True)
    assert guesser.get("/caseworker/").status_code == 302
    owner = _at_second_step(app, caseworker, HOME)
    assert _send_code(owner, right).headers["Location"] == "/caseworker/"


def test_wrong_codes_from_many_addresses_slow_the_account_everywhere(app, caseworker):
    answers = [_send_code(_at_second_step(app, caseworker, f"203.0.113.{n}"),
                          "000000").status_code for n in range(20)]
    assert answers == [200] * 19 + [429]
    owner = _at_second_step(app, caseworker, HOME)
    refused = _send_code(owner, pyotp.TOTP(caseworker.totp_secret).now())
    assert refused.status_code == 429 and _code_text(app, 1) in refused.get_data(as_text=True)


def test_a_code_works_once_even_for_two_requests_at_the_same_moment(app, caseworker):
    """Two requests with the same code: the slower one read the account before the
    faster one used the code (each request has its own thread and database session)."""
    code = pyotp.TOTP(caseworker.totp_secret).now()
    faster = _at_second_step(app, caseworker, SCHOOL)
    answers = []
    with app.test_request_context(environ_base={"REMOTE_ADDR": HOME}):
        user = db.session.get(User, caseworker.id)
        assert user.totp_last_step is None
        db.session.expunge(user)  # kept as read, while the read itself ends
        db.session.rollback()
        other = threading.Thread(target=lambda: answers.append(_send_code(faster, code)))
        other.start()
        other.join()
        assert answers[0].headers["Location"] == "/caseworker/"
        login = LoginSession(user=user)
        db.session.add(login)
        assert not second_factor.verify(login, code)
        db.session.rollback()


def test_an_unknown_address_costs_a_password_check_like_a_known_one(app, monkeypatch):
    """No timing oracle: the argon2 check runs whether or not the account exists."""
    from youth_app import security

    checked, real = [], security._hasher

    class Counting:
        def __getattr__(self, name):
            return getattr(real, name)

        def verify(self, *args):
            checked.append(1)
            return real.verify(*args)

    monkeypatch.setattr(security, "_hasher", Counting())
    app.test_client().post("/login", data={"email": "nobody@nowhere.example",
                                           "password": "gissning"})
    assert checked == [1]
