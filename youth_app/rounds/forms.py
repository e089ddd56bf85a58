from __future__ import annotations

import re

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import (BooleanField, DateField, DateTimeLocalField, IntegerField, SelectChoice,
                     SelectField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..forms import DateRange, Form, years_from_today

#: A round's dates lie within a few years of today: older rounds stay editable.
ROUND_DATES = DateRange(years_from_today(-5), years_from_today(5))

PERIOD_LINE = re.compile(r"^\s*(?P<name>[^:]+):\s*(?P<first>\d{1,2})\s*[-–]\s*(?P<last>\d{1,2})\s*$")


class RoundForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       description=_l("For example \"Sommarjobb 2027\"."))
    application_opens_at = DateTimeLocalField(_l("Applications open"),
                                              validators=[DataRequired(), ROUND_DATES])
    application_closes_at = DateTimeLocalField(_l("Applications close"),
                                               validators=[DataRequired(), ROUND_DATES])
    reply_days = IntegerField(_l("Days to answer an offer"), default=7,
                              validators=[DataRequired(), NumberRange(1, 60)])
    reference_date = DateField(_l("Ages are counted on"),
                               validators=[DataRequired(), ROUND_DATES],
                               description=_l("Usually the first day of the summer jobs."))
    min_age = IntegerField(_l("Lowest age"), default=13, validators=[DataRequired(),
                                                                     NumberRange(10, 25)])
    max_age = IntegerField(_l("Highest age"), default=19, validators=[DataRequired(),
                                                                      NumberRange(10, 25)])
    residents_only = BooleanField(_l("Only young people who live in the municipality"),
                                  default=True)
    max_choices = IntegerField(_l("Number of choices"), default=5,
                               validators=[DataRequired(), NumberRange(1, 20)])
    max_places_per_youth = IntegerField(_l("Places per young person"), default=2,
                                        validators=[DataRequired(), NumberRange(1, 10)])
    max_jobs_per_youth = IntegerField(_l("Summer jobs per young person"), default=1,
                                      validators=[Optional(), NumberRange(0, 10)])
    priority_tiers = StringField(
        _l("Priority groups, highest first"), validators=[Optional(), Length(max=500)])
    method = SelectField(
        _l("How places are shared out"), default="optimal",
        choices=[SelectChoice("optimal", _l("Coverage first: as many young people as possible "
                                            "get a place, priority groups first")),
                 SelectChoice("stable", _l("Stable: priority and the lottery decide at each "
                                           "offer; nobody gains by choosing fewer"))],
        description=_l("The run's page shows both side by side for the same lottery, with "
                       "what each costs, before any offer goes out."))
    priority_ranks = SelectField(_l("Within priority groups, also favour their first choices"),
                                 choices=[SelectChoice("yes", _l("Yes")),
                                          SelectChoice("no", _l("No"))])
    friends = BooleanField(
        _l("Friends together"),
        description=_l("Young people may share a friend code (groups of at most three). After "
                       "everyone's places are settled, as many friends as possible are placed "
                       "on the same offer; it never costs anyone a place and never overrides "
                       "social services' decisions."))
    periods = TextAreaField(
        _l("Periods for summer jobs"), validators=[Optional(), Length(max=2000)],
        description=_l("One per line: name, colon, first and last week, e.g. "
                       "\"Period 1: 25-27\"."))

    def __init__(self, known_tiers: dict[str, str], *args, **kwargs):
        """``known_tiers``: code -> name. People type and read the names; the round's
        policy keeps the codes (``tiers``)."""
        super().__init__(*args, **kwargs)
        self.known_tiers = known_tiers
        self.priority_tiers.description = _(
            "Names separated by commas. The groups: %(names)s.",
            names=", ".join(known_tiers.values()) or "–")

    def tier_text(self, codes: list[str]) -> str:
        return ", ".join(self.known_tiers.get(code, code) for code in codes)

    def validate_application_closes_at(self, field):
        if self.application_opens_at.data and field.data and \
                field.data <= self.application_opens_at.data:
            raise ValidationError(_l("Applications must close after they open."))

    def validate_max_age(self, field):
        if self.min_age.data and field.data and field.data < self.min_age.data:
            raise ValidationError(_l("The highest age must not be lower than the lowest."))

    def _typed(self) -> list[str]:
        return [t.strip() for t in (self.priority_tiers.data or "").split(",") if t.strip()]

    def _code(self, typed: str) -> str | None:
        by_name = {name.casefold(): code for code, name in self.known_tiers.items()}
        return typed if typed in self.known_tiers else by_name.get(typed.casefold())

    def tiers(self) -> list[str]:
        """The typed names as the policy's codes, highest first."""
        return [code for code in map(self._code, self._typed()) if code]

    def validate_priority_tiers(self, field):
        unknown = [t for t in self._typed() if self._code(t) is None]
        if unknown:
            raise ValidationError(_l("Unknown priority group: %(codes)s. Known: %(known)s.",
                                     codes=", ".join(unknown),
                                     known=", ".join(self.known_tiers.values())))

    def parsed_periods(self, year: int) -> list[dict]:
        periods = []
        for line in (self.periods.data or "").splitlines():
            if not line.strip():
                continue
            match = PERIOD_LINE.match(line)
            first, last = int(match["first"]), int(match["last"])
            periods.append({"name": match["name"].strip(),
                            "weeks": [f"{year}-W{w:02d}" for w in range(first, last + 1)]})
        return periods

    def validate_periods(self, field):
        for number, line in enumerate((field.data or "").splitlines(), start=1):
            match = PERIOD_LINE.match(line)
            if line.strip() and (not match or not 1 <= int(match["first"]) <= int(match["last"])
                                 <= 52):
                raise ValidationError(_l("Line %(number)d is not like \"Period 1: 25-27\".",
                                         number=number))


class ManualOfferForm(Form):
    """A youth and an offer of the round, named as people do (``services._pair``)."""
    youth = StringField(_l("Young person"), validators=[DataRequired(), Length(max=100)],
                        description=_l("A name, a personal identity number, or a reference "
                                       "from the run page (Y12)."))
    offer = StringField(_l("Offer"), validators=[DataRequired(), Length(max=200)],
                        description=_l("Its title; the list suggests the round's offers."),
                        render_kw={"list": "round-offers", "autocomplete": "off"})


class OverrideForm(ManualOfferForm):
    kind = SelectField(_l("Decision"), choices=[
        SelectChoice("lock", _l("Always give this place")),
        SelectChoice("forbid", _l("Never give this place"))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
