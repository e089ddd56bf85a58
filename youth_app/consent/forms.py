from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import Form


class ConsentForm(Form):
    name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    confirm = BooleanField(
        _l("I am the guardian and I consent to the summer job described above"),
        validators=[DataRequired(message=_l("Tick the box to give your consent."))])
