"""Headers, CSRF and error pages: what every response promises."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import (AllocationMode, Offer, OfferKind, OfferStatus, Organisation, Role,
                              Round, RoundState, SignUp, User)

from .. import factories
from ..conftest import forget_used_code


PAGES = ["/", "/login", "/register/youth", "/accessibility", "/no-such-page",
         "/static/css/app.css"]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client_as):
    for role, path in [(Role.YOUTH, "/youth/"), (Role.ADMINISTRATOR, "/admin/messages")]:
        page = client_as(role).get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
        assert " style=" not in page and "<style" not in page
        assert "on" + "click=" not in page


def test_assets_are_served_by_the_app_not_a_cdn(client):
    page = client.get("/").get_data(as_text=True)
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith(("/", "#", "mailto:")), url


def test_a_form_without_csrf_token_is_refused_in_swedish(app_factory):
    guarded = app_factory(WTF_CSRF_ENABLED=True)
    response = guarded.test_client().post("/login", data={"email": "a@b.se", "password": "x"})
    assert response.status_code == 400
    assert "formuläret" in response.get_data(as_text=True).lower()


def test_an_unexpected_error_shows_a_page_that_leaks_nothing(app_factory):
    broken = app_factory()

    def explode():
        raise RuntimeError("secret internal detail")

    broken.view_functions["main.privacy"] = explode
    response = broken.test_client().get("/privacy")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internal detail" not in page and "Traceback" not in page
    assert 'lang="sv"' in page


def test_not_found_page_in_english(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "The page was not found" in response.get_data(as_text=True)


# --- a button without its CSRF token ---------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _token(client, path: str) -> str:
    return CSRF_INPUT.search(client.get(path).get_data(as_text=True)).group(1)


def _logged_in_with_tokens(guarded, user):
    """Log in as a person does, each form with the token of the page that showed it."""
    import pyotp

    client = guarded.test_client()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                           "csrf_token": _token(client, "/login")})
    if user.totp_secret:
        forget_used_code(guarded, user.id)
        response = client.post("/login/code", data={
            "code": pyotp.TOTP(user.totp_secret).now(),
            "csrf_token": _token(client, "/login/code")})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    return client


@pytest.fixture
def buttons(app, users) -> dict:
    """Something for each action button to change."""
    with app.app_context():
        provider = db.session.get(User, users[Role.PROVIDER].id)
        draft = factories.offer(org=provider.organisation, status=OfferStatus.DRAFT)
        activity = factories.offer(kind=OfferKind.ACTIVITY, allocation_mode=AllocationMode.OPEN,
                                   min_age=13, max_age=19)
        waiting = factories.organisation(name="Väntande förening", approved=False)
        round_ = factories.round_(state=RoundState.DRAFT)
        db.session.commit()
        return {"draft": draft.id, "activity": activity.id, "organisation": waiting.id,
                "round": round_.id}


def _changed(what: str, ids: dict) -> bool:
    if what == "signup":
        return db.session.scalar(sa.select(sa.func.count(SignUp.id))) > 0
    if what == "submit":
        return db.session.get(Offer, ids["draft"]).status is not OfferStatus.DRAFT
    if what == "approve":
        return db.session.get(Organisation, ids["organisation"]).approved_at is not None
    return db.session.get(Round, ids["round"]).state is not RoundState.DRAFT


BUTTONS = [  # (role, the button's address, what it changes)
    (Role.YOUTH, "/youth/signups/{activity}", "signup"),
    (Role.PROVIDER, "/provider/offers/{draft}/submit", "submit"),
    (Role.ADMINISTRATOR, "/admin/organisations/{organisation}/approve", "approve"),
    (Role.ADMINISTRATOR, "/admin/rounds/{round}/open", "open"),
]


@pytest.mark.parametrize("role, path, what", BUTTONS, ids=[b[2] for b in BUTTONS])
def test_an_action_button_without_its_token_is_refused_and_changes_nothing(
        app, app_factory, users, buttons, role, path, what):
    """The views do not check the (field-less) form themselves: CSRFProtect refuses the
    post before any view runs. With the token, the same press works."""
    guarded = app_factory(WTF_CSRF_ENABLED=True)
    client = _logged_in_with_tokens(guarded, users[role])
    address = path.format(**buttons)
    refused = client.post(address, headers={"Accept-Language": "en"})
    assert refused.status_code == 400
    assert "The form had expired or was sent from somewhere else" in \
        refused.get_data(as_text=True)
    with app.app_context():
        assert not _changed(what, buttons)
    pressed = client.post(address, data={"csrf_token": _token(client, "/")})
    assert pressed.status_code == 302
    with app.app_context():
        assert _changed(what, buttons)
