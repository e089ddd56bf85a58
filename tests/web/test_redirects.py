"""Open redirects (issue 9, item 4): a ``next`` page given in a link never sends the
user to another site, however it is disguised, and never breaks the request.

Each trick is written as it would stand in a link (``%09`` is a tab, as in the review's
finding); the app receives it decoded once, as from a browser. Where the app sends the
user is read as a browser reads a ``Location`` header (``lands_on``), not as Python does.
"""
from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

import pyotp
import pytest

from youth_app.extensions import db
from youth_app.models import Role

from .. import factories
from ..conftest import forget_used_code, log_in

pytestmark = pytest.mark.hardening

#: Open-redirect tricks from the OWASP and PayloadsAllTheThings lists, and more.
TRICKS = [
    # another host, written plainly or with extra or backward slashes
    "//evil.example", "//evil.example/login", "///evil.example", "////evil.example",
    "/\\evil.example", "\\\\evil.example", "\\/evil.example", "/\\/evil.example",
    "//\\evil.example", "/%5Cevil.example", "%5C%5Cevil.example", "/%5C/evil.example",
    # tab, CR and LF, which browsers drop anywhere; C0 controls and spaces at the start
    "/%09/evil.example", "/\t/evil.example", "%09//evil.example", "/%0a/evil.example",
    "/%0d/evil.example", "/%0d%0a/evil.example", "//%09/evil.example", "%0a//evil.example",
    "%01//evil.example", "\x01//evil.example", "%00//evil.example", "%1f//evil.example",
    "%20//evil.example", "  //evil.example", "/ /evil.example", "/%7f/evil.example",
    # header injection through CR/LF
    "/%0d%0aLocation:%20http://evil.example", "/%0d%0aSet-Cookie:%20session=stolen",
    "/youth/%0d%0a%0d%0a<script>alert(1)</script>",
    # encoded once more, for a layer that decodes twice
    "%2F%2Fevil.example", "/%2F%2Fevil.example", "/%252F%252Fevil.example",
    "/%255Cevil.example", "/%2509/evil.example", "%252F%252Fevil.example",
    # dot segments that leave two slashes at the start
    "/.//evil.example", "/./../..//evil.example", "/youth/..//evil.example",
    "/%2e%2e//evil.example", "/%252e%252e//evil.example",
    # schemes, user info and hosts that look like ours
    "https://evil.example", "http://evil.example", "HtTpS://evil.example",
    "https:evil.example", "https:/evil.example", "http:///evil.example",
    "http://127.0.0.1@evil.example", "http://localhost@evil.example",
    "//localhost@evil.example", "//localhost%40evil.example", "http://evil.example\\@localhost",
    "http://localhost.evil.example", "http://[::ffff:7f00:1]@evil.example",
    "ftp://evil.example", "evil.example", "@evil.example",
    # script and data URLs
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "javascript://%0aalert(1)",
    " javascript:alert(1)", "%09javascript:alert(1)", "java%09script:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:msgbox(1)",
    # Unicode look-alikes, spaces and invisible characters
    "／／evil.example", "/／evil.example", "%EF%BC%8F%EF%BC%8Fevil.example",
    "/%EF%BC%8Fevil.example", "/\u3002evil.example", "//evil%E3%80%82example",
    "//evil\u3002example", "\u3000//evil.example", "/\u3000/evil.example",
    "\u200b//evil.example", "\ufeff//evil.example", "%E2%80%AE//evil.example",
    "/%C2%A0/evil.example", "\u2028//evil.example",
]

#: Pages of ours, and the ``Location`` each must give.
LEGITIMATE = [
    ("/youth/", "/youth/"),
    ("/offers/?kind=job&week=2027-W25", "/offers/?kind=job&week=2027-W25"),
    ("/offers/?q=båt", "/offers/?q=b%C3%A5t"),
    ("/youth/rounds/1/choices#choice-3", "/youth/rounds/1/choices#choice-3"),
]

APP_URL = "http://localhost/login"
C0_AND_SPACE = "".join(map(chr, range(0x21)))


def lands_on(location: str):
    """Where a browser goes for ``location`` sent by a page of ours: the WHATWG URL
    parser first drops C0 controls and spaces at both ends and tab, CR and LF inside,
    and reads a backslash as a slash in http(s) URLs; then it resolves as RFC 3986."""
    cleaned = re.sub("[\t\r\n]", "", location.strip(C0_AND_SPACE)).replace("\\", "/")
    return urlsplit(urljoin(APP_URL, cleaned))


