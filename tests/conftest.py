"""Fixtures shared by every layer: the app on a real database, clients, one user per role.

The database is SQLite in a temporary folder, or PostgreSQL when ``TEST_DATABASE_URL``
is set. With ``REQUIRE_POSTGRES=1`` (CI), a missing or unreachable PostgreSQL fails
the run instead of quietly testing SQLite.
"""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from youth_app import create_app
from youth_app.extensions import db
from youth_app.models import Role

from . import factories


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if os.environ.get("REQUIRE_POSTGRES") == "1" and not (url or "").startswith("postgresql"):
        pytest.exit("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL names no PostgreSQL database",
                    returncode=3)
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _database_url(tmp_path_factory)
    engine = sa.create_engine(url)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        pytest.exit(f"cannot reach the test database {engine.url!r}: {error}", returncode=3)
    finally:
        engine.dispose()
    return url


def make_app(database_url: str, **overrides):
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
              "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost",
              "SECRET_KEY": "test-secret"}
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app_factory(database_url, app):
    """``app_factory(MAIL_SERVER=...)``: another app on the test database, with other
    settings; its connections are closed afterwards."""
    made = []

    def build(**overrides):
        made.append(make_app(database_url, **overrides))
        return made[-1]

    yield build
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def app(database_url):
    app = make_app(database_url)
    with app.app_context():
        _drop_everything()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _drop_everything() -> None:
    """Drop every table, whatever an earlier run or a migration test left behind."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
            return
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def clean_database() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean_database(request):
    """A clean database for every test that uses the app."""
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        with app.app_context():
            db.session.remove()
            clean_database()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app) -> dict[Role, object]:
    """One confirmed user of each role, committed; password ``factories.PASSWORD``."""
    with app.app_context():
        made = factories.one_user_per_role()
        db.session.commit()
        refs = {role: factories.UserRef(user.id, user.email, role, user.totp_secret)
                for role, user in made.items()}
    return refs


def log_in(client, email: str, password: str = factories.PASSWORD, totp_secret=None):
    """Log in through the form; staff also give the code from their authenticator."""
    response = client.post("/login", data={"email": email, "password": password})
    if totp_secret and response.status_code == 302 and \
            response.headers["Location"].startswith("/login/code"):
        import pyotp

        response = client.post(response.headers["Location"],
                               data={"code": pyotp.TOTP(totp_secret).now()})
    return response


def forget_used_code(app, user_id: int) -> None:
    """Let a test log the same staff member in again within one 30-second window: a
    TOTP code works only once, and the clock does not move between two logins here."""
    from youth_app.models import User

    with app.app_context():
        db.session.get(User, user_id).totp_last_step = None
        db.session.commit()


@pytest.fixture
def client_as(app, users):
    """``client_as(Role.YOUTH)``: a test client logged in as that role's user."""
    def make(role: Role):
        forget_used_code(app, users[role].id)
        client = app.test_client()
        response = log_in(client, users[role].email, totp_secret=users[role].totp_secret)
        assert response.status_code == 302, response.data[:500]
        assert not response.headers["Location"].startswith("/login"), "second factor failed"
        return client
    return make


class RecordingHandler:
    """An aiosmtpd handler that keeps every message the server accepted."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; ``.port`` to send to, ``.messages`` what arrived."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    controller.messages, controller.port = handler.messages, port
    yield controller
    controller.stop()


@pytest.fixture
def mail_app(app_factory, smtp_server):
    """The test app with mail going to ``smtp_server`` (delivered right after commit)."""
    return app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False)
