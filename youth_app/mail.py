"""The one way the platform sends e-mail.

With ``MAIL_SERVER`` set, messages go out over SMTP. Without it (``make run``, tests)
they are only kept in ``OutgoingMessage`` and written to the log, so nothing needs a
mail server to work. Either way the message is stored, so staff can see what was sent.
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from typing import Callable

from flask import current_app
from flask_babel import force_locale

from .extensions import db
from .models import OutgoingMessage, User, YouthProfile, utcnow


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


def user_language(user: User | None) -> str:
    return (user.preferred_language if user else None) or \
        current_app.config["BABEL_DEFAULT_LOCALE"]


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
