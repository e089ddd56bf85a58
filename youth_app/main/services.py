"""Rules behind the public pages."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, gettext as _

from .. import audit, mail


def report_accessibility_problem(page: str, problem: str, reply_to: str) -> None:
    """Forward a report to the municipality's contact address, in Swedish for staff."""
    with force_locale("sv"):
        subject = _("Accessibility problem reported")
        body = _("Page: %(page)s\nReply to: %(email)s\n\n%(problem)s",
                 page=page or "-", email=reply_to or "-", problem=problem)
    mail.send(current_app.config["CONTACT_EMAIL"], subject, body, kind="main.accessibility")
    audit.record("main.accessibility_report", page=page[:300])
