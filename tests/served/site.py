"""One served app for one test module: a fresh database built by the migrations, a real
SMTP server, gunicorn over TLS in the production configuration, and (when asked) an RQ
worker and a proxy in front of PostgreSQL.

The test process also has the app in-process, on the same database: it seeds the data
(factories, then commit), reads the database afterwards and renders the catalogue texts
the served pages must show.
"""
from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import sqlalchemy as sa

from .clients import Account, Person
from .harness import (Gunicorn, HarnessError, MailBox, RqWorker, TcpProxy, create_database,
                      drop_database, flask_command, free_port, log_tail, migrate,
                      process_env, wait_until)

#: Seconds after which the served app counts a mail claim as its deliverer's death.
STUCK_AFTER = 1


@dataclass(frozen=True)
class Mail:
    """One message: as the app recorded it (``kind`` set) or as the SMTP server got it."""
    recipient: str
    subject: str
    kind: str = ""


@dataclass
class MailLog:
    """The mail of one stretch of a test, after every message was delivered or failed."""
    recorded: list[Mail]
    received: list[Mail]

    def recorded_to(self, recipient: str, kind: str) -> list[Mail]:
        return [m for m in self.recorded if m.recipient == recipient and m.kind == kind]

    def received_to(self, recipient: str, subject: str) -> list[Mail]:
        return [m for m in self.received if m.recipient == recipient and m.subject == subject]


@dataclass(frozen=True)
class MailMark:
    last_id: int
    received: int


