"""The one way the platform sends e-mail.

With ``MAIL_SERVER`` set, messages go out over SMTP. Without it (``make run``, tests)
they are only kept in ``OutgoingMessage`` and written to the log, so nothing needs a
mail server to work. Either way the message is stored, so staff can see what was sent.
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app

from .extensions import db
from .models import OutgoingMessage, User, utcnow


def send(recipient: str, subject: str, body: str, kind: str,
         user: User | None = None) -> OutgoingMessage:
    message = OutgoingMessage(recipient=recipient, subject=subject, body=body, kind=kind,
                              user_id=user.id if user else None)
    db.session.add(message)
    if current_app.config.get("MAIL_SERVER"):
        _deliver(message)
    else:
        current_app.logger.info("E-mail not sent (no MAIL_SERVER) to %s: %s\n%s",
                                recipient, subject, body)
    return message


def _deliver(message: OutgoingMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(email)
        message.sent_at = utcnow()
    except (OSError, smtplib.SMTPException) as error:
        message.error = str(error)
        current_app.logger.error("E-mail to %s failed: %s", message.recipient, error)
