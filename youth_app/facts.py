"""The small facts the rules and the texts share, each written once.

A rule and the sentence that tells people about it must not drift apart: the texts
that name one of these numbers take it from here (``%(age)d``, ``%(small)d`` ...), and
templates get them as globals (``youth_app.create_app``).

"Today" and "now" are the municipality's: a deadline, an expiry or an age is a day in
the municipality's time zone (``BABEL_DEFAULT_TIMEZONE``, the one place the zone is
named), never the server's clock or UTC. Times are stored in UTC.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

#: Under this age a job contract needs a guardian's consent (föräldrabalken 6 kap. 12 §).
ADULT_AGE = 18

#: The ISO weeks a summer job or activity may take place in.
SEASON_WEEKS = range(22, 36)

#: The most hours a young person may be recorded as working in one day.
MAX_HOURS_PER_DAY = 12

#: The most working hours per day a summer job may state: what the Swedish Work
#: Environment Authority allows a 16- or 17-year-old in the school holidays (AFS 2012:3);
#: younger youths may work seven.
YOUNG_WORKER_MAX_HOURS = 8

#: Counts under this are never shown in figures, charts or exports: they could point
#: at a person (``allocation.figures``).
SMALL = 5

#: The municipality's zone when no app is at hand (the command line, tests of pure code).
DEFAULT_TIME_ZONE = "Europe/Stockholm"


def zone() -> ZoneInfo:
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() \
        else DEFAULT_TIME_ZONE
    return ZoneInfo(name)


def now() -> datetime:
    """The current moment, aware, in UTC (as stored)."""
    return datetime.now(timezone.utc)


def today() -> date:
    """Today's date in the municipality."""
    return now().astimezone(zone()).date()


def local_to_utc(value: datetime) -> datetime:
    """A naive wall-clock time typed in a form, as the aware UTC moment it means."""
    return value.replace(tzinfo=zone()).astimezone(timezone.utc)


def utc_to_local(value: datetime) -> datetime:
    """A stored moment as the naive wall-clock time a form shows."""
    return value.astimezone(zone()).replace(tzinfo=None)


def season_weeks(year: int) -> list[str]:
    """The season's weeks of ``year`` as ISO week names (``2027-W22``)."""
    return [f"{year}-W{week:02d}" for week in SEASON_WEEKS]


def deadline_after(days: int, today_: date | None = None) -> datetime:
    """The stored instant of a deadline ``days`` whole days from today: the end of that
    last day in the municipality, i.e. the UTC moment of the following local midnight.

    A deadline is stored as the first moment that is too late (``now < deadline`` is in
    time) and shown as its last day (``last_day``): "Answer by 16 April" means any time
    on 16 April, local time, still counts.
    """
    last = (today_ or today()) + timedelta(days=days)
    return local_to_utc(datetime.combine(last + timedelta(days=1), time()))


def last_day(deadline: datetime) -> tuple[date, time | None]:
    """The day a deadline is shown as, in the municipality's zone.

    A deadline at local midnight (as ``deadline_after`` stores them, or a round closing
    "00:00") is the end of the day before: that day is the last day, and no time is
    shown. A deadline at any other moment keeps its day and its wall-clock time, which
    is then shown too ("15 April 2027, 16:00").
    """
    local = utc_to_local(deadline)
    if local.time() == time():
        return (local - timedelta(days=1)).date(), None
    return local.date(), local.time()


def last_adult_birth_date(today: date) -> date:
    """Born on this day or before: ``ADULT_AGE`` or older ``today`` (``age_on``: one born
    on 29 February comes of age on 1 March in a year without one)."""
    year = today.year - ADULT_AGE
    try:
        return today.replace(year=year)
    except ValueError:  # today is 29 February, that year has none
        return date(year, 2, 28)
