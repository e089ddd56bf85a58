"""What a load balancer asks: is the process alive, and can it serve right now."""
from __future__ import annotations

import socket

from ..conftest import make_app
from ..hardening.test_database_down import REFUSING


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_alive_and_ready_on_a_working_database(client):
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.json == {"status": "ok"}
    assert alive.headers["Cache-Control"] == "no-store"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "redis": "not used"}
    assert "Set-Cookie" not in ready.headers


def test_not_ready_while_redis_is_unreachable(app_factory):
    other = app_factory(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    ready = other.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.json == {"status": "unreachable",
                          "checks": {"database": "ok", "redis": "unreachable"}}


def test_alive_but_not_ready_without_the_database():
    down = make_app(REFUSING["sqlite"])
    client = down.test_client()
    assert client.get("/healthz").status_code == 200  # not restarted for the database
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json["checks"]["database"] == "unreachable"
