"""``Form``, the base of every form in the app: what no field may let through.

Each form derives from ``Form``; its ``Meta.bind_field`` puts these checks in front of
every field's own validators, so a new form or field cannot forget them:

- **Text** (every ``StringField``: text, e-mail, phone, search, hidden, text area) holds
  no control character: none of C0 (NUL to U+001F), DEL or C1 (U+0080 to U+009F).
  PostgreSQL cannot store NUL at all, and the others are invisible, break exports and
  can forge lines in e-mail. Multi-line fields (``TextAreaField``) may hold tab, CR, LF.
- **Direction controls.** Single-line fields (names, e-mail addresses, phone numbers,
  titles, codes) refuse the bidirectional embedding, override and isolate controls
  U+202A to U+202E and U+2066 to U+2069: a right-to-left override makes one name look
  like another, or a file name end in a harmless extension. Arabic, Persian and Tigrinya
  names need none of them: the browser orders right-to-left text by itself, and the
  marks LRM, RLM and ALM (U+200E, U+200F, U+061C) stay allowed. Multi-line free text
  keeps the controls, as people paste paragraphs that mix directions; each paragraph
  is its own block on the page, so they cannot reach beyond it.
- **Passwords** are exempt: only their hash is stored, so any character may be part of one.
- **Whole numbers** fit the database's INTEGER unless the field has its own ``NumberRange``.
- **Dates and times** lie from 1900 to 2100 unless the field has its own ``DateRange``:
  year 1 never reaches the database, nor ``astimezone``.
- **Digits.** Numbers may be typed in Persian or Arabic-Indic digits (a phone's Persian
  or Arabic keyboard gives them): every numeric field (whole and decimal numbers, dates,
  times, phone numbers, and text fields with ``inputmode`` numeric, decimal or tel: the
  personnummer, e-mailed codes) reads them as ASCII digits before its own parsing
  (``i18n.latin_digits``), so ``۱۵`` is 15 and ``٢٠١٠٠٥١٤-١٢٣٤`` a personnummer.
- **JSON bodies** are not a way to send a form: only form posts (and the query string,
  where a view passes it) are read.

(WTForms binds the entries of a ``FieldList`` without ``Meta``; a list of subforms, as the
guardians are, gets the checks through the subform, which is a ``Form`` too.)
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Callable

from flask import request
from flask_babel import format_date, gettext as _
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from wtforms import (DateField, DateTimeField, DecimalField, FloatField, IntegerField,
                     PasswordField, StringField, TelField, TextAreaField, TimeField)
from wtforms.validators import NumberRange, StopValidation

from . import facts
from .i18n import latin_digits
from .untrusted import INTEGER_MAX

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_IN_PARAGRAPHS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


def _label(field) -> str:
    return str(field.label.text) if field.label else field.name


class PlainText:
    """No control characters (multi-line: except tab, CR, LF); single-line: no
    direction controls either. Stops the chain: one clear message is enough."""

    def __init__(self, multiline: bool):
        self.control = CONTROL_IN_PARAGRAPHS if multiline else CONTROL
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        text = field.data
        if not isinstance(text, str) or not text:
            return
        if self.control.search(text):
            raise StopValidation(_("%(field)s contains an invisible control character. "
                                   "Remove it and try again.", field=_label(field)))
        if not self.multiline and DIRECTION_CONTROLS.search(text):
            raise StopValidation(_("%(field)s contains an invisible character that changes "
                                   "the direction of the text. Remove it and try again.",
                                   field=_label(field)))


class FitsTheDatabase:
    """A whole number the database's INTEGER can hold."""

    def __call__(self, form, field) -> None:
        if isinstance(field.data, int) and not -INTEGER_MAX - 1 <= field.data <= INTEGER_MAX:
            raise StopValidation(_("%(field)s is too large a number.", field=_label(field)))


Day = date | Callable[[], date]


class DateRange:
    """The date (or the date of a date and time) lies from ``earliest`` to ``latest``,
    each a date or a function giving one (for "today"). The message names the field."""

    def __init__(self, earliest: Day = EARLIEST, latest: Day = LATEST):
        self.earliest, self.latest = earliest, latest

    def __call__(self, form, field) -> None:
        value = field.data
        if value is None:
            return
        day = value.date() if isinstance(value, datetime) else value
        earliest = self.earliest() if callable(self.earliest) else self.earliest
        latest = self.latest() if callable(self.latest) else self.latest
        if not earliest <= day <= latest:
            raise StopValidation(_("%(field)s must be between %(earliest)s and %(latest)s.",
                                   field=_label(field), earliest=format_date(earliest),
                                   latest=format_date(latest)))


def years_from_today(years: int) -> Callable[[], date]:
    """For ``DateRange``: the same day ``years`` years from today (back, if negative);
    from 29 February, the 28th."""
    def day() -> date:
        today = facts.today()
        try:
            return today.replace(year=today.year + years)
        except ValueError:
            return today.replace(year=today.year + years, day=28)
    return day


def _has(field, kind) -> bool:
    return any(isinstance(v, kind) for v in field.validators)


def guards(field) -> list:
    """The checks ``Form`` puts first in ``field``'s chain."""
    if isinstance(field, PasswordField):
        return []
    if isinstance(field, StringField):
        return [PlainText(multiline=isinstance(field, TextAreaField))]
    if isinstance(field, IntegerField) and not _has(field, NumberRange):
        return [FitsTheDatabase()]
    if isinstance(field, DateTimeField) and not _has(field, DateRange):
        return [DateRange()]
    return []


NUMERIC_FIELDS = (IntegerField, DecimalField, FloatField, DateField, DateTimeField,
                  TimeField, TelField)
NUMERIC_INPUT_MODES = frozenset({"numeric", "decimal", "tel"})


def is_numeric(field) -> bool:
    """Whether people type a number into ``field`` (its digits are normalised)."""
    render_kw = getattr(field, "render_kw", None) or {}
    return isinstance(field, NUMERIC_FIELDS) or \
        render_kw.get("inputmode") in NUMERIC_INPUT_MODES


def read_native_digits(field) -> None:
    """Make ``field`` parse Persian and Arabic-Indic digits as ASCII ones. What was
    typed (``raw_data``) stays as it was, so a page that shows it again shows it so."""
    parse = field.process_formdata

    def process_formdata(valuelist):
        parse([latin_digits(value) if isinstance(value, str) else value
               for value in valuelist])
    field.process_formdata = process_formdata


class Form(FlaskForm):
    """The base of every form in the app (see the module's docstring)."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            field.validators = [*guards(field), *field.validators]
            if is_numeric(field):
                read_native_digits(field)
            return field

        def wrap_formdata(self, form, formdata):
            if formdata is _Auto and request.is_json and not request.form:
                return None
            return super().wrap_formdata(form, formdata)


class ActionForm(Form):
    """A button that changes something: only the CSRF token, nothing to fill in.

    A view need not validate it: ``CSRFProtect`` (``extensions.csrf``) refuses a POST
    without a valid token before any view runs (the product's 400 page), and there is no
    field that could be wrong. Rendered, it gives the token to a button's form."""
