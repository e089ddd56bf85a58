"""The log holds no personal data, secrets or tokens (issue 9, item 5)."""
from __future__ import annotations

import logging

import pytest

from youth_app.extensions import db
from youth_app.models import Role, User

from .. import factories

pytestmark = pytest.mark.hardening


def test_a_failed_insert_logs_no_parameters(app_factory, users, caplog):
    broken = app_factory()
    with broken.app_context():
        taken = db.session.get(User, users[Role.YOUTH].id).youth_profile.personal_number

    def insert_twice():
        db.session.add(factories.youth_profile(personal_number=taken))
        db.session.flush()

    broken.view_functions["main.privacy"] = insert_twice
    caplog.set_level(logging.INFO)
    response = broken.test_client().get("/privacy")
    assert response.status_code == 500
    assert "Unhandled error" in caplog.text  # it was logged ...
    assert taken not in caplog.text and "argon2" not in caplog.text  # ... without values


def test_access_log_lines_lose_the_token_of_an_e_mailed_link(app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    logging.getLogger("werkzeug").info('127.0.0.1 - - "%s %s HTTP/1.1" 200 -', "GET",
                                       "/password/reset/eyJ1c2VyIjo.SECRET?next=/x")
    logging.getLogger("werkzeug").info('"GET /consent/AbC-123_xyz HTTP/1.1" 302 -')
    assert "SECRET" not in caplog.text and "AbC-123_xyz" not in caplog.text
    assert "/password/reset/[token]?next=/x" in caplog.text
    assert "/consent/[token] HTTP/1.1" in caplog.text


def test_mail_failures_log_no_address(app_factory, caplog):
    from youth_app import mail

    down = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False)
    caplog.set_level(logging.INFO)
    with down.app_context():
        mail.send("hemlig.adress@example.se", "Hej", "Länk: /confirm/SECRETTOKEN", kind="test")
        db.session.commit()
    assert "failed" in caplog.text
    assert "hemlig.adress" not in caplog.text and "SECRETTOKEN" not in caplog.text


def test_production_logs_are_json_lines_with_the_requests_id(app_factory, capfd):
    """``LOG_FORMAT=json``: each line one object a log collector reads, carrying the id
    the proxy gave the request (or one drawn), and still no token of a link."""
    import json

    other = app_factory(LOG_FORMAT="json")
    capfd.readouterr()
    with other.test_request_context("/", headers={"X-Request-ID": "req-42"}):
        other.logger.warning("Opened /consent/%s", "secret-token-123")
        other.logger.warning("A second line of the same request")
    with other.test_request_context("/", headers={"X-Request-ID": "not an id; drop"}):
        other.logger.warning("Another request")
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines()
             if line.startswith("{")]
    first, second, third = lines[:3]
    assert first["level"] == "WARNING" and first["logger"] == other.logger.name
    assert first["message"] == "Opened /consent/[token]" and "time" in first
    assert first["request_id"] == second["request_id"] == "req-42"
    assert first["endpoint"] == "main.index"
    assert third["request_id"] not in ("req-42", "not an id; drop")  # a fresh one
    assert "secret-token-123" not in json.dumps(lines)
