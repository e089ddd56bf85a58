"""Which language a page is shown in: the user's choice, then the browser, then Swedish."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

#: Languages written right to left.
RTL = frozenset({"ar"})

#: Each language's name in itself, for the language switch.
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English", "ar": "العربية"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("language")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and \
            current_user.preferred_language in languages:
        return str(current_user.preferred_language)
    return request.accept_languages.best_match(languages) or \
        current_app.config["BABEL_DEFAULT_LOCALE"]


def template_context() -> dict:
    language = str(get_locale())
    return {
        "current_language": language,
        "text_direction": "rtl" if language in RTL else "ltr",
        "language_names": LANGUAGE_NAMES,
    }


def week_label(iso_week: str) -> str:
    """``2027-W25`` as the reader's language says it, e.g. "vecka 25, 2027"."""
    from flask_babel import gettext as _

    year, number = iso_week.split("-W")
    return _("week %(number)d, %(year)d", number=int(number), year=int(year))


def weeks_label(iso_weeks: list[str]) -> str:
    """A list of ISO weeks, consecutive ones joined: "weeks 25–27, 2027"."""
    from flask_babel import gettext as _

    parts: list[str] = []
    run: list[str] = []
    for week in sorted(iso_weeks) + [None]:
        if run and (week is None or not _follows(run[-1], week)):
            year, first = run[0].split("-W")
            last = run[-1].split("-W")[1]
            parts.append(week_label(run[0]) if len(run) == 1 else _(
                "weeks %(first)d–%(last)d, %(year)d", first=int(first), last=int(last),
                year=int(year)))
            run = []
        if week is not None:
            run.append(week)
    return "; ".join(parts)


def _follows(before: str, after: str) -> bool:
    year_a, week_a = (int(x) for x in before.split("-W"))
    year_b, week_b = (int(x) for x in after.split("-W"))
    return year_a == year_b and week_b == week_a + 1


def moment(value) -> str:
    """A stored moment (UTC) as the reader says it, on the municipality's clock:
    "15 april 2027 16:00" (the ``moment`` filter). Pages, e-mails and the "my data"
    page all use this, so one moment reads the same everywhere."""
    from flask_babel import format_date, format_time, gettext as _

    from . import facts

    if value in (None, ""):
        return ""
    if isinstance(value, str):  # as a download carries it (ISO 8601 with offset)
        value = datetime.fromisoformat(value)
    local = facts.utc_to_local(value)
    return _("%(date)s, %(time)s", date=format_date(local.date(), "long"),
             time=format_time(local.time(), "short"))


def deadline(value) -> str:
    """A deadline as its last day (the ``deadline`` filter): "16 april 2027", or with
    the time when it does not end at midnight (``facts.last_day``)."""
    from flask_babel import format_date, format_time, gettext as _

    from . import facts

    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    day, at = facts.last_day(value)
    if at is None:
        return format_date(day, "long")
    return _("%(date)s, %(time)s", date=format_date(day, "long"),
             time=format_time(at, "short"))
