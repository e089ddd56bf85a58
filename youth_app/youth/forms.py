from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, EmailField, FieldList, FormField, IntegerField,
                     SelectChoice, SelectField, SelectMultipleField, StringField, TelField,
                     TextAreaField)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from ..forms import Form
from ..auth.forms import SPOKEN, guardian_language_field



class GuardianForm(Form):
    class Meta:
        csrf = False

    name = StringField(_l("Guardian's name"), validators=[Optional(), Length(max=200)])
    email = EmailField(_l("Guardian's e-mail address"),
                       validators=[Optional(), Email(), Length(max=254)])
    phone = TelField(_l("Guardian's phone"), validators=[Optional(), Length(max=40)])
    language = guardian_language_field()


class ProfileForm(Form):
    phone = TelField(_l("Mobile phone"), validators=[Optional(), Length(max=40)],
                     render_kw={"autocomplete": "tel"})
    private_email = EmailField(
        _l("Private e-mail address"), validators=[DataRequired(), Email(), Length(max=254)],
        description=_l("School e-mail often stops working in the summer: use an address "
                       "you read then."), render_kw={"autocomplete": "email"})
    district = SelectField(_l("Where do you live?"), coerce=int, validators=[DataRequired()])
    school = StringField(_l("School"), validators=[Optional(), Length(max=200)])
    school_year = IntegerField(_l("School year"), validators=[Optional(), NumberRange(6, 13)],
                               description=_l("Year 7–9 in compulsory school; 10–12 for "
                                              "upper secondary year 1–3."))
    languages = SelectMultipleField(_l("Languages you speak"),
                                    choices=[SelectChoice(c, n) for c, n in SPOKEN])
    shared_notes = TextAreaField(
        _l("What your provider should know (optional)"),
        validators=[Optional(), Length(max=1000)],
        description=_l("For example allergies or a need for support. Only the provider of a "
                       "place you accepted sees this."))
    guardians = FieldList(FormField(GuardianForm), min_entries=2, max_entries=2)

    def __init__(self, districts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district.choices = [SelectChoice(d.id, d.name) for d in districts]


class RemoveAccountForm(Form):
    confirm = BooleanField(
        _l("Yes, remove my account"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))])


class FriendCodeForm(Form):
    code = StringField(_l("Your friend's code"), validators=[DataRequired(), Length(max=30)],
                       description=_l("Ten letters and digits, for example ABCDE-12345."),
                       render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                  "spellcheck": "false"})
