"""One "today" and one time zone: the municipality's, whatever the server's clock says."""
from __future__ import annotations

from datetime import date, datetime, timezone

from youth_app import facts


def test_today_is_the_municipalitys_date_not_utcs(app, monkeypatch):
    # 23:30 UTC on New Year's Eve is already 00:30 on New Year's Day in Sweden.
    monkeypatch.setattr(facts, "now", lambda: datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc))
    with app.app_context():
        assert facts.today() == date(2027, 1, 1)
    with app.app_context():
        app.config["BABEL_DEFAULT_TIMEZONE"] = "America/New_York"
        try:
            assert facts.today() == date(2026, 12, 31)
        finally:
            app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Stockholm"


def test_a_time_typed_in_a_form_means_the_municipalitys_wall_clock(app):
    with app.app_context():
        summer = facts.local_to_utc(datetime(2027, 6, 1, 8, 0))
        assert summer == datetime(2027, 6, 1, 6, 0, tzinfo=timezone.utc)  # CEST, UTC+2
        assert facts.utc_to_local(summer) == datetime(2027, 6, 1, 8, 0)


def test_the_season_weeks_are_written_once():
    assert facts.season_weeks(2027)[0] == "2027-W22" and facts.season_weeks(2027)[-1] == "2027-W35"


def test_no_text_writes_a_fact_as_a_literal_number():
    """A text that names the adult age, the hours cap or a link's lifetime takes it from
    where it is defined, so changing the fact changes every sentence that states it."""
    import re

    from babel.messages.pofile import read_po

    from youth_app.config import ROOT

    with (ROOT / "translations" / "messages.pot").open("rb") as handle:
        texts = [m.id if isinstance(m.id, str) else " ".join(m.id)
                 for m in read_po(handle) if m.id]
    literal = {rf"\b{facts.ADULT_AGE}\b": "the adult age",
               rf"\b0 and {facts.MAX_HOURS_PER_DAY}\b": "the hours cap",
               r"\b24 hours\b": "a link's lifetime (TOKEN_MAX_AGE)"}
    found = [(fact, text) for text in texts for pattern, fact in literal.items()
             if re.search(pattern, text)]
    assert found == []


def test_a_links_lifetime_is_told_from_the_setting(app_factory, users):
    from datetime import timedelta

    from youth_app.auth import services
    from youth_app.extensions import db
    from youth_app.models import OutgoingMessage, Role, User

    other = app_factory(TOKEN_MAX_AGE=timedelta(hours=48))
    with other.test_request_context():
        services.send_confirmation(db.session.get(User, users[Role.YOUTH].id))
        body = db.session.scalars(db.select(OutgoingMessage.body).order_by(
            OutgoingMessage.id.desc())).first()
        db.session.rollback()
    assert "48" in body and "24" not in body
