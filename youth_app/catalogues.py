"""The translators' workflow: which texts each language must have, what a translator
gets to translate, how it comes back, and whether a person has reviewed a catalogue.

- **Which texts.** Languages in ``i18n.STAFF_LANGUAGES`` (sv, en, ar) have every text.
  The others have the *public* texts: every text used anywhere outside the staff's
  areas (``i18n.STAFF_AREAS``: templates/admin/, youth_app/admin/ ...), i.e. every page
  and e-mail a youth, a guardian or a provider sees. ``is_public`` is that rule, the one
  place it is written; ``tests/web/test_languages.py`` checks every language against it.
- **Export** (``flask translations export --language so --out so.po``): the texts of the
  language that are untranslated or fuzzy (changed in the source since), as a .po file
  (Poedit, Lokalize, Weblate ...) or a .csv (any spreadsheet: one row a text, the
  plural forms in columns), each with the Swedish text (the reviewed reference) and the
  translator's comment.
- **Import** (``flask translations import --language so FILE``): a .po, a .csv written
  by export, or a JSON object ``{msgid: translation}`` (plural keys
  ``"singular\\u0000plural"`` with a list of the language's forms, a context as
  ``"context\\u0004msgid"``; a value may also be ``{"so": ...}`` per language). Only
  texts the catalogue has are taken; an imported text is no longer fuzzy.
- **Review.** A catalogue is reviewed when ``translations/<language>/REVIEWED`` exists
  (who reviewed it and when, in a line); without it the language is machine-assisted,
  and the accessibility statement says so. A file, not a .po header: Babel drops
  unknown headers when it rewrites a catalogue, and ``make messages`` rewrites them all.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from .config import ROOT
from .i18n import (PUBLIC_SOURCES_IN_STAFF_AREAS, STAFF_AREAS, STAFF_LANGUAGES)

TRANSLATIONS = ROOT / "translations"
#: gettext's separator of a context and its msgid (as in a .mo file).
CONTEXT = "\u0004"
PLURAL = "\u0000"


class ImportProblem(ValueError):
    """A file to import that cannot be read as translations."""


def staff_only_source(path: str) -> bool:
    """Whether ``path`` (as a catalogue's location names it) holds texts only staff see."""
    if path in PUBLIC_SOURCES_IN_STAFF_AREAS:
        return False
    parts = path.split("/")
    return len(parts) > 2 and parts[0] in ("templates", "youth_app") and \
        parts[1] in STAFF_AREAS


def is_public(message: Message) -> bool:
    """A text a youth, a guardian or a provider may see: used outside the staff's areas."""
    return bool(message.id) and any(not staff_only_source(path)
                                    for path, _line in message.locations)


def needs_all_texts(language: str) -> bool:
    return language in STAFF_LANGUAGES


def catalogue_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def load(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def template() -> Catalog:
    """messages.pot: where each text is used, and the translators' comments."""
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        return read_po(handle)


def save(language: str, catalog: Catalog) -> None:
    with catalogue_path(language).open("wb") as handle:
        write_po(handle, catalog, width=0)


def key(message: Message) -> str:
    """A message's key in JSON files: msgid, plural ids joined by NUL, context first."""
    text = PLURAL.join(message.id) if isinstance(message.id, (tuple, list)) else message.id
    return f"{message.context}{CONTEXT}{text}" if message.context else text


def translated(message: Message) -> bool:
    forms = message.string if isinstance(message.string, (tuple, list)) else [message.string]
    return all(forms) and "fuzzy" not in message.flags


def required(language: str, catalog: Catalog, pot: Catalog | None = None) -> list[Message]:
    """The messages ``language`` must have translated (see the module's docstring)."""
    pot = pot or template()
    wanted = {key(m) for m in pot if m.id and (needs_all_texts(language) or is_public(m))}
    return [m for m in catalog if m.id and key(m) in wanted]


def missing(language: str) -> list[Message]:
    """The required messages of ``language`` that are untranslated or fuzzy."""
    catalog = load(language)
    return [m for m in required(language, catalog) if not translated(m)]


# --- review ------------------------------------------------------------------------------

def reviewed(language: str) -> bool:
    return (TRANSLATIONS / language / "REVIEWED").exists()


def machine_assisted(languages) -> list[str]:
    """The languages of ``languages`` that no person has reviewed yet."""
    return [language for language in languages if not reviewed(language)]


# --- export and import -------------------------------------------------------------------

def export(language: str, out: Path) -> int:
    """Write the texts ``language`` still needs to ``out`` (.po or .csv); how many."""
    todo = missing(language)
    swedish = {key(m): m.string for m in load("sv")}
    pot = {key(m): m for m in template()}
    if out.suffix == ".csv":
        _export_csv(language, todo, swedish, pot, out)
        return len(todo)
    catalog = Catalog(locale=language, project="youth_app")
    for message in todo:
        comments = [*pot[key(message)].auto_comments] if key(message) in pot else []
        reference = swedish.get(key(message))
        if reference:
            comments.append("Swedish: " + (reference if isinstance(reference, str)
                                           else " | ".join(reference)))
        catalog.add(message.id, message.string, locations=message.locations,
                    flags=message.flags, auto_comments=comments, context=message.context)
    with out.open("wb") as handle:
        write_po(handle, catalog, width=0)
    return len(todo)


def _export_csv(language, todo, swedish, pot, out: Path) -> None:
    forms = load(language).num_plurals
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "english", "swedish", "comment",
                         *[f"translation {n}" for n in range(forms)]])
        for message in todo:
            reference = swedish.get(key(message)) or ""
            english = message.id if isinstance(message.id, str) else " | ".join(message.id)
            strings = list(message.string) if isinstance(message.string, tuple) \
                else [message.string]
            comment = " ".join(pot[key(message)].auto_comments) if key(message) in pot else ""
            writer.writerow([key(message).replace(PLURAL, "\\0").replace(CONTEXT, "\\4"),
                             english, " | ".join(reference) if isinstance(reference, tuple)
                             else reference, comment, *strings])


