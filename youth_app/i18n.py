"""Which language a page is shown in, and how each language writes its texts and numbers.

The order: the choice made on the language menu (this session, then the account's
``preferred_language``), then the browser, then Swedish. Staff pages (``STAFF_AREAS``)
have catalogues in ``STAFF_LANGUAGES`` only; there another choice falls back to one of
those (easy Swedish to Swedish; the others to the browser's best staff language, else
Swedish), so a staff page never mixes languages.

Easy Swedish (lättläst) is the locale ``sv@ll``: Swedish with the modifier ``ll``.
Babel and Flask-Babel parse a modifier (``Locale("sv", modifier="ll")``) and format dates
and numbers as Swedish; gettext looks in ``translations/sv@ll``. A private territory such
as ``sv_LL`` or ``sv_XL`` is refused by Babel ("unknown locale"), and ``sv_ZZ`` silently
becomes ``sv_SE``. Its code fits ``User.preferred_language`` (5 characters); on the page
it is ``lang="sv"`` (the BCP 47 tag: it *is* Swedish, and screen readers read it so).
A text easy Swedish has not translated is shown in Swedish (``FALLBACK``), never in
the English source.
"""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import cached_property

import flask_babel
from babel import Locale
from babel.numbers import format_decimal as babel_format_decimal
from babel.support import NullTranslations, Translations
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

#: Each language's name in itself, in the order of the language menu.
LANGUAGE_NAMES = {
    "sv": "Svenska", "sv@ll": "Lättläst svenska", "en": "English", "ar": "العربية",
    "fa": "فارسی", "so": "Soomaali", "ti": "ትግርኛ", "uk": "Українська",
}

#: Easy Swedish (lättläst): see the module's docstring for why this code.
EASY_SWEDISH = "sv@ll"

#: Languages written right to left.
RTL = frozenset({"ar", "fa"})

#: Languages whose catalogues cover the staff's pages too; the others cover every page
#: and e-mail a youth, a guardian or a provider sees (``catalogues.public_messages``).
STAFF_LANGUAGES = ("sv", "en", "ar")

#: The staff's areas: the blueprints (and the folders of templates/ and youth_app/)
#: whose pages and texts only staff see ...
STAFF_AREAS = frozenset({"admin", "caseworker", "reports", "rounds"})
#: ... except these pages, which everyone sees (the public page of a round) ...
PUBLIC_ENDPOINTS_IN_STAFF_AREAS = frozenset({"rounds.public", "rounds.public_file"})
#: ... and the sources of their texts.
PUBLIC_SOURCES_IN_STAFF_AREAS = frozenset({
    "templates/rounds/public.html", "youth_app/rounds/__init__.py",
    "youth_app/admin/services.py",  # its e-mails tell a provider that an offer is published
})

#: Where a language's catalogue has no text, the language whose text is shown instead
#: (without an entry: the English source).
FALLBACK = {EASY_SWEDISH: "sv"}

#: Digits by CLDR numbering system. A language writes numbers in its locale's default
#: numbering system (Babel's ``default_numbering_system``): ``arabext`` (Persian digits)
#: for fa; ``latn`` for ar, as CLDR has it for Arabic in general (the Maghreb, and much
#: of the diaspora, writes 0-9; Gulf and Levant readers read both), which is what the
#: Arabic pages have always shown.
DIGITS = {"arabext": "۰۱۲۳۴۵۶۷۸۹", "arab": "٠١٢٣٤٥٦٧٨٩"}
#: Every decimal digit people may type, to the ASCII digit (``latin_digits``).
TO_LATIN = str.maketrans({native: str(value) for digits in DIGITS.values()
                          for value, native in enumerate(digits)})


def select_locale() -> str:
    language = chosen_language()
    if language not in STAFF_LANGUAGES and on_staff_page():
        return FALLBACK.get(language) or request.accept_languages.best_match(
            STAFF_LANGUAGES) or current_app.config["BABEL_DEFAULT_LOCALE"]
    return language


def chosen_language() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("language")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and \
            current_user.preferred_language in languages:
        return str(current_user.preferred_language)
    known = g.get("reader_language")
    if known in languages:
        return str(known)
    return request.accept_languages.best_match(languages) or \
        current_app.config["BABEL_DEFAULT_LOCALE"]


def read_in(language: str | None) -> None:
    """The reader of this page is known to read ``language`` (a guardian on their
    consent page: the language chosen for them). It comes after a choice made on the
    language menu and before the browser's; call it before the page's first text."""
    g.reader_language = language


