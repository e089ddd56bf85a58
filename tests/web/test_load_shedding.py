"""Past capacity, a request that waited too long for a worker is answered at once: 503,
Retry-After, the product's page in the user's language, no database query."""
from __future__ import annotations

import time

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from youth_app.extensions import db
from youth_app.shedding import ARRIVED, arrival


def _waited(client, seconds: float, path: str = "/", **headers):
    return client.get(path, headers=headers,
                      environ_overrides={ARRIVED: time.time() - seconds})


def _statements(app):
    seen: list[str] = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda *args: seen.append(args[2]))
    return seen


def test_a_request_that_waited_too_long_gets_503_with_retry_after(app_factory):
    app = app_factory(WEB_MAX_QUEUE_WAIT=1.0, WEB_RETRY_AFTER=45)
    client = app.test_client()
    statements = _statements(app)
    shed = _waited(client, 3, "/offers/", **{"Accept-Language": "en"})
    assert shed.status_code == 503
    assert shed.headers["Retry-After"] == "45"
    assert shed.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in shed.headers  # the usual security headers
    page = shed.get_data(as_text=True)
    assert "Many people are using the service right now" in page
    assert "Please try again in a minute. What you saved before is kept." in page
    assert "Traceback" not in page
    assert statements == []  # refusing work costs no query
    assert _waited(client, 0.2, "/offers/").status_code == 200  # a short wait is served


def test_the_page_is_in_the_users_language(app_factory):
    app = app_factory(WEB_MAX_QUEUE_WAIT=1.0)
    shed = _waited(app.test_client(), 3, **{"Accept-Language": "ar"})
    assert shed.status_code == 503
    page = shed.get_data(as_text=True)
    assert 'lang="ar"' in page and 'dir="rtl"' in page
    with app.test_request_context(), force_locale("ar"):
        assert gettext("Many people are using the service right now") in page


def test_health_checks_are_never_shed(app_factory):
    app = app_factory(WEB_MAX_QUEUE_WAIT=1.0)
    assert _waited(app.test_client(), 30, "/healthz").status_code == 200


def test_no_shedding_when_turned_off(app_factory):
    app = app_factory(WEB_MAX_QUEUE_WAIT=0)
    assert _waited(app.test_client(), 30).status_code == 200


def test_the_proxys_request_start_counts_only_behind_a_trusted_proxy():
    now = time.time()
    header = {"HTTP_X_REQUEST_START": f"t={now - 5:.3f}"}
    assert arrival({**header, ARRIVED: now}, trust_header=True) == round(now - 5, 3)
    assert arrival({**header, ARRIVED: now}, trust_header=False) == now
    # milliseconds and microseconds, as some proxies send them
    assert abs(arrival({"HTTP_X_REQUEST_START": str(int(now * 1000))}, True) - now) < 0.01
    assert abs(arrival({"HTTP_X_REQUEST_START": f"t={int(now * 1e6)}"}, True) - now) < 0.01
    assert arrival({"HTTP_X_REQUEST_START": "soon"}, True) is None
    assert arrival({}, True) is None


def test_behind_a_proxy_its_request_start_sheds(app_factory):
    app = app_factory(WEB_MAX_QUEUE_WAIT=1.0, PROXY_X_FOR=1)
    shed = app.test_client().get("/", headers={"X-Request-Start": f"t={time.time() - 4:.3f}"})
    assert shed.status_code == 503 and shed.headers["Retry-After"]
