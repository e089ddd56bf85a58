"""``flask backup`` and ``flask restore``: a round trip gives the data back as it was,
on SQLite and on PostgreSQL (a database of its own, created and dropped here)."""
from __future__ import annotations

import os
import secrets

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import Organisation

from .. import factories
from ..conftest import make_app


def _names(app) -> list[str]:
    with app.app_context():
        names = db.session.scalars(sa.select(Organisation.name).order_by(Organisation.name)).all()
        db.session.remove()
        return list(names)


def _round_trip(app, tmp_path) -> None:
    with app.app_context():
        db.create_all()
        factories.organisation("Lysekils FF")
        factories.organisation("Havets Hus")
        db.session.commit()
        db.session.remove()
    copy = tmp_path / "season.backup"
    made = app.test_cli_runner().invoke(args=["backup", str(copy)])
    assert made.exit_code == 0, made.output
    assert copy.stat().st_size > 0
    again = app.test_cli_runner().invoke(args=["backup", str(copy)])
    assert again.exit_code != 0 and "exists already" in again.output  # never overwritten
    with app.app_context():
        db.session.execute(sa.delete(Organisation).where(Organisation.name == "Havets Hus"))
        factories.organisation("After the backup")
        db.session.commit()
        db.session.remove()
    refused = app.test_cli_runner().invoke(args=["restore", str(copy)], input="n\n")
    assert refused.exit_code != 0 and _names(app) == ["After the backup", "Lysekils FF"]
    restored = app.test_cli_runner().invoke(args=["restore", str(copy), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert _names(app) == ["Havets Hus", "Lysekils FF"]


def test_a_sqlite_database_round_trip(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'live.db'}")
    _round_trip(app, tmp_path)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def own_postgres_database():
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL names no PostgreSQL")
        pytest.skip("PostgreSQL's round trip needs TEST_DATABASE_URL")
    server = sa.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"backup_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_postgresql_database_round_trip(own_postgres_database, tmp_path):
    app = make_app(own_postgres_database)
    _round_trip(app, tmp_path)
    with app.app_context():
        db.engine.dispose()


def test_a_missing_client_tool_is_told_in_a_sentence(monkeypatch, tmp_path):
    from youth_app import backup

    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump to be found
    with pytest.raises(backup.BackupError, match="pg_dump is not installed"):
        backup.backup("postgresql+psycopg://someone:secret@127.0.0.1/db", tmp_path / "x")
