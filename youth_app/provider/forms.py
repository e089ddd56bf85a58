from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (EmailField, IntegerField, SelectChoice, SelectField, SelectMultipleField,
                     StringField, TelField, TextAreaField)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, \
    ValidationError

from .. import facts
from ..forms import Form
from ..catalogue.services import interest_names
from ..i18n import week_label
from ..models import AllocationMode, OfferKind


class OfferForm(Form):
    kind = SelectField(_l("Kind"), choices=[
        SelectChoice(OfferKind.JOB.value, _l("Summer job")),
        SelectChoice(OfferKind.ACTIVITY.value, _l("Leisure activity"))])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)],
                        description=_l("Short and clear, e.g. \"Café assistant\"."))
    description = TextAreaField(_l("What will the young person do?"),
                                validators=[DataRequired(), Length(max=4000)])
    round = SelectField(_l("Round"), coerce=int, validators=[Optional()])
    allocation_mode = SelectField(_l("How are places given?"), choices=[
        SelectChoice(AllocationMode.ROUND.value, _l("Shared out fairly when the round closes")),
        SelectChoice(AllocationMode.OPEN.value, _l("First come, first served, then a waiting "
                                                   "list (activities only)"))])
    # No Optional() here: it would stop the chain before validate_period runs.
    period = SelectField(_l("Period (summer jobs)"),
                         description=_l("Summer jobs follow the round's periods."))
    weeks = SelectMultipleField(_l("Weeks (activities)"),
                                description=_l("Hold Ctrl (or Cmd) to choose more than one."))
    place = StringField(_l("Place (address)"), validators=[DataRequired(), Length(max=200)])
    district = SelectField(_l("District"), coerce=int, validators=[Optional()])
    capacity = IntegerField(_l("Number of places"),
                            validators=[DataRequired(), NumberRange(min=1, max=500)])
    min_participants = IntegerField(
        _l("Fewest participants (activities)"), validators=[Optional(), NumberRange(min=2, max=500)],
        description=_l("For an activity shared out when the round closes: it runs only if at "
                       "least this many young people get a place. Otherwise it is cancelled, and "
                       "those who chose it are given their other choices."))
    hours_per_day = IntegerField(
        _l("Working hours per day (summer jobs)"), validators=[Optional(), NumberRange(
            min=1, max=facts.YOUNG_WORKER_MAX_HOURS)],
        description=_l("At most %(max)d: the most a young person under %(age)d may work in a "
                       "day in the holidays.", max=facts.YOUNG_WORKER_MAX_HOURS,
                       age=facts.ADULT_AGE))
    hourly_pay = IntegerField(
        _l("Pay per hour in kronor (summer jobs)"),
        validators=[Optional(), NumberRange(min=0, max=1000)],
        description=_l("Write 0 if the job is unpaid. Guardians read it before they consent."))
    min_age = IntegerField(_l("Lowest age"), default=13,
                           validators=[DataRequired(), NumberRange(min=13, max=19)])
    max_age = IntegerField(_l("Highest age"), default=19,
                           validators=[DataRequired(), NumberRange(min=13, max=19)])
    requirements = TextAreaField(
        _l("Requirements"), validators=[Optional(), Length(max=2000)],
        description=_l("For example: can swim; an extract from the criminal record for "
                       "work with children."))
    supervisor_name = StringField(_l("Supervisor's name"),
                                  validators=[DataRequired(), Length(max=200)])
    supervisor_phone = TelField(_l("Supervisor's phone"),
                                validators=[DataRequired(), Length(max=40)])
    meeting_point = StringField(_l("Meeting point on the first day"),
                                validators=[Optional(), Length(max=200)])
    what_to_bring = TextAreaField(_l("What to bring"), validators=[Optional(), Length(max=2000)])
    accessibility = TextAreaField(_l("Accessibility of the place"),
                                  validators=[Optional(), Length(max=2000)])
    interests = SelectMultipleField(_l("What it is about"),
                                    description=_l("Helps young people find it. Hold Ctrl (or "
                                                   "Cmd) to choose more than one."))
    languages = StringField(_l("Languages spoken"), validators=[Optional(), Length(max=200)],
                            description=_l("For example: Swedish, English, Arabic."))

    def __init__(self, rounds, districts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.round.choices = [SelectChoice(0, _l("No round (open sign-up)"))] + [
            SelectChoice(r.id, r.name) for r in rounds]
        self.district.choices = [SelectChoice(0, _l("Choose…"))] + [
            SelectChoice(d.id, d.name) for d in districts]
        self.rounds = {r.id: r for r in rounds}
        self.period.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(f"{r.id}:{i}", f"{r.name}: {p['name']} ({_span(p['weeks'])})")
            for r in rounds for i, p in enumerate(r.periods)]
        self.interests.choices = [SelectChoice(code, name)
                                  for code, name in interest_names().items()]
        years = sorted({r.reference_date.year for r in rounds}) or [None]
        self.weeks.choices = [SelectChoice(w, week_label(w))
                              for y in years if y for w in facts.season_weeks(y)]

    def validate_min_participants(self, field):
        if field.data and self.capacity.data and field.data > self.capacity.data:
            raise ValidationError(_l("The fewest participants must not be more than the number "
                                     "of places."))

    def validate_max_age(self, field):
        if self.min_age.data and field.data and field.data < self.min_age.data:
            raise ValidationError(_l("The highest age must not be lower than the lowest."))

    def chosen_weeks(self) -> list[str]:
        if self.kind.data == OfferKind.JOB.value and self.period.data:
            round_id, index = (int(x) for x in self.period.data.split(":"))
            return list(self.rounds[round_id].periods[index]["weeks"])
        return list(self.weeks.data or [])

    def validate_period(self, field):
        if self.kind.data == OfferKind.JOB.value and not field.data:
            raise ValidationError(_l("Choose the period of the summer job."))

    def validate_weeks(self, field):
        if self.kind.data == OfferKind.ACTIVITY.value and not field.data:
            raise ValidationError(_l("Choose at least one week."))


def _span(weeks: list[str]) -> str:
    return f"v. {int(weeks[0][-2:])}–{int(weeks[-1][-2:])}" if weeks else ""




class InviteForm(Form):
    email = EmailField(_l("Their e-mail address"),
                       validators=[DataRequired(), Email(), Length(max=254)])
