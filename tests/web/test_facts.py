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
