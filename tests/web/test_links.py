"""Links in e-mail come from PUBLIC_URL, never from the request; unknown hosts are refused;
a reverse proxy's headers count only when it is configured."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from youth_app.config import ConfigError, load_config
from youth_app.extensions import db
from youth_app.models import OutgoingMessage, Role

pytestmark = pytest.mark.hardening


def _bodies(app) -> list[str]:
    with app.app_context():
        return [m.body for m in db.session.scalars(sa.select(OutgoingMessage))]


def test_a_forged_host_header_is_refused_and_nothing_is_sent(client, users):
    response = client.post("/password/forgot", data={"email": users[Role.YOUTH].email},
                           headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert _bodies(client.application) == []


@pytest.mark.parametrize("forged", [{"X-Forwarded-Host": "evil.example"},
                                    {"X-Forwarded-Proto": "http", "X-Forwarded-Port": "81"},
                                    {"X-Original-URL": "//evil.example/"}])
def test_reset_links_use_the_public_url_whatever_the_request_says(app_factory, users, forged):
    public = app_factory(PUBLIC_URL="https://sommarjobb.lysekil.example/ungdom")
    response = public.test_client().post(
        "/password/forgot", data={"email": users[Role.YOUTH].email}, headers=forged)
    assert response.status_code == 200
    (body,) = _bodies(public)
    link = next(word for word in body.split() if "://" in word)
    assert link.startswith("https://sommarjobb.lysekil.example/ungdom/password/reset/")
    assert "evil" not in body and "localhost" not in body


def test_confirmation_and_invitation_links_use_the_public_url(app_factory, client_as, users):
    public = app_factory(PUBLIC_URL="https://sommarjobb.lysekil.example")
    client = public.test_client()
    client.post("/register/provider", data={})  # builds nothing without valid data
    with public.app_context():
        from youth_app.auth import services
        from youth_app.models import User

        services.send_confirmation(db.session.get(User, users[Role.YOUTH].id))
        db.session.commit()
    assert all("https://sommarjobb.lysekil.example/confirm/" in b for b in _bodies(public))


def test_production_needs_a_public_https_url(monkeypatch):
    monkeypatch.setenv("YOUTH_APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/app")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        load_config()
    monkeypatch.setenv("PUBLIC_URL", "http://sommarjobb.lysekil.example")
    with pytest.raises(ConfigError, match="https"):
        load_config()
    monkeypatch.setenv("PUBLIC_URL", "https://sommarjobb.lysekil.example")
    monkeypatch.setenv("TRUSTED_HOSTS", "www.sommarjobb.lysekil.example")
    assert load_config()["TRUSTED_HOSTS"] == ["sommarjobb.lysekil.example",
                                              "www.sommarjobb.lysekil.example"]


def _seen_address(app, **headers) -> str:
    from flask import request

    seen = []
    app.add_url_rule("/_address", "probe", lambda: seen.append(request.remote_addr) or "")
    from youth_app import access

    access.RULES["probe"] = access.PUBLIC
    try:
        app.test_client().get("/_address", headers=headers,
                              environ_base={"REMOTE_ADDR": "10.0.0.1"})
    finally:
        del access.RULES["probe"]
    return seen[0]


def test_forwarded_for_counts_only_behind_a_configured_proxy(app_factory):
    assert _seen_address(app_factory(), **{"X-Forwarded-For": "203.0.113.7"}) == "10.0.0.1"
    behind = app_factory(PROXY_X_FOR=1, PROXY_X_PROTO=1)
    assert _seen_address(behind, **{"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}) \
        == "203.0.113.7"
