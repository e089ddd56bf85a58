from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..forms import Form



class ReturnOfferForm(Form):
    reason = StringField(_l("What the provider should change"),
                         description=_l("The provider reads this on the offer's page and in "
                                        "an e-mail."),
                         validators=[DataRequired(), Length(max=2000)])


class PaperConsentForm(Form):
    guardian_name = StringField(_l("Guardian who signed"),
                                validators=[DataRequired(), Length(max=200)])
