"""Outgoing e-mail: an outbox written in the transaction, delivered after its commit,
to a real SMTP server on loopback."""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from youth_app import mail
from youth_app.extensions import db
from youth_app.models import MessageStatus, OutgoingMessage, utcnow


def _messages() -> list[OutgoingMessage]:
    return list(db.session.scalars(sa.select(OutgoingMessage).order_by(OutgoingMessage.id)))


def test_without_mail_server_messages_are_kept_and_the_log_holds_no_address(app, caplog):
    caplog.set_level(logging.INFO)
    with app.app_context():
        mail.send("alva@example.se", "Hej", "Din länk: https://x/confirm/SECRET", kind="test")
        db.session.commit()
        (stored,) = _messages()
        assert stored.status is MessageStatus.KEPT and stored.sent_at is None
    assert f"E-mail {stored.id} (test) kept" in caplog.text
    assert "alva@example.se" not in caplog.text and "SECRET" not in caplog.text


def test_a_message_goes_out_after_the_commit(mail_app, smtp_server):
    with mail_app.app_context():
        mail.send("b@example.se", "Erbjudande", "Du har fått en plats.", kind="test")
        db.session.flush()
        assert smtp_server.messages == []  # not before the commit
        db.session.commit()
        (stored,) = _messages()
        assert stored.status is MessageStatus.SENT and stored.sent_at is not None
    (sent,) = smtp_server.messages
    assert sent["To"] == "b@example.se" and sent["Subject"] == "Erbjudande"
    assert "Du har fått en plats." in sent.get_content()


def test_a_rolled_back_transaction_sends_nothing(mail_app, smtp_server):
    with mail_app.app_context():
        mail.send("c@example.se", "Bekräftad", "Din plats är bekräftad.", kind="test")
        db.session.flush()
        db.session.rollback()
        db.session.commit()
        assert _messages() == []
    assert smtp_server.messages == []


def test_two_deliverers_at_once_send_a_message_once(app_factory, smtp_server):
    by_command = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                             MAIL_USE_TLS=False, MAIL_DELIVERY="command")
    with by_command.app_context():
        ids = [mail.send(f"d{i}@example.se", "Hej", "Text", kind="test").id or 0
               for i in range(20)]
        db.session.commit()
        ids = [m.id for m in _messages()]
        assert smtp_server.messages == []  # left for `flask mail send`
    start, counts = threading.Barrier(2), []

    def deliverer():
        with by_command.app_context():
            start.wait()
            counts.append(mail.deliver(ids))

    threads = [threading.Thread(target=deliverer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 20
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        f"d{i}@example.se" for i in range(20))


def test_a_message_is_retried_with_backoff_when_the_server_is_down(app_factory, smtp_server):
    down = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False)
    with down.app_context():
        mail.send("e@example.se", "Hej", "Text", kind="test")
        db.session.commit()
        (stored,) = _messages()
        assert stored.status is MessageStatus.PENDING and stored.attempts == 1
        assert stored.next_attempt_at > utcnow() + timedelta(seconds=50)
        db.session.rollback()  # end this read (SQLite: a reader holds back other writers)
        assert mail.deliver_due() == 0  # not due yet
        stored.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    up = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False)
    with up.app_context():
        assert mail.deliver_due() == 1
        (stored,) = _messages()
        assert stored.status is MessageStatus.SENT and stored.attempts == 1
    assert len(smtp_server.messages) == 1


