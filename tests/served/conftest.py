"""The served tests (issue 9): the real app under gunicorn on PostgreSQL, through HTTP.

PostgreSQL only: skipped unless ``TEST_DATABASE_URL`` names a PostgreSQL server, and
with ``REQUIRE_POSTGRES=1`` a missing one fails the run instead. Each test module
gets its own server (``serve``) on a database of its own (``served_<hex>``), created
on that server and dropped afterwards; the database named in ``TEST_DATABASE_URL`` is
only used to connect.

Runs on RQ use Redis database 13 (``SERVED_REDIS_URL``); without Redis those modules
are skipped, unless ``REQUIRE_REDIS=1``.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from .harness import Certificate
from .site import Site

HERE = Path(__file__).parent
REDIS_URL = os.environ.get("SERVED_REDIS_URL", "redis://127.0.0.1:6379/13")


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.hardening)
            item.add_marker(pytest.mark.slow)


def _missing(reason: str, required_by: str) -> None:
    if os.environ.get(required_by) == "1":
        pytest.exit(f"{required_by}=1 but {reason}", returncode=3)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of the PostgreSQL server the served databases are made on."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        _missing("the served tests need PostgreSQL: TEST_DATABASE_URL names none",
                 "REQUIRE_POSTGRES")
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        _missing(f"cannot reach PostgreSQL at {engine.url!r}: {error}", "REQUIRE_POSTGRES")
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        with Redis.from_url(REDIS_URL) as connection:
            connection.ping()
    except RedisDown:
        _missing(f"no Redis at {REDIS_URL}", "REQUIRE_REDIS")
    return REDIS_URL


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> Certificate:
    return Certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def serve(postgres_server, certificate, tmp_path_factory):
    """``serve(**options)``: start a :class:`Site` for this module; it is torn down
    (processes stopped, database dropped) when the module is done."""
    started: list[Site] = []

    def start(**options) -> Site:
        site = Site(postgres_server, certificate, tmp_path_factory.mktemp("served"), **options)
        started.append(site)
        return site.start()

    yield start
    for site in started:
        site.close()
