from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..forms import Form


class LanguageForm(Form):
    language = HiddenField(validators=[DataRequired()])


class AccessibilityReportForm(Form):
    page = StringField(_l("Which page or part of the site?"),
                       validators=[Optional(), Length(max=300)])
    problem = TextAreaField(_l("What did not work?"),
                            validators=[DataRequired(), Length(max=4000)],
                            description=_l("Describe what you tried to do and what happened."))
    email = EmailField(_l("Your e-mail address, if you want an answer"),
                       validators=[Optional(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