def stored_language(language: str | None) -> str | None:
    """A language choice as a record keeps it (``Guardian.language``): ``None`` for
    Swedish, the default, which needs no remembering, and for a language not offered."""
    if language not in current_app.config["LANGUAGES"] or \
            language == current_app.config["BABEL_DEFAULT_LOCALE"]:
        return None
    return language


def language_choices() -> list[tuple[str, str, dict]]:
    """The languages offered, each named in itself and marked with its ``lang`` (for a
    select field's choices: value, label, the option's attributes)."""
    return [(code, LANGUAGE_NAMES[code], {"lang": html_lang(code)})
            for code in current_app.config["LANGUAGES"]]


def on_staff_page() -> bool:
    """Whether this request is for a page only staff see (their catalogues: sv, en, ar)."""
    return has_request_context() and request.blueprint in STAFF_AREAS and \
        request.endpoint not in PUBLIC_ENDPOINTS_IN_STAFF_AREAS


def html_lang(language: str) -> str:
    """The BCP 47 tag of a locale, for ``lang=""``: ``sv@ll`` is ``sv``."""
    return str(language).partition("@")[0].replace("_", "-")


def template_context() -> dict:
    language = str(get_locale())
    names = {code: LANGUAGE_NAMES[code] for code in current_app.config["LANGUAGES"]}
    return {
        "current_language": language,
        "current_lang_tag": html_lang(language),
        "text_direction": "rtl" if language in RTL else "ltr",
        "language_names": names,
        "html_lang": html_lang,
        #: The menu says that staff pages are in fewer languages, to those who chose one.
        "staff_pages_in_fewer_languages": chosen_language() not in STAFF_LANGUAGES,
    }


# --- digits ---------------------------------------------------------------------------

def native_digits(text: str, language: str | None = None) -> str:
    """``text`` with its ASCII digits in the language's own (unchanged for most)."""
    digits = _digits(language)
    return text.translate(str.maketrans("0123456789", digits)) if digits else text


def latin_digits(text: str) -> str:
    """Persian and Arabic-Indic digits typed in a form, as ASCII digits (``forms``)."""
    return text.translate(TO_LATIN)


def _digits(language: str | None) -> str | None:
    if language is None:
        locale = get_locale()
        if locale is None:
            return None
    else:
        locale = Locale.parse(language)
    return DIGITS.get(locale.default_numbering_system)


def decimal(number, format: str | None = None) -> str:
    """A number as the reader writes it (the ``decimal`` filter): "1 234,5", "۱٬۲۳۴٫۵"."""
    locale = get_locale()
    return native_digits(babel_format_decimal(number, format=format, locale=locale,
                                              numbering_system="default"))


def format_date(value, format: str = "medium") -> str:
    return native_digits(flask_babel.format_date(value, format))


NUMBER = re.compile(r"%\((\w+)\)([-#0 +]?\d*(?:\.\d+)?[dif])")


def interpolate(text: str, variables: dict) -> str:
    """``text % variables``, with the numbers among them in the reader's digits."""
    if not variables:
        return text
    if _digits(None) is None:
        return text % variables
    values = dict(variables)
    for name, spec in set(NUMBER.findall(str(text))):
        value = values.get(name)
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            values[name] = native_digits(f"%{spec}" % value)
    pattern = NUMBER.sub(r"%(\1)s", str(text))
    # Markup % values escapes the values, as the template's own gettext would.
    # The pattern is the catalogue's own text (already Markup when it was), never data.
    return (Markup(pattern) if isinstance(text, Markup) else pattern) % values  # nosec B704


# --- catalogues -----------------------------------------------------------------------

