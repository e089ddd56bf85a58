from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, HiddenField, SearchField, SelectChoice,
                     SelectField, TextAreaField)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import DateRange
from ..forms import Form as FlaskForm  # the app's base form: see youth_app/forms.py
from ..messages import text
from . import csv_import, services

#: The size limit as the form states it.
MAX_FILE_SIZE = f"{csv_import.MAX_FILE_BYTES // (1024 * 1024)} MB"


class Expiry(DateRange):
    """A membership's end: from today to ``services.latest_expiry()``, said the way a
    caseworker needs it (the base form's general date range steps aside for it)."""

    def __call__(self, form, field) -> None:
        problem = services.expiry_problem(field.data) if field.data else None
        if problem:
            raise ValidationError(expiry_problem_text(problem))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Name or personal identity number"),
                    validators=[DataRequired(), Length(max=100)])


class MembershipForm(FlaskForm):
    group = SelectField(_l("Priority group"), coerce=int)
    reason = TextAreaField(_l("Reason, for your file"), validators=[Optional(), Length(max=1000)],
                           description=_l("Seen only by social services."))
    expires_on = DateField(_l("Valid until"), validators=[Optional(), Expiry()],
                           description=_l("Leave empty for no end date."))

    def __init__(self, groups, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group.choices = [SelectChoice(g.id, g.name) for g in groups if not g.automatic]



def expiry_problem_text(problem: str) -> str:
    """``services.expiry_problem``'s answer as the caseworker reads it (the same sentences
    as the service's own refusal)."""
    if problem == "past":
        return text("expiry_past")
    return text("expiry_too_far", date=services.latest_expiry().isoformat())


class ImportForm(MembershipForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()],
                     description=_l("One personal identity number per line, e.g. "
                                    "20100514-1234, in the first column. A header line "
                                    "is allowed. At most %(size)s.", size=MAX_FILE_SIZE))


class ConfirmImportForm(FlaskForm):
    """The preview's answer: the signed list, and what to do with existing members."""
    token = HiddenField(validators=[DataRequired()])
    replace = BooleanField(
        _l("Replace the reason and expiry of those already in the group with the ones in "
           "this import"),
        description=_l("If you leave this unticked, the young people already in the "
                       "group keep their current reason and expiry."))


class ApartForm(FlaskForm):
    numbers = TextAreaField(
        _l("Personal identity numbers, one per line"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("These young people will never be placed on the same offer. "
                       "No reason is recorded."))