class Site:
    """Started by the ``serve`` fixture; ``close`` stops every process it started and
    drops its database, whatever state a failed test left them in."""

    def __init__(self, server_url: str, certificate, folder: Path, *, workers: int = 4,
                 redis_url: str | None = None, rq_worker: bool = False,
                 database_proxy: bool = False, settings: dict | None = None):
        self.server_url, self.certificate, self.folder = server_url, certificate, folder
        self.workers, self.redis_url, self.settings = workers, redis_url, settings or {}
        self.want_rq_worker, self.want_proxy = rq_worker, database_proxy
        self.secret_key = secrets.token_hex(32)
        self.database_url: str | None = None
        self.mail = self.gunicorn = self.worker = self.proxy = self.app = None
        self._people: list[Person] = []

    # --- start and stop -------------------------------------------------------------

    def start(self) -> "Site":
        self.database_url = create_database(self.server_url)
        self.mail = MailBox()
        self.mail.start()
        migrate(process_env(**self._production(self.database_url, "https://127.0.0.1")))
        self.app = self._in_process_app()
        if self.redis_url:
            _flush_redis(self.redis_url)
        self._start_gunicorn()
        if self.want_rq_worker:
            self.start_rq_worker()
        return self

    def _start_gunicorn(self) -> None:
        """gunicorn on the database, or on the proxy in front of it when asked."""
        served_url = self.database_url
        if self.want_proxy:
            self.proxy = TcpProxy(_host_port(self.database_url))
            self.proxy.start()
            served_url = _with_port(self.database_url, self.proxy.port)
        port = free_port()
        env = process_env(**self._production(served_url, f"https://127.0.0.1:{port}"))
        self.gunicorn = Gunicorn(env, self.folder / "gunicorn.log", self.certificate, port,
                                 self.workers)
        self.gunicorn.start()
        self._wait_until_serving()

    def close(self) -> None:
        """Every step is tried, even after one fails: the database is always dropped."""
        steps = [person.close for person in self._people]
        steps += [service.stop for service in (self.worker, self.gunicorn) if service]
        steps += [s.stop for s in (self.proxy, self.mail) if s]
        steps += [self._close_app]
        if self.redis_url:
            steps.append(lambda: _flush_redis(self.redis_url))
        if self.database_url:
            steps.append(lambda: drop_database(self.server_url, self.database_url))
        failed = []
        for step in steps:
            try:
                step()
            except Exception as error:  # noqa: BLE001 - the rest must still run
                failed.append(error)
        if failed:
            raise failed[0]

    def _close_app(self) -> None:
        if self.app is None:
            return
        from youth_app.extensions import db

        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def run_the_clock(self) -> str:
        """What cron does every few minutes in production: ``flask mail send`` delivers
        mail left behind by a process that died after its commit (or mid-send: with
        ``MAIL_STUCK_AFTER`` of a second here, such a claim counts as dead at once)."""
        time.sleep(STUCK_AFTER + 0.5)
        return flask_command(process_env(**self._production(
            self.database_url, "https://127.0.0.1")), "mail", "send")

    def _production(self, database_url: str, public_url: str) -> dict[str, str]:
        settings = {"YOUTH_APP_ENV": "production", "SECRET_KEY": self.secret_key,
                    "DATABASE_URL": database_url, "PUBLIC_URL": public_url,
                    "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(self.mail.port),
                    "MAIL_USE_TLS": "0", "MAIL_STUCK_AFTER": str(STUCK_AFTER)}
        if self.redis_url:
            settings["REDIS_URL"] = self.redis_url
        settings.update(self.settings)
        return settings

    def _in_process_app(self):
        from youth_app import create_app

        return create_app({"SQLALCHEMY_DATABASE_URI": self.database_url,
                           "SECRET_KEY": self.secret_key, "MAIL_SERVER": None,
                           "PUBLIC_URL": "https://127.0.0.1"})

    def _wait_until_serving(self) -> None:
        probe = Person(self.url, self.certificate)

        def answers() -> bool:
            self.gunicorn.check_alive()
            try:
                return probe.get("/", timeout=5).status_code == 200
            except requests.RequestException:
                return False
        try:
            wait_until(answers, 120, "gunicorn to answer", every=0.25)
        except HarnessError as error:
            raise HarnessError(f"{error}\n{self.log_tail()}") from None
        finally:
            probe.close()
        self.gunicorn.wait_for_workers()

    def new_rq_worker(self) -> RqWorker:
        env = process_env(**self._production(self.database_url, self.url))
        return RqWorker(env, self.folder / "rq.log", self.redis_url)

    def start_rq_worker(self) -> RqWorker:
        """A new RQ worker, unless one is running."""
        if self.worker is None or not self.worker.alive():
            self.worker = self.new_rq_worker()
            self.worker.start()
        return self.worker

    def stop_rq_worker(self) -> None:
        """Stop the RQ worker gently (it finishes the job it is doing): runs then stay
        queued until a worker is started again."""
        if self.worker is not None:
            self.worker.stop(grace=60)
            self.worker = None

    @property
    def url(self) -> str:
        return self.gunicorn.url

    def log_tail(self, lines: int = 80) -> str:
        text = log_tail(self.folder / "gunicorn.log", lines)
        if self.worker is not None or (self.folder / "rq.log").exists():
            text += "\n--- rq worker ---\n" + log_tail(self.folder / "rq.log", lines // 2)
        return text

    # --- data -------------------------------------------------------------------------

    def seed(self, build):
        """Run ``build()`` in the in-process app (a request context on the site's public
        URL, for links in mail), commit, and return what it returned: plain values,
        since the objects are gone with the session."""
        from youth_app.extensions import db

        with self.app.test_request_context(base_url=self.url):
            result = build()
            db.session.commit()
            db.session.remove()
        return result

    @contextmanager
    def reading(self):
        """``with site.reading() as session:`` the database as it is now."""
        from youth_app.extensions import db

        with self.app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()  # closes: what was read stays readable

    def path(self, endpoint: str, **values) -> str:
        """The path of a page, from the app's own routes (``url_for``)."""
        from flask import url_for

        with self.app.test_request_context():
            return url_for(endpoint, **values)

    def text(self, message: str, **params) -> str:
        """A catalogue text in Swedish, the language the served pages use here."""
        from flask_babel import force_locale, gettext

        with self.app.test_request_context(), force_locale("sv"):
            return gettext(message, **params)

    # --- people -----------------------------------------------------------------------

    def person(self, account: Account | None = None) -> Person:
        made = Person(self.url, self.certificate, account)
        self._people.append(made)
        return made

    def logged_in(self, accounts: list[Account]) -> list[Person]:
        """Everyone logged in through the form, four at a time."""
        people = [self.person(a) for a in accounts]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(Person.log_in, people))
        return people

    # --- mail -------------------------------------------------------------------------

    def mail_mark(self) -> MailMark:
        from youth_app.models import OutgoingMessage

        with self.reading() as session:
            last = session.scalar(sa.select(sa.func.max(OutgoingMessage.id))) or 0
        return MailMark(last, self.mail.count())

    def settled_mail(self, mark: MailMark, timeout: float = 60) -> MailLog:
        """The mail since ``mark``, once every recorded message is delivered or has
        failed, and the SMTP server has received nothing new for a second."""
        wait_until(lambda: self._pending(mark) == 0, timeout,
                   "every recorded message to be delivered or to fail", every=0.25)
        last_count, stable_since = -1, time.monotonic()

        def stable() -> bool:
            nonlocal last_count, stable_since
            count = self.mail.count()
            if count != last_count:
                last_count, stable_since = count, time.monotonic()
            return time.monotonic() - stable_since >= 1.0
        wait_until(stable, timeout, "the SMTP server to receive nothing new", every=0.2)
        # A message sent again after its deliverer died keeps its Message-ID: one message.
        arrived = {str(m["Message-ID"]): m for m in self.mail.messages()[mark.received:]}
        return MailLog(self._recorded(mark), [
            Mail(str(m["To"]), str(m["Subject"])) for m in arrived.values()])

    def _pending(self, mark: MailMark) -> int:
        from youth_app.models import OutgoingMessage

        with self.reading() as session:
            return session.scalar(sa.select(sa.func.count(OutgoingMessage.id)).where(
                OutgoingMessage.id > mark.last_id, OutgoingMessage.sent_at.is_(None),
                sa.func.coalesce(OutgoingMessage.error, "") == ""))

    def _recorded(self, mark: MailMark) -> list[Mail]:
        from youth_app.models import OutgoingMessage

        with self.reading() as session:
            return [Mail(m.recipient, m.subject, m.kind) for m in session.scalars(
                sa.select(OutgoingMessage).where(OutgoingMessage.id > mark.last_id)
                .order_by(OutgoingMessage.id))]


def _flush_redis(url: str) -> None:
    from redis import Redis

    with Redis.from_url(url) as redis:
        redis.flushdb()


def _host_port(url: str) -> tuple[str, int]:
    parsed = sa.make_url(url)
    return parsed.host or "127.0.0.1", parsed.port or 5432


def _with_port(url: str, port: int) -> str:
    return sa.make_url(url).set(host="127.0.0.1", port=port).render_as_string(
        hide_password=False)