def assert_stays_here(response, trick: str = "") -> None:
    if response.status_code == 400 and "\x00" in as_received(trick):
        return  # a NUL byte is refused before any view (youth_app.untrusted): no redirect
    assert response.status_code in (302, 303), (response.status_code, response.data[:300])
    location = response.headers["Location"]
    destination = lands_on(location)
    assert (destination.scheme, destination.hostname) == ("http", "localhost"), location


def as_received(trick: str) -> str:
    """What the app reads from the query string or form of a link holding ``trick``."""
    return unquote(trick)


@pytest.fixture
def youth(app) -> factories.UserRef:
    with app.app_context():
        user = factories.user(Role.YOUTH)
        db.session.commit()
        return factories.UserRef(user.id, user.email, Role.YOUTH)


def _log_in_with_next(app, youth, target: str):
    return app.test_client().post("/login", query_string={"next": target},
                                  data={"email": youth.email, "password": factories.PASSWORD})


@pytest.mark.parametrize("trick", TRICKS)
def test_login_sends_only_to_this_site(app, youth, trick):
    assert_stays_here(_log_in_with_next(app, youth, as_received(trick)), trick)


@pytest.mark.parametrize("trick", TRICKS)
def test_login_page_when_logged_in_sends_only_to_this_site(app, youth, trick):
    client = app.test_client()
    assert log_in(client, youth.email).status_code == 302
    assert_stays_here(client.get("/login", query_string={"next": as_received(trick)}), trick)


@pytest.mark.parametrize("trick", TRICKS)
def test_language_switch_sends_only_to_this_site(client, trick):
    assert_stays_here(client.post("/language",
                                  data={"language": "en", "next": as_received(trick)}), trick)


@pytest.fixture
def staff_client(app):
    """An administrator past both steps of logging in."""
    with app.app_context():
        user = factories.user(Role.ADMINISTRATOR)
        db.session.commit()
        ref = factories.UserRef(user.id, user.email, Role.ADMINISTRATOR, user.totp_secret)
    forget_used_code(app, ref.id)
    client = app.test_client()
    assert log_in(client, ref.email, totp_secret=ref.totp_secret).status_code == 302
    return client


@pytest.mark.parametrize("trick", TRICKS)
def test_second_step_sends_only_to_this_site(staff_client, trick):
    assert_stays_here(staff_client.get("/login/code",
                                       query_string={"next": as_received(trick)}), trick)


def test_there_are_enough_tricks():
    """The review asks for at least 40, tab and newline variants among them."""
    assert len(set(TRICKS)) == len(TRICKS) >= 40
    assert any("%09" in t or "\t" in t for t in TRICKS)
    assert any("%0a" in t.lower() or "\n" in t for t in TRICKS)


@pytest.mark.parametrize("trick", ["//evil.example", "/%09/evil.example",
                                   "/%0d%0aLocation:%20http://evil.example"])
def test_a_refused_next_page_leads_home(app, youth, trick):
    response = _log_in_with_next(app, youth, as_received(trick))
    assert response.headers["Location"] == "/youth/"


@pytest.mark.parametrize(("target", "location"), LEGITIMATE)
def test_pages_of_ours_are_still_reached_after_login(app, youth, target, location):
    assert _log_in_with_next(app, youth, target).headers["Location"] == location


@pytest.mark.parametrize(("target", "location"), LEGITIMATE)
def test_pages_of_ours_are_still_reached_after_a_language_switch(client, target, location):
    response = client.post("/language", data={"language": "en", "next": target})
    assert response.headers["Location"] == location


def test_a_staff_member_reaches_the_page_asked_for_after_both_steps(app):
    with app.app_context():
        user = factories.user(Role.ADMINISTRATOR)
        db.session.commit()
        email, secret = user.email, user.totp_secret
    client = app.test_client()
    response = client.post("/login", query_string={"next": "/admin/messages?page=2"},
                           data={"email": email, "password": factories.PASSWORD})
    assert response.headers["Location"].startswith("/login/code?next=")
    code = client.post(response.headers["Location"], data={"code": pyotp.TOTP(secret).now()})
    assert code.headers["Location"] == "/admin/messages?page=2"
