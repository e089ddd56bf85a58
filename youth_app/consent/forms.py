from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import Form
from ..i18n import language_choices


class CodeForm(Form):
    code = StringField(_l("The code from the e-mail"),
                       validators=[DataRequired(message=_l("Enter the 6-digit code."))],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ConsentForm(Form):
    name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    confirm = BooleanField(
        _l("I am the guardian and I consent to the summer job described above"),
        validators=[DataRequired(message=_l("Tick the box to give your consent."))])


class DeclineForm(Form):
    name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "name"})


class QuestionForm(Form):
    question = TextAreaField(_l("Your question"),
                             validators=[DataRequired(message=_l("Write your question.")),
                                         Length(max=2000)])


class LanguageForm(Form):
    """The language of the platform's e-mails to the guardian (``Guardian.language``)."""

    language = SelectField(_l("Language of our e-mails to you"), choices=language_choices,
                           description=_l("Choose the language you read best: the code "
                                          "and any later e-mail come in it."))
