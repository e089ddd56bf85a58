from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from ..forms import Form


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    action = StringField(_l("Action begins with"), validators=[Optional(), Length(max=100)],
                         description=_l("The beginning of the action as the log files write it"))
    actor = StringField(_l("Who (part of the e-mail address)"),
                        validators=[Optional(), Length(max=254)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
