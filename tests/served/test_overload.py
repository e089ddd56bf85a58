"""Past capacity, the served app sheds load: gunicorn as production runs it
(``gunicorn.conf.py``: the queue-timing gthread worker), one worker with two threads and a
tiny ``WEB_MAX_QUEUE_WAIT``, then a burst of concurrent requests. Those that waited too
long get 503 with ``Retry-After`` and the product's page, quickly; none gets a 500, none
hangs, and the server serves normally afterwards."""
from __future__ import annotations

import secrets
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .harness import (Service, create_database, drop_database, free_port, log_tail, migrate,
                      process_env, wait_until)

BURST = 80
MAX_QUEUE_WAIT = 0.3
RETRY_AFTER = 7


@pytest.fixture(scope="module")
def overloadable(postgres_server, certificate, tmp_path_factory):
    folder = tmp_path_factory.mktemp("overload")
    url = create_database(postgres_server)
    port = free_port()
    env = process_env(YOUTH_APP_ENV="production", SECRET_KEY=secrets.token_hex(32),
                      DATABASE_URL=url, PUBLIC_URL=f"https://127.0.0.1:{port}",
                      WEB_BIND=f"127.0.0.1:{port}", WEB_WORKERS="1", WEB_THREADS="2",
                      WEB_MAX_QUEUE_WAIT=str(MAX_QUEUE_WAIT), WEB_RETRY_AFTER=str(RETRY_AFTER))
    server = Service("gunicorn", [sys.executable, "-m", "gunicorn", "wsgi:app",
                                  "--config", "gunicorn.conf.py",
                                  "--certfile", str(certificate.cert),
                                  "--keyfile", str(certificate.key)],
                     env, folder / "gunicorn.log")
    try:
        migrate(env)
        server.start()
        base = f"https://127.0.0.1:{port}"

        def answers() -> bool:
            server.check_alive()
            try:
                return requests.get(f"{base}/healthz", verify=certificate.cert,
                                    timeout=5).status_code == 200
            except requests.RequestException:
                return False
        wait_until(answers, 120, "gunicorn to answer", every=0.25)
        yield base, certificate.cert, folder / "gunicorn.log"
    finally:
        server.stop()
        drop_database(postgres_server, url)


def test_a_burst_past_capacity_gets_503_with_retry_after_not_500_or_a_hang(overloadable):
    base, cert, log = overloadable
    start = threading.Barrier(BURST)

    def visit(_):
        with requests.Session() as session:
            start.wait(30)
            began = time.monotonic()
            response = session.get(f"{base}/offers/", verify=cert, timeout=30,
                                   headers={"Accept-Language": "en"})
            return response.status_code, response.headers, response.text, \
                time.monotonic() - began

    with ThreadPoolExecutor(BURST) as pool:
        answers = list(pool.map(visit, range(BURST)))
    statuses = sorted({status for status, *_ in answers})
    assert statuses == [200, 503], (statuses, log_tail(log))
    shed = [a for a in answers if a[0] == 503]
    for _status, headers, text, _seconds in shed:
        assert headers["Retry-After"] == str(RETRY_AFTER)
        assert "Many people are using the service right now" in text
        assert "Traceback" not in text
    # Every answer came, and long before gunicorn's 30 s timeout.
    assert max(seconds for *_, seconds in answers) < 15
    # Afterwards the server serves everyone again.
    again = requests.get(f"{base}/offers/", verify=cert, timeout=30)
    assert again.status_code == 200
