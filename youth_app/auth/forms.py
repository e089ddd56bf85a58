"""Forms for accounts. Labels use ``_l`` (evaluated per request), help text ``description``."""
from __future__ import annotations


from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, EmailField, IntegerField, PasswordField, SelectChoice,
                     SelectField, SelectMultipleField, StringField, TelField)
from wtforms.validators import (DataRequired, Email, EqualTo, Length, NumberRange, Optional,
                                ValidationError)

from .. import facts
from ..forms import EARLIEST, Form
from ..i18n import language_choices
from ..identity import InvalidNumber, parse_org_number, parse_personal_number
from ..models import OrganisationKind

PASSWORD_MIN = 10

#: Languages a youth may say they speak (ISO 639-1), each named in itself.
SPOKEN = [("sv", "Svenska"), ("en", "English"), ("ar", "العربية"), ("so", "Soomaali"),
          ("ti", "ትግርኛ"), ("fa", "فارسی"), ("uk", "Українська"), ("pl", "Polski"),
          ("fi", "Suomi"), ("de", "Deutsch"), ("es", "Español")]


def guardian_language_field() -> SelectField:
    """The language of our e-mails to a guardian (``Guardian.language``): Swedish until
    the youth chooses another, so nothing is asked of or kept about them by default."""
    return SelectField(_l("Language of our e-mails to your guardian"),
                       choices=language_choices, filters=[_or_default_language],
                       description=_l("We write to your guardian in Swedish unless you "
                                      "choose a language they read better."))


def _or_default_language(value: str | None) -> str:
    return value or current_app.config["BABEL_DEFAULT_LOCALE"]


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email()],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


def password_fields():
    """A new password and its repetition, shared by registration and reset."""
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=128)],
        description=_l("At least %(count)d characters. A few words in a row are easy "
                       "to remember and hard to guess.", count=PASSWORD_MIN),
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"})
    return password, confirm


class YouthRegistrationForm(Form):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)],
                             render_kw={"autocomplete": "given-name"})
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)],
                            render_kw={"autocomplete": "family-name"})
    personal_number = StringField(
        _l("Personal identity number or coordination number"),
        validators=[DataRequired()],
        description=_l("12 digits, for example 20100514-1234. We use it to check your age "
                       "and that you live in the municipality. Providers never see it."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)],
        description=_l("Use a private address you read in the summer: school e-mail "
                       "often stops working when school is out."),
        render_kw={"autocomplete": "email"})
    phone = TelField(_l("Mobile phone"), validators=[Optional(), Length(max=40)],
                     render_kw={"autocomplete": "tel"})
    district = SelectField(_l("Where do you live?"), coerce=int,
                           validators=[DataRequired()])
    school_year = IntegerField(_l("School year"), validators=[Optional(), NumberRange(6, 13)],
                               description=_l("Year 7–9 in compulsory school; 10–12 for "
                                              "upper secondary year 1–3."))
    languages = SelectMultipleField(_l("Languages you speak"), choices=[])
    #: Only for a youth under ADULT_AGE, and skippable: see the page.
    guardian_name = StringField(_l("Guardian's name"), validators=[Optional(), Length(max=200)],
                                render_kw={"autocomplete": "off"})
    guardian_email = EmailField(_l("Guardian's e-mail address"),
                                validators=[Optional(), Email(), Length(max=254)],
                                render_kw={"autocomplete": "off"})
    guardian_phone = TelField(_l("Guardian's phone"), validators=[Optional(), Length(max=40)],
                              render_kw={"autocomplete": "off"})
    guardian_language = guardian_language_field()
    password, confirm = password_fields()
    accept_privacy = BooleanField(
        _l("I have read how my personal data is handled"),
        validators=[DataRequired(message=_l("You need to read and accept this to register."))])

    def __init__(self, districts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district.choices = [SelectChoice(0, _l("Choose…"))] + [
            SelectChoice(d.id, d.name) for d in districts]
        self.languages.choices = [SelectChoice(code, name) for code, name in SPOKEN]
        self.parsed_number = None

    def validate_personal_number(self, field):
        try:
            self.parsed_number = parse_personal_number(field.data)
        except InvalidNumber:
            raise ValidationError(_l("This is not a valid personal identity number. "
                                     "Write 12 digits, for example 20100514-1234.")) from None
        if not EARLIEST <= self.parsed_number.birth_date <= facts.today():
            self.parsed_number = None
            raise ValidationError(_l("The date of birth in this number cannot be right: it "
                                     "is in the future or before 1900."))


class ProviderRegistrationForm(Form):
    organisation_name = StringField(_l("Name of the organisation"),
                                    validators=[DataRequired(), Length(max=200)],
                                    render_kw={"autocomplete": "organization"})
    kind = SelectField(_l("Kind of organisation"), choices=[
        SelectChoice(OrganisationKind.ASSOCIATION.value, _l("Association")),
        SelectChoice(OrganisationKind.BUSINESS.value, _l("Business")),
        SelectChoice(OrganisationKind.MUNICIPAL_DEPARTMENT.value, _l("Municipal department")),
    ])
    org_number = StringField(_l("Organisation number"), validators=[DataRequired()],
                             description=_l("10 digits, for example 802456-9843."),
                             render_kw={"inputmode": "numeric"})
    contact_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)],
                               render_kw={"autocomplete": "name"})
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=40)],
                     render_kw={"autocomplete": "tel"})
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(),
                                                         Length(max=254)],
                       render_kw={"autocomplete": "email"})
    password, confirm = password_fields()
    accept_terms = BooleanField(
        _l("We accept the terms for providers"),
        validators=[DataRequired(message=_l("You need to accept the terms to register."))])

    def validate_org_number(self, field):
        try:
            field.data = parse_org_number(field.data)
        except InvalidNumber:
            raise ValidationError(_l("This is not a valid organisation number. "
                                     "Write 10 digits, for example 802456-9843.")) from None


class EmailForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email()],
                       render_kw={"autocomplete": "email"})


class ResetPasswordForm(Form):
    password, confirm = password_fields()


class CodeForm(Form):
    code = StringField(_l("Code from your authenticator app"),
                       validators=[DataRequired(), Length(min=6, max=8)],
                       description=_l("Six digits. A new code shows every 30 seconds."),
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"})
