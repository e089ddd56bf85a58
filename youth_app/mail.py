"""The one way the platform sends e-mail: an outbox, delivered after the commit.

``send`` only writes an ``OutgoingMessage`` row into the current transaction. Once that
transaction commits, the messages it wrote are delivered: right away in the same thread
(``MAIL_DELIVERY=inline``, tests), by a background thread (the default), by an RQ
worker when ``REDIS_URL`` is set, or only by ``flask mail send`` (``MAIL_DELIVERY=command``). A request that rolls back, or loses a race, therefore
sends nothing. A deliverer first claims a message with a conditional update, so two
deliverers never send one message twice. A failed attempt is retried with backoff;
``flask mail send`` delivers whatever is due (run it every few minutes, it also picks up
messages of a process that died between its commit and the delivery).

Without ``MAIL_SERVER`` (``make run``) messages are only kept: staff and the youth see
them, nothing leaves the machine. The log never holds an address, a body or a link.
"""
from __future__ import annotations

import smtplib
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from email.message import EmailMessage
from typing import Callable, Iterable

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from . import logs
from .extensions import db
from .models import Guardian, MessageStatus, OutgoingMessage, User, YouthProfile, utcnow

#: Attempts before a message is given up (and shown as failed to staff).
MAX_ATTEMPTS = 5
#: The wait after the n-th failed attempt: 1, 2, 4, 8 ... minutes.
FIRST_RETRY = timedelta(minutes=1)
#: Messages one delivery pass handles over one SMTP connection.
BATCH = 200

_OUTBOX = "youth_app.mail.outbox"
_SAVEPOINTS = "youth_app.mail.savepoints"


#: The background job whose work is writing messages now (``for_job``).
_job: ContextVar[int | None] = ContextVar("youth_app.mail.job", default=None)


@contextmanager
def for_job(job_id: int):
    """Messages written inside are marked as the job's, so its page counts them."""
    token = _job.set(job_id)
    try:
        yield
    finally:
        _job.reset(token)


def send(recipient: str, subject: str, body: str, kind: str,
         user: User | None = None) -> OutgoingMessage:
    """Queue a message in the current transaction; it goes out after the commit."""
    status = MessageStatus.PENDING if current_app.config.get("MAIL_SERVER") \
        else MessageStatus.KEPT
    message = OutgoingMessage(recipient=recipient, subject=subject, body=body, kind=kind,
                              user_id=user.id if user else None, status=status,
                              job_id=_job.get())
    db.session.add(message)
    return message


def user_language(user: User | None) -> str:
    """The language to write to ``user`` in: their choice on the language menu while it
    is one the platform offers, else Swedish. (Every e-mail's text is in the catalogue of
    each language: ``catalogues.public_messages`` counts e-mails as public.)"""
    chosen = user.preferred_language if user else None
    if chosen not in current_app.config["LANGUAGES"]:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return str(chosen)


def guardian_language(guardian: Guardian, fallback: str | None = None) -> str:
    """The language to write to ``guardian`` in: the one chosen for them (by the youth, or
    by the guardian on the consent page), else ``fallback`` (the language of the page the
    guardian is reading, when they asked for the message themselves), else Swedish."""
    languages = current_app.config["LANGUAGES"]
    for chosen in (guardian.language, fallback):
        if chosen in languages:
            return str(chosen)
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def send_to_guardian(guardian: Guardian, kind: str, compose: Callable[[], tuple[str, str]],
                     fallback: str | None = None) -> OutgoingMessage | None:
    """E-mail a guardian in their language (``guardian_language``); ``compose`` returns
    (subject, body) and runs in it. Nothing for a guardian without an address."""
    if not guardian.email:
        return None
    with force_locale(guardian_language(guardian, fallback)):
        subject, body = compose()
    return send(guardian.email, subject, body, kind=kind)


def send_to_youth(youth: YouthProfile, kind: str,
                  compose: Callable[[], tuple[str, str]]) -> OutgoingMessage | None:
    """E-mail a youth in their own language, at their private address. ``compose``
    returns (subject, body) and runs in that language. Nothing for a removed account."""
    user = youth.user
    if user is None:
        return None
    with force_locale(user_language(user)):
        subject, body = compose()
    return send(youth.private_email or user.email, subject, body, kind=kind, user=user)