def test_a_message_that_keeps_failing_is_given_up_and_shown_as_failed(app_factory, client_as):
    from youth_app.models import Role

    down = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False)
    with down.app_context():
        mail.send("f@example.se", "Hej", "Text", kind="test")
        db.session.commit()
        for _attempt in range(mail.MAX_ATTEMPTS - 1):
            db.session.execute(sa.update(OutgoingMessage).values(
                next_attempt_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()
            mail.deliver_due()
        (stored,) = _messages()
        assert stored.status is MessageStatus.FAILED and stored.attempts == mail.MAX_ATTEMPTS
    page = client_as(Role.ADMINISTRATOR).get("/admin/messages",
                                             headers={"Accept-Language": "en"})
    assert "Failed" in page.get_data(as_text=True)


def test_background_delivery_in_a_thread(app_factory, smtp_server):
    threaded = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                           MAIL_USE_TLS=False, MAIL_DELIVERY="background")
    with threaded.app_context():
        mail.send("g@example.se", "Hej", "Text", kind="test")
        db.session.commit()
    for _ in range(100):
        if smtp_server.messages:
            break
        time.sleep(0.05)
    assert len(smtp_server.messages) == 1


def test_a_message_whose_deliverer_died_is_sent_again_as_the_same_message(app_factory,
                                                                           smtp_server):
    from youth_app.models import MessageStatus as Status

    by_command = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                             MAIL_USE_TLS=False, MAIL_DELIVERY="command", MAIL_STUCK_AFTER=60)
    with by_command.app_context():
        mail.send("h@example.se", "Erbjudande", "Text", kind="test")
        db.session.commit()
        ids = [m.id for m in _messages()]
        db.session.rollback()  # end this read (SQLite: a reader holds back other writers)
        (first,) = mail._claim(ids)                           # a deliverer takes it ...
        with mail._smtp() as smtp:
            mail._send_one(smtp, first)                       # ... the server gets it ...
        db.session.execute(sa.update(OutgoingMessage).values(  # ... and it dies unnoted
            status=Status.SENDING, sent_at=None, next_attempt_at=utcnow()))
        db.session.commit()
        assert mail.deliver_due() == 0  # not given up for dead yet
        assert len(smtp_server.messages) == 1
        db.session.execute(sa.update(OutgoingMessage).values(
            next_attempt_at=utcnow() - timedelta(seconds=61)))
        db.session.commit()
        assert mail.deliver_due() == 1
        (stored,) = _messages()
        assert stored.status is Status.SENT
    first_copy, second_copy = smtp_server.messages
    assert first_copy["Message-ID"] == second_copy["Message-ID"]


def test_delivery_keeps_to_the_relays_rate(app_factory, smtp_server, monkeypatch):
    """``MAIL_RATE_PER_MINUTE``: messages leave evenly spaced, never faster than the
    relay takes them (the waits are recorded instead of slept)."""
    waits: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(mail, "_sleep", sleep)
    monkeypatch.setattr(mail, "_clock", lambda: now[0])
    monkeypatch.setattr(mail, "_paces", {})
    paced = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                        MAIL_USE_TLS=False, MAIL_DELIVERY="command", MAIL_RATE_PER_MINUTE=120)
    with paced.app_context():
        for number in range(5):
            mail.send(f"youth{number}@example.se", "Hej", "Erbjudande", kind="test")
        db.session.commit()
        assert mail.deliver_due() == 5
    assert len(smtp_server.messages) == 5
    assert waits == [0.5] * 4  # 60 s / 120, between five messages


def _redis_or_skip(url: str):
    import os

    import pytest
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(url)
    try:
        connection.ping()
    except RedisDown:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but no Redis at {url}")
        pytest.skip(f"no Redis at {url}")
    return connection