class CatalogueDomain(flask_babel.Domain):
    """Flask-Babel's domain with a fallback catalogue (``FALLBACK``), no empty texts
    (an untranslated plural is written to the .mo as empty forms) and the reader's
    digits in numbers (``interpolate``)."""

    def get_translations(self):
        translations = super().get_translations()
        if not getattr(translations, "prepared", False):
            _drop_empty(translations)
            fallback = FALLBACK.get(str(get_locale()))
            if fallback:
                _drop_untranslated_plurals(translations)
                extra = Translations.load(self.translation_directories[0], [fallback],
                                          self.domain[0])
                _drop_empty(extra)
                translations.add_fallback(extra)
            translations.prepared = True
        return translations

    def gettext(self, string, **variables):
        return interpolate(self.get_translations().ugettext(string), variables)

    def ngettext(self, singular, plural, num, **variables):
        variables.setdefault("num", num)
        return interpolate(self.get_translations().ungettext(singular, plural, num),
                           variables)

    def pgettext(self, context, string, **variables):
        return interpolate(self.get_translations().upgettext(context, string), variables)

    def npgettext(self, context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        return interpolate(self.get_translations().unpgettext(context, singular, plural,
                                                              num), variables)


def _drop_empty(translations: NullTranslations) -> None:
    catalog = getattr(translations, "_catalog", None)
    if catalog:
        for key in [key for key, text in catalog.items() if text == "" and key != ""]:
            del catalog[key]


def _drop_untranslated_plurals(translations: NullTranslations) -> None:
    """Babel writes an untranslated plural to the .mo with the English ids as its forms;
    where a fallback catalogue exists, let that one answer instead."""
    catalog = getattr(translations, "_catalog", {})
    english = {key[0] for key, text in catalog.items()
               if isinstance(key, tuple) and key[1] == 0 and text == key[0]}
    for key in [key for key in catalog if isinstance(key, tuple) and key[0] in english]:
        del catalog[key]


class CatalogueBabel(flask_babel.Babel):
    """Flask-Babel with ``CatalogueDomain``."""

    @cached_property
    def domain_instance(self):
        return CatalogueDomain(domain=self.domain)


def install_template_gettext(app) -> None:
    """Templates translate as Flask-Babel's (newstyle gettext, autoescaped), with the
    fallback catalogue and the reader's digits (``interpolate``)."""

    def text(context, value, variables):
        if context.eval_ctx.autoescape:  # a catalogue text, as Jinja's own i18n does;
            value = Markup(value)  # nosec B704  (the variables are escaped by Markup's %)
        return interpolate(value, variables)

    @pass_context
    def gettext(context, string, **variables):
        return text(context, get_translations().ugettext(string), variables)

    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        return text(context, get_translations().ungettext(singular, plural, num), variables)

    @pass_context
    def pgettext(context, message_context, string, **variables):
        return text(context, get_translations().upgettext(message_context, string),
                    variables)

    @pass_context
    def npgettext(context, message_context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        return text(context, get_translations().unpgettext(message_context, singular,
                                                           plural, num), variables)

    app.jinja_env.globals.update(gettext=gettext, _=gettext, ngettext=ngettext,
                                 pgettext=pgettext, npgettext=npgettext)


def week_label(iso_week: str) -> str:
    """``2027-W25`` as the reader's language says it, e.g. "vecka 25, 2027"."""
    from flask_babel import gettext as _

    year, number = iso_week.split("-W")
    return _("week %(number)d, %(year)d", number=int(number), year=int(year))


def weeks_label(iso_weeks: list[str]) -> str:
    """A list of ISO weeks, consecutive ones joined: "weeks 25–27, 2027"."""
    from flask_babel import gettext as _

    parts: list[str] = []
    run: list[str] = []
    for week in sorted(iso_weeks) + [None]:
        if run and (week is None or not _follows(run[-1], week)):
            year, first = run[0].split("-W")
            last = run[-1].split("-W")[1]
            parts.append(week_label(run[0]) if len(run) == 1 else _(
                "weeks %(first)d–%(last)d, %(year)d", first=int(first), last=int(last),
                year=int(year)))
            run = []
        if week is not None:
            run.append(week)
    return "; ".join(parts)


def _follows(before: str, after: str) -> bool:
    year_a, week_a = (int(x) for x in before.split("-W"))
    year_b, week_b = (int(x) for x in after.split("-W"))
    return year_a == year_b and week_b == week_a + 1


def moment(value) -> str:
    """A stored moment (UTC) as the reader says it, on the municipality's clock:
    "15 april 2027 16:00" (the ``moment`` filter). Pages, e-mails and the "my data"
    page all use this, so one moment reads the same everywhere."""
    from flask_babel import format_date, format_time, gettext as _

    from . import facts

    if value in (None, ""):
        return ""
    if isinstance(value, str):  # as a download carries it (ISO 8601 with offset)
        value = datetime.fromisoformat(value)
    local = facts.utc_to_local(value)
    return _("%(date)s, %(time)s", date=native_digits(format_date(local.date(), "long")),
             time=native_digits(format_time(local.time(), "short")))


def deadline(value) -> str:
    """A deadline as its last day (the ``deadline`` filter): "16 april 2027", or with
    the time when it does not end at midnight (``facts.last_day``)."""
    from flask_babel import format_date, format_time, gettext as _

    from . import facts

    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    day, at = facts.last_day(value)
    if at is None:
        return native_digits(format_date(day, "long"))
    return _("%(date)s, %(time)s", date=native_digits(format_date(day, "long")),
             time=native_digits(format_time(at, "short")))
