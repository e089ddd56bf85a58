from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..forms import Form



class PaperConsentForm(Form):
    guardian_name = StringField(_l("Guardian who signed"),
                                validators=[DataRequired(), Length(max=200)])
