from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class PaperConsentForm(FlaskForm):
    guardian_name = StringField(_l("Guardian who signed"),
                                validators=[DataRequired(), Length(max=200)])
