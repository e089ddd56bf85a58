"""Outgoing e-mail: kept when no server is set, sent over SMTP when one is."""
from __future__ import annotations

import sqlalchemy as sa

from youth_app import mail
from youth_app.extensions import db
from youth_app.models import OutgoingMessage



def test_without_mail_server_messages_are_kept(app_context):
    message = mail.send("a@example.se", "Hej", "Text", kind="test")
    db.session.commit()
    stored = db.session.scalar(sa.select(OutgoingMessage))
    assert stored.id == message.id and stored.sent_at is None and stored.error == ""


class RecordingSMTP:
    sent: list = []

    def __init__(self, host, port, timeout):
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        RecordingSMTP.sent.append(message)


def test_with_mail_server_messages_go_out_over_smtp(app_factory, monkeypatch):
    monkeypatch.setattr(mail.smtplib, "SMTP", RecordingSMTP)
    smtp_app = app_factory(MAIL_SERVER="smtp.test", MAIL_PORT=2525)
    with smtp_app.app_context():
        message = mail.send("b@example.se", "Erbjudande", "Du har fått en plats.", kind="test")
        db.session.commit()
        assert message.sent_at is not None
    (sent,) = RecordingSMTP.sent
    assert sent["To"] == "b@example.se" and sent["Subject"] == "Erbjudande"
