"""Fixtures for the browser suite: the app on a real port, one Chromium per session.

Every test gets a fresh browser context (no shared cookies) and a ``site`` whose
``visit`` checks each page it reaches with axe and for requests to other origins, so
no page can be left unchecked by forgetting to call the check.

Chromium is Debian's ``/usr/bin/chromium``; Playwright's own browser download is not
used. Without it the suite is skipped, unless ``REQUIRE_BROWSER=1`` (CI) makes that
a failure.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from youth_app.extensions import db

from ..conftest import make_app

pytest.register_assert_rewrite("tests.browser.site", "tests.browser.journey")
from .site import Site  # noqa: E402  (after the rewrite hook, so its asserts explain)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


class _QuietHandler(WSGIRequestHandler):
    """Keep werkzeug's one line per request out of the test output."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture(scope="session")
def live_server(app, database_url):
    """The origin (``http://127.0.0.1:<port>``) of the app served on the test database.

    Depends on ``app`` so the tables exist, and so that every test using it gets the
    clean database of ``tests/conftest.py``. CSRF is on, as in production, and the
    origin is the app's ``PUBLIC_URL``, so the links it e-mails lead back to it.
    """
    served = make_app(database_url, WTF_CSRF_ENABLED=True, SERVER_NAME=None)
    server = make_server("127.0.0.1", 0, served, threaded=True,
                         request_handler=_QuietHandler)
    origin = served.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield origin
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with served.app_context():
        db.engine.dispose()


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: apt-get install -y chromium"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.exit(f"REQUIRE_BROWSER=1 but {reason}", returncode=3)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def site(chromium, live_server):
    """A fresh browser context on the live server: Swedish, desktop-sized."""
    made = Site.open(chromium, live_server)
    yield made
    made.close()


@pytest.fixture
def phone(chromium, live_server):
    """A fresh browser context the size of a small phone, 360 x 740 CSS pixels."""
    made = Site.open(chromium, live_server, viewport={"width": 360, "height": 740},
                     is_mobile=True, has_touch=True)
    yield made
    made.close()


@pytest.fixture
def demo_data(app):
    """The demo municipality, committed; its logins are ``youth_app.demo.LOGINS``."""
    from youth_app import demo

    with app.app_context():
        demo.load()
        db.session.commit()
