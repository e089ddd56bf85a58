"""Which language a page is shown in: the user's choice, then the browser, then Swedish."""
from __future__ import annotations

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

#: Languages written right to left.
RTL = frozenset({"ar"})

#: Each language's name in itself, for the language switch.
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English", "ar": "العربية"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and \
            current_user.preferred_language in languages:
        return current_user.preferred_language
    return request.accept_languages.best_match(languages) or \
        current_app.config["BABEL_DEFAULT_LOCALE"]


def template_context() -> dict:
    language = str(get_locale())
    return {
        "current_language": language,
        "text_direction": "rtl" if language in RTL else "ltr",
        "language_names": LANGUAGE_NAMES,
    }