def test_the_rate_holds_for_every_delivering_process_together(app_factory, smtp_server,
                                                              monkeypatch):
    """With ``REDIS_URL`` the rate is the installation's, not one process's: an RQ work
    horse is a fresh process per job, and several workers (or machines) deliver at once.
    The second process here starts with nothing in memory (``_paces`` emptied, as a fork
    does) and still waits for the slots the first one took."""
    import os
    import secrets

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    connection = _redis_or_skip(url)
    key = f"test:mail-pace:{secrets.token_hex(4)}"
    monkeypatch.setattr(mail.SharedPace, "KEY", key)
    waits: list[float] = []
    # Each wait is recorded as the moment it waits for (not slept): the slots' spacing is
    # then exact however long the test itself takes between two messages.
    monkeypatch.setattr(mail, "_sleep", lambda seconds: waits.append(time.monotonic() + seconds))
    paced = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                        MAIL_USE_TLS=False, MAIL_DELIVERY="command", MAIL_RATE_PER_MINUTE=60,
                        REDIS_URL=url)
    try:
        per_process = []
        for process in range(2):
            monkeypatch.setattr(mail, "_paces", {})  # a new process: nothing remembered
            with paced.app_context():
                for number in range(3):
                    mail.send(f"youth{process}{number}@example.se", "Hej", "Erbjudande",
                              kind="test")
                db.session.commit()
                assert mail.deliver_due() == 3
            per_process.append(list(waits))
            waits.clear()
    finally:
        connection.delete(key)
        connection.close()
    assert len(smtp_server.messages) == 6
    # 1 s apart (60 s / 60) across both: the first process's first message goes at
    # once, every other waits for the slot after the one before (a second: room for a slow machine), the second process's
    # first included (it waits for the three slots the first process took).
    first, second = per_process
    assert (len(first), len(second)) == (2, 3), per_process
    moments = first + second
    assert [round(b - a, 1) for a, b in zip(moments, moments[1:])] == [1.0] * 4, moments


def test_paced_delivery_claims_a_message_only_at_its_turn(app_factory, smtp_server,
                                                          monkeypatch):
    """With a rate, a message waits ``pending`` until its turn, not ``sending``: a batch
    claimed at once would still be waiting after ``MAIL_STUCK_AFTER`` and be sent again
    by the next deliverer (tests/served/test_two_hosts.py saw it happen)."""
    sending_at_each_wait: list[int] = []

    def sleep(seconds: float) -> None:
        with Session(db.engine) as session:
            sending_at_each_wait.append(session.scalar(sa.select(sa.func.count(
                OutgoingMessage.id)).where(OutgoingMessage.status == MessageStatus.SENDING)))

    monkeypatch.setattr(mail, "_sleep", sleep)
    monkeypatch.setattr(mail, "_paces", {})
    paced = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                        MAIL_USE_TLS=False, MAIL_DELIVERY="command", MAIL_RATE_PER_MINUTE=6)
    with paced.app_context():
        for number in range(4):
            mail.send(f"youth{number}@example.se", "Hej", "Erbjudande", kind="test")
        db.session.commit()
        assert mail.deliver_due() == 4
        assert {m.status for m in _messages()} == {MessageStatus.SENT}
    assert len(smtp_server.messages) == 4
    assert sending_at_each_wait == [1, 1, 1]  # the one about to go, never the rest


def test_without_a_rate_nothing_waits(mail_app, smtp_server, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(mail, "_sleep", waits.append)
    with mail_app.app_context():
        for number in range(3):
            mail.send(f"youth{number}@example.se", "Hej", "Erbjudande", kind="test")
        db.session.commit()
    assert len(smtp_server.messages) == 3 and waits == []


def test_a_connection_lost_mid_batch_keeps_what_was_sent_and_retries_the_rest(app_factory):
    """Sent messages are noted a few at a time (``RECORD_EVERY``): when the server hangs
    up after 30, those 30 are noted as sent (none goes twice) and the other 30 wait."""
    import socket

    from aiosmtpd.controller import Controller

    arrived: list[str] = []

    class HangsUpAfterThirty:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            if len(arrived) >= 30:
                server.transport.close()
                return "421 going away"
            arrived.extend(envelope.rcpt_tos)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(HangsUpAfterThirty(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False,
                          MAIL_DELIVERY="command")
        with app.app_context():
            for n in range(60):
                mail.send(f"y{n}@example.se", "Hej", "Text", kind="test")
            db.session.commit()
            assert mail.deliver_due() == 30
            statuses = [m.status for m in _messages()]
    finally:
        controller.stop()
    assert statuses == [MessageStatus.SENT] * 30 + [MessageStatus.PENDING] * 30
    assert len(arrived) == len(set(arrived)) == 30