def read_translations(language: str, path: Path) -> dict:
    """The translations of a .po, .csv or .json file, by ``key``."""
    if path.suffix == ".po":
        with path.open("rb") as handle:
            return {key(m): list(m.string) if isinstance(m.string, tuple) else m.string
                    for m in read_po(handle) if m.id and "fuzzy" not in m.flags}
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        result: dict[str, str | list[str]] = {}
        for row in rows:
            name = row["key"].replace("\\0", PLURAL).replace("\\4", CONTEXT)
            forms = [row[c] or "" for c in row if c and c.startswith("translation ")]
            result[name] = forms if PLURAL in name else (forms[0] if forms else "")
        return result
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ImportProblem(f"{path}: not a JSON object")
        return {name: value.get(language) if isinstance(value, dict) else value
                for name, value in data.items()}
    raise ImportProblem(f"{path}: expected a .po, .csv or .json file")


def import_(language: str, path: Path) -> tuple[int, list[str]]:
    """Put the translations of ``path`` into the catalogue of ``language``: how many were
    taken, and the keys of the file that the catalogue does not have."""
    texts = read_translations(language, path)
    catalog = load(language)
    taken = 0
    known = set()
    for message in catalog:
        if not message.id:
            continue
        known.add(key(message))
        value = texts.get(key(message))
        if not value:
            continue
        if isinstance(message.id, (tuple, list)):
            forms = list(value) if isinstance(value, list) else [value]
            if not all(forms):
                continue
            forms += [forms[-1]] * (catalog.num_plurals - len(forms))
            message.string = tuple(forms[:catalog.num_plurals])
        else:
            message.string = value if isinstance(value, str) else value[0]
        message.flags.discard("fuzzy")
        taken += 1
    save(language, catalog)
    return taken, [name for name in texts if name not in known]
