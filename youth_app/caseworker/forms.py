from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ..forms import Form as FlaskForm  # the app's base form: see youth_app/forms.py
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SearchField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Name or personal identity number"),
                    validators=[DataRequired(), Length(max=100)])


class MembershipForm(FlaskForm):
    group = SelectField(_l("Priority group"), coerce=int)
    reason = TextAreaField(_l("Reason, for your file"), validators=[Optional(), Length(max=1000)],
                           description=_l("Seen only by social services."))
    expires_on = DateField(_l("Valid until"), validators=[Optional()],
                           description=_l("Leave empty for no end date."))

    def __init__(self, groups, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group.choices = [SelectChoice(g.id, g.name) for g in groups if not g.automatic]


class ImportForm(MembershipForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()],
                     description=_l("One personal identity number per line, e.g. "
                                    "20100514-1234. A header line is allowed."))


class ApartForm(FlaskForm):
    numbers = TextAreaField(
        _l("Personal identity numbers, one per line"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("These young people will never be placed on the same offer. "
                       "No reason is recorded."))


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
