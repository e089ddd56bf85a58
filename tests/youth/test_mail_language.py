"""E-mails in the language the youth registered in; My page lists them in the reader's."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from youth_app.extensions import db
from youth_app.models import OutgoingMessage, User

from .. import factories
from ..web.test_auth import _link, youth_form

pytestmark = pytest.mark.youth

ENGLISH = {"Accept-Language": "en"}
SWEDISH = {"Accept-Language": "sv"}


def _subjects(app, email: str) -> dict[str, str]:
    with app.app_context():
        return {m.kind: m.subject for m in db.session.scalars(
            sa.select(OutgoingMessage).where(OutgoingMessage.recipient == email))}


def test_a_youth_who_registered_in_english_gets_english_mail(app, client):
    """The browser said English; the language button was never pressed."""
    client.post("/register/youth", data=youth_form(app), headers=ENGLISH)
    with app.app_context():
        assert db.session.scalar(sa.select(User.preferred_language)) == "en"
        round_ = factories.round_(name="Summer 2027")
        offer = factories.offer(round=round_, title="Park work", min_age=13, max_age=19)
        db.session.commit()
        round_id, offer_id = round_.id, offer.id
    assert _subjects(app, "sara@example.se")["auth.confirm_email"] == \
        "Confirm your e-mail address"
    client.get(_link(app, "auth.confirm_email", "sara@example.se"), headers=ENGLISH)
    client.post("/login", data={"email": "sara@example.se",
                                "password": "sommarlov i skärgården"}, headers=SWEDISH)
    client.post(f"/youth/rounds/{round_id}/choices/add/{offer_id}", headers=SWEDISH)
    assert _subjects(app, "sara@example.se")["application.received"] == \
        "We have received your application: Summer 2027"


def test_my_page_names_each_message_in_the_readers_language(app, client):
    client.post("/language", data={"language": "en", "next": "/"})
    client.post("/register/youth", data=youth_form(app))
    assert _subjects(app, "sara@example.se")["auth.confirm_email"] == \
        "Confirm your e-mail address"
    client.get(_link(app, "auth.confirm_email", "sara@example.se"))
    client.post("/login", data={"email": "sara@example.se",
                                "password": "sommarlov i skärgården"})
    client.post("/language", data={"language": "sv", "next": "/youth/"})
    page = client.get("/youth/").get_data(as_text=True)
    assert ": Bekräfta din e-postadress</summary>" in page  # sent in English, read in Swedish