# --- after the commit ------------------------------------------------------------------

@event.listens_for(Session, "after_flush")
def _note_new_messages(session: Session, _context) -> None:
    noted = session.info.setdefault(_OUTBOX, [])
    noted.extend((obj.id, obj.kind, obj.status) for obj in session.new
                 if isinstance(obj, OutgoingMessage))


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction) -> None:
    """Where the outbox stood when a SAVEPOINT began (``unit_of_work.attempt``)."""
    if transaction.nested:
        session.info.setdefault(_SAVEPOINTS, {})[transaction] = \
            len(session.info.get(_OUTBOX, []))


@event.listens_for(Session, "after_soft_rollback")
def _forget_messages(session: Session, previous_transaction) -> None:
    """A rollback forgets the messages it took back: all of them, or, for a SAVEPOINT,
    those written since it began (the ones before it are still to be sent)."""
    if previous_transaction.parent is None:
        session.info.pop(_OUTBOX, None)
        session.info.pop(_SAVEPOINTS, None)
    elif previous_transaction.nested:
        mark = session.info.get(_SAVEPOINTS, {}).pop(previous_transaction, None)
        if mark is not None:
            del session.info.get(_OUTBOX, [])[mark:]


@event.listens_for(Session, "after_commit")
def _deliver_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT released: its messages wait for the real commit
    session.info.pop(_SAVEPOINTS, None)
    noted = session.info.pop(_OUTBOX, None)
    if not noted:
        return
    for message_id, kind, status in noted:
        if status is MessageStatus.KEPT:
            current_app.logger.info("E-mail %s (%s) kept: no MAIL_SERVER is set",
                                    message_id, kind)
    pending = [m for m, _kind, status in noted if status is MessageStatus.PENDING]
    if pending:
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
        dispatch(app, pending)


def dispatch(app: Flask, ids: list[int]) -> None:
    """Hand committed messages to a deliverer, as ``MAIL_DELIVERY`` says."""
    how = app.config.get("MAIL_DELIVERY") or ("inline" if app.testing else "background")
    if how == "command":
        return  # `flask mail send`, run by the clock, delivers them
    if how == "inline":
        deliver(ids)
    elif app.config.get("REDIS_URL"):
        from redis import Redis
        from rq import Queue

        Queue("mail", connection=Redis.from_url(app.config["REDIS_URL"])).enqueue(
            "worker.deliver_mail", ids, job_timeout=3600)
    else:
        threading.Thread(target=_deliver_in_thread, args=(app, ids), daemon=True,
                         name="mail-delivery").start()


