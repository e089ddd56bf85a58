"""People using the served app: one HTTP session each, logging in through the real forms.

CSRF is on, as in production: a form's ``csrf_token`` is read from the page that shows
the form and sent back with it. Bursts start their requests at the same instant (a
``threading.Barrier``) and record everything each one got.
"""
from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urljoin

import pyotp
import requests

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"'
                        r'|value="([^"]+)"[^>]*name="csrf_token"')
FLASH = re.compile(r'<p class="flash flash-(\w+)"[^>]*>(.*?)</p>', re.S)
#: A request that waits longer than this has hung; the test says so instead of hanging.
REQUEST_TIMEOUT = 90


@dataclass(frozen=True)
class Account:
    """A committed user the test may log in as (plain values, safe outside the app)."""
    email: str
    password: str
    user_id: int
    youth_id: int | None = None
    totp_secret: str | None = None
    first_name: str = ""


@dataclass
class Outcome:
    """What one request of a burst got: every status on the way (redirects followed),
    the final page, or the connection error instead."""
    statuses: list[int] = field(default_factory=list)
    url: str = ""
    text: str = ""
    error: str | None = None
    label: str = ""

    @property
    def status(self) -> int | None:
        return self.statuses[-1] if self.statuses else None

    @property
    def server_error(self) -> bool:
        return any(code >= 500 for code in self.statuses)

    def flashes(self, category: str | None = None) -> list[str]:
        return [html.unescape(text).strip() for kind, text in FLASH.findall(self.text)
                if category in (None, kind)]

    def unescaped(self) -> str:
        return html.unescape(self.text)

    def __repr__(self) -> str:
        what = self.error or f"{self.statuses} {self.url} flashes={self.flashes()}"
        return f"<{self.label} {what}>"

    @classmethod
    def of(cls, response: requests.Response, label: str = "") -> "Outcome":
        statuses = [r.status_code for r in response.history] + [response.status_code]
        return cls(statuses=statuses, url=response.url, text=response.text, label=label)


class Person:
    """One browser: its own cookies, TLS checked against the test certificate."""

    def __init__(self, base_url: str, certificate, account: Account | None = None,
                 language: str | None = None):
        self.base_url, self.certificate, self.account = base_url, certificate, account
        self.http = requests.Session()
        # Nothing from the environment: no proxy, no other CA bundle (REQUESTS_CA_BUNDLE
        # would otherwise replace the test certificate).
        self.http.trust_env = False
        self.http.verify = str(certificate.cert)
        if language:
            self.http.headers["Accept-Language"] = language
        self.csrf_token: str | None = None
        #: The page the form was on: a browser sends it as the Referer, and Flask-WTF
        #: refuses a form posted over HTTPS without a same-origin Referer.
        self.form_page: str = base_url + "/"

    def url(self, path: str) -> str:
        return urljoin(self.base_url, path)

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        return self.http.get(self.url(path), **kwargs)

    def read_csrf(self, path: str) -> str:
        """Open the page that shows a form and keep its CSRF token for the next posts."""
        page = self.get(path)
        page.raise_for_status()
        match = CSRF_INPUT.search(page.text)
        if not match:
            raise AssertionError(f"no csrf_token on {path}")
        self.csrf_token = match.group(1) or match.group(2)
        self.form_page = page.url
        return self.csrf_token

    def post(self, path: str, data=None, **kwargs) -> requests.Response:
        """A form post with the CSRF token read last; ``data`` a dict or list of pairs."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
        pairs.append(("csrf_token", self.csrf_token or ""))
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        kwargs.setdefault("headers", {}).setdefault("Referer", self.form_page)
        return self.http.post(self.url(path), data=pairs, **kwargs)

    def log_in(self) -> None:
        """Through /login; staff give the code from their authenticator too."""
        account = self.account
        self.read_csrf("/login")
        response = self.post("/login", {"email": account.email, "password": account.password},
                             allow_redirects=False)
        assert response.status_code == 302, f"login of {account.email}: {response.status_code}"
        target = response.headers["Location"]
        if account.totp_secret:
            self.read_csrf(target)
            response = self.post(target, {"code": pyotp.TOTP(account.totp_secret).now()},
                                 allow_redirects=False)
            assert response.status_code == 302, f"code of {account.email}: {response.status_code}"
            target = response.headers["Location"]
        assert not target.startswith(("/login", self.url("/login"))), \
            f"{account.email} is still asked to log in ({target})"
        self.csrf_token = None  # logging in starts a new session: read a new token

    def tab(self) -> "Person":
        """Another tab of the same browser: the same cookies and token, its own connection."""
        other = Person(self.base_url, self.certificate, self.account)
        other.http.headers.update(self.http.headers)
        other.http.cookies = self.http.cookies.copy()
        other.csrf_token, other.form_page = self.csrf_token, self.form_page
        return other

    def close(self) -> None:
        self.http.close()


def burst(calls: list[tuple[str, Callable[[], requests.Response]]],
          timeout: float = 180) -> list[Outcome]:
    """Run every ``(label, call)`` at the same instant, one thread each; return what each
    got, in the order given. A connection error is recorded, not raised."""
    outcomes = [Outcome(label=label) for label, _ in calls]
    barrier = threading.Barrier(len(calls))

    def run(index: int, call) -> None:
        try:
            barrier.wait(timeout=60)
            outcomes[index] = Outcome.of(call(), outcomes[index].label)
        except (requests.RequestException, OSError, threading.BrokenBarrierError) as error:
            outcomes[index].error = f"{type(error).__name__}: {error}"

    threads = [threading.Thread(target=run, args=(i, call), daemon=True)
               for i, (_, call) in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    stuck = [calls[i][0] for i, t in enumerate(threads) if t.is_alive()]
    assert not stuck, f"requests still waiting after {timeout:.0f} s: {stuck}"
    return outcomes


def assert_answered(outcomes: list[Outcome], site=None) -> None:
    """Never a 5xx and never a dropped connection: every request got a real answer."""
    bad = [o for o in outcomes if o.error or o.server_error]
    if bad:
        tail = f"\n--- server log ---\n{site.log_tail()}" if site is not None else ""
        raise AssertionError(f"{len(bad)} of {len(outcomes)} requests got no proper answer: "
                             f"{bad}{tail}")


def sole(items, what: str):
    items = list(items)
    assert len(items) == 1, f"expected exactly one {what}, got {len(items)}: {items}"
    return items[0]