def _deliver_in_thread(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            deliver(ids)
            deliver_due()  # leftovers of a process that died before delivering
        except Exception:  # a background thread has nobody to tell but the log
            logs.exception(app.logger, "E-mail delivery stopped")


def deliver_due(limit: int = 10 * BATCH) -> int:
    """Deliver pending messages whose time has come; returns how many were sent.

    A message claimed longer ago than ``MAIL_STUCK_AFTER`` (15 minutes) by a deliverer
    that never finished was claimed by one that died mid-send: it is sent again, with the
    same Message-ID, so that if the server did get it the first time, mail programs show
    one message (a lost offer would cost a youth their place; a repeat costs nothing)."""
    now = utcnow()
    stuck_after = timedelta(seconds=current_app.config["MAIL_STUCK_AFTER"])
    with Session(db.engine) as session, session.begin():
        session.execute(sa.update(OutgoingMessage).where(
            OutgoingMessage.status == MessageStatus.SENDING,
            OutgoingMessage.next_attempt_at < now - stuck_after).values(
            status=MessageStatus.PENDING, next_attempt_at=now,
            error="Interrupted while sending; sent again with the same Message-ID."))
        due = list(session.scalars(sa.select(OutgoingMessage.id).where(
            OutgoingMessage.status == MessageStatus.PENDING,
            OutgoingMessage.next_attempt_at <= now).order_by(OutgoingMessage.id).limit(limit)))
    return deliver(due)


def deliver(ids: Iterable[int]) -> int:
    """Send these messages (those still pending and due); returns how many were sent."""
    ids = list(ids)
    sent = 0
    for start in range(0, len(ids), BATCH):
        sent += _deliver_batch(ids[start:start + BATCH])
    return sent


def _deliver_batch(ids: list[int]) -> int:
    pace = _pace()
    if pace.gap:
        return _deliver_paced(ids, pace)
    claimed = _claim(ids)
    if not claimed:
        return 0
    sent: list[OutgoingMessage] = []
    try:
        with _smtp() as smtp:
            for message in claimed:
                if _send_one(smtp, message, record=False):
                    sent.append(message)
                    if len(sent) % RECORD_EVERY == 0:
                        _record_sent(sent[-RECORD_EVERY:])
    except (OSError, smtplib.SMTPException) as error:  # no connection (any more)
        _record_sent(sent[len(sent) - len(sent) % RECORD_EVERY:])
        done = {m.id for m in sent}
        for message in claimed:
            if message.status is MessageStatus.SENDING and message.id not in done:
                _record_failure(message, error)
        return len(sent)
    _record_sent(sent[len(sent) - len(sent) % RECORD_EVERY:])
    return len(sent)


#: Sent messages are noted in the database this many at a time (one transaction each):
#: a transaction per message took half of the delivery time (measured: 3.5 of 7.3 s for
#: 1,000 messages). A deliverer that dies between sending and noting leaves at most these
#: in ``sending``; they go again after ``MAIL_STUCK_AFTER`` with the same Message-ID.
RECORD_EVERY = 25


def _record_sent(messages: list[OutgoingMessage]) -> None:
    if not messages:
        return
    now = utcnow()
    with Session(db.engine) as session, session.begin():
        session.execute(sa.update(OutgoingMessage).where(
            OutgoingMessage.id.in_([m.id for m in messages])).values(
            status=MessageStatus.SENT, sent_at=now, error=""))
    for message in messages:
        message.status, message.sent_at, message.error = MessageStatus.SENT, now, ""


def _deliver_paced(ids: list[int], pace: Pace) -> int:
    """With a rate, each message is claimed just before its turn, not the batch at once:
    a batch would sit in ``sending`` for as long as the rate makes it last (200 messages
    at 10 a minute, or shared with other deliverers: 20 minutes and more), past
    ``MAIL_STUCK_AFTER``, and another deliverer would send its last messages again.
    Deliverers working at once share the list this way too."""
    sent, smtp, message = 0, None, None
    try:
        for message_id in ids:
            claimed = _claim([message_id])
            if not claimed:
                continue  # another deliverer has it, or it is not due
            message = claimed[0]
            pace.wait()
            if smtp is None:
                smtp = _smtp()
            sent += _send_one(smtp, message)
    except (OSError, smtplib.SMTPException) as error:  # the connection is gone
        if message is not None and message.status is MessageStatus.SENDING:
            _record_failure(message, error)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return sent


class Pace:
    """At most ``per_minute`` messages a minute (``MAIL_RATE_PER_MINUTE``, 0: no limit),
    evenly spaced, shared by this process's delivering threads: what the municipality's
    SMTP relay accepts without throttling or marking the sender as spam. Used without
    ``REDIS_URL`` (one machine, the web process's delivery threads); with it,
    :class:`SharedPace` keeps the same rate for every process together."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self.gap = 60.0 / per_minute if per_minute > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.gap:
            return
        with self._lock:
            now = _clock()
            start = max(now, self._next)
            self._next = start + self.gap
        if start > now:
            _sleep(start - now)


class SharedPace(Pace):
    """The rate for the whole installation, however many processes deliver: RQ work
    horses (each job a fresh process), several workers, several machines, the clock and
    ``flask mail send``. The next free moment is kept in Redis and taken by one atomic
    script on Redis's own clock (machines whose clocks differ still keep the spacing);
    each deliverer sleeps until its moment. Redis out of reach: this process's own
    pace, logged, so mail still goes out, only not spaced against the other processes."""

    KEY = "youth_app:mail:next_slot"
    #: Microseconds: take the slot at max(now, next), move next one gap on; return the wait.
    SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local gap = tonumber(ARGV[1])
local start = tonumber(redis.call('GET', KEYS[1]) or '0')
if start < now then start = now end
local after = start + gap
redis.call('SET', KEYS[1], string.format('%d', after),
           'PX', math.floor((after - now) / 1000) + 1000)
return start - now
"""

    def __init__(self, per_minute: int, redis_url: str):
        super().__init__(per_minute)
        from redis import Redis

        self._redis = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
        self._take = self._redis.register_script(self.SCRIPT)

    def wait(self) -> None:
        if not self.gap:
            return
        from redis.exceptions import RedisError

        try:
            micros = int(self._take(keys=[self.KEY], args=[round(self.gap * 1_000_000)]))
        except RedisError as error:
            current_app.logger.warning("Mail pace: Redis unreachable (%s); pacing this "
                                       "process alone", type(error).__name__)
            super().wait()
            return
        if micros > 0:
            _sleep(micros / 1_000_000)


_sleep, _clock = time.sleep, time.monotonic
_paces: dict[tuple[int, str], Pace] = {}


def _pace() -> Pace:
    """The pace for this app's rate: shared through Redis when ``REDIS_URL`` is set."""
    config = current_app.config
    rate = int(config.get("MAIL_RATE_PER_MINUTE", 0))
    redis_url = (config.get("REDIS_URL") or "") if rate > 0 else ""
    key = (rate, redis_url)
    if key not in _paces:
        _paces[key] = SharedPace(rate, redis_url) if redis_url else Pace(rate)
    return _paces[key]


def _claim(ids: list[int]) -> list[OutgoingMessage]:
    """Take the messages no other deliverer has taken: one conditional update each."""
    now = utcnow()
    with Session(db.engine, expire_on_commit=False) as session, session.begin():
        taken = session.execute(sa.update(OutgoingMessage).where(
            OutgoingMessage.id.in_(ids), OutgoingMessage.status == MessageStatus.PENDING,
            OutgoingMessage.next_attempt_at <= now)
            .values(status=MessageStatus.SENDING, next_attempt_at=now)
            .returning(OutgoingMessage.id)).scalars().all()
        return list(session.scalars(sa.select(OutgoingMessage).where(
            OutgoingMessage.id.in_(taken)).order_by(OutgoingMessage.id)))


def _smtp() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
    if config["MAIL_USE_TLS"]:
        smtp.starttls()
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def _send_one(smtp: smtplib.SMTP, message: OutgoingMessage, record: bool = True) -> int:
    """Send one message: 1 if the server took it (noted now, or by the caller with
    ``record=False``), 0 if it refused this one (noted as a failure now)."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message_id(message)
    email.set_content(message.body)
    try:
        smtp.send_message(email)
    except smtplib.SMTPServerDisconnected:
        raise
    except smtplib.SMTPException as error:  # this message refused, the others go on
        _record_failure(message, error)
        return 0
    if record:
        _record(message, status=MessageStatus.SENT, sent_at=utcnow(), error="")
    return 1


def message_id(message: OutgoingMessage) -> str:
    """The same for every attempt at one message, so a message sent twice (a deliverer
    died between the server's answer and noting it) is one message to the reader."""
    domain = current_app.config["MAIL_SENDER"].rpartition("@")[2] or "localhost"
    return f"<outbox-{message.id}.{message.created_at:%Y%m%d%H%M%S%f}@{domain}>"


def _record_failure(message: OutgoingMessage, error: Exception) -> None:
    attempts = message.attempts + 1
    final = attempts >= MAX_ATTEMPTS
    _record(message, attempts=attempts, error=str(error)[:2000],
            status=MessageStatus.FAILED if final else MessageStatus.PENDING,
            next_attempt_at=utcnow() + FIRST_RETRY * 2 ** (attempts - 1))
    # The error text may name the address: the log gets only its kind.
    current_app.logger.warning("E-mail %s (%s), attempt %d, failed: %s", message.id,
                               message.kind, attempts, type(error).__name__)


def _record(message: OutgoingMessage, **values) -> None:
    with Session(db.engine) as session, session.begin():
        session.execute(sa.update(OutgoingMessage).where(OutgoingMessage.id == message.id)
                        .values(**values))
    for name, value in values.items():
        setattr(message, name, value)
