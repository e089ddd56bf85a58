"""Rules every template keeps, read from the templates themselves.

- No template compares an enum's value with a string: it asks the model
  (``offer.editable``), so a rule lives in one place, the one the service asks too,
  or shows a member through ``youth_app.labels``.
- No template hand-writes a form whose only control is one button: the
  ``button_form`` macro writes it, with the CSRF token, the classes and the text that
  screen readers hear.
"""
from __future__ import annotations

import enum
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import render_template_string
from flask_wtf.csrf import validate_csrf
from jinja2 import nodes

from youth_app.config import ROOT

TEMPLATES = ROOT / "templates"
#: The macro file holds the one form the rule is about: ``button_form`` itself.
MACROS = TEMPLATES / "_macros" / "forms.html"
#: Words a reader would look for; ``_enum_values`` must know every one of them.
KNOWN_WORDS = {"draft", "open", "closed", "allocated", "published", "finished", "proposed",
               "offered", "accepted", "declined", "expired", "withdrawn", "queued", "running",
               "succeeded", "failed", "cancelled", "administrator", "caseworker", "provider",
               "youth", "job", "activity", "sent", "kept", "given", "requested", "optimal",
               "confirmed", "waiting", "too_young", "confirm_start", "lock"}
#: Enums of a page's options, not of states or kinds.
OPTIONS = {"youth_app.catalogue.services.Sort"}
#: Comparisons left for later: (template, text on the line). None are left.
NOT_YET: set[tuple[str, str]] = set()
COMPARING = {"eq", "ne", "in", "notin"}
COMPARING_TESTS = {"eq", "equalto", "==", "ne", "!=", "sameas", "in"}


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def _name(path: Path) -> str:
    return path.relative_to(TEMPLATES).as_posix()


def _enum_values() -> set[str]:
    """The value of every member of every enum of the app and the optimiser (their
    modules are all imported once the app exists), but for a page's own options (the
    catalogue's sort order names fields like "district", which a template may name)."""
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return {member.value for cls in subclasses(enum.Enum)
            if cls.__module__.split(".")[0] in ("youth_app", "matching")
            and f"{cls.__module__}.{cls.__qualname__}" not in OPTIONS
            for member in cls if isinstance(member.value, str)}


def _is_enum_string(node, values: set[str]) -> bool:
    if isinstance(node, nodes.Const):
        return isinstance(node.value, str) and node.value in values
    if isinstance(node, (nodes.Tuple, nodes.List)):
        return any(_is_enum_string(item, values) for item in node.items)
    return False


def _offences(tree, values: set[str]):
    """(line, what) for each place the template works with an enum's string value."""
    for node in tree.find_all(nodes.Getattr):
        if node.attr == "value":
            yield node.lineno, "reads .value"
    for node in tree.find_all(nodes.Compare):
        operands = [node.expr] + [operand.expr for operand in node.ops]
        if any(operand.op in COMPARING for operand in node.ops) and \
                any(_is_enum_string(o, values) for o in operands):
            yield node.lineno, "compares with an enum's value"
    for node in tree.find_all((nodes.Test, nodes.Filter)):
        names = {node.name} | {a.value for a in node.args if isinstance(a, nodes.Const)}
        if names & COMPARING_TESTS and any(_is_enum_string(a, values) for a in node.args):
            yield node.lineno, "tests against an enum's value"
    for node in tree.find_all(nodes.Dict):
        keys = [pair.key for pair in node.items]
        if sum(_is_enum_string(key, values) for key in keys) >= 2:
            yield node.lineno, "looks up a text by enum values"


def test_the_scanner_knows_the_enum_values(app):
    assert KNOWN_WORDS <= _enum_values()


def test_no_template_works_with_an_enums_string_value(app):
    values = _enum_values()
    found, excused = [], set()
    for path in _templates():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = app.jinja_env.parse(source, _name(path), str(path))
        for line, what in _offences(tree, values):
            text = lines[line - 1].strip()
            excuse = next((e for e in NOT_YET if e[0] == _name(path) and e[1] in text), None)
            if excuse:
                excused.add(excuse)
            else:
                found.append(f"{_name(path)}:{line}: {what}: {text[:120]}")
    assert not found, "ask the model or use youth_app.labels instead:\n" + "\n".join(found)
    assert excused == NOT_YET, f"no longer needed, remove from NOT_YET: {NOT_YET - excused}"


@pytest.mark.parametrize("source", [
    '{% if offer.status.value == "draft" %}x{% endif %}',
    '{% if round.state in ("draft", "open") %}x{% endif %}',
    "{% if consent_state != 'given' %}x{% endif %}",
    '{{ placements|selectattr("state", "equalto", "offered")|list }}',
    '{{ {"draft": "Utkast", "closed": "Stängd"}[status] }}',
])
def test_the_scanner_finds_each_way_of_comparing(app, source):
    assert list(_offences(app.jinja_env.parse(source), _enum_values()))


def test_the_scanner_lets_other_comparisons_be(app):
    source = ('{% if action == "up" and category != "error" and key in ("state", "status") %}'
              '{{ offer.status|label }}{% endif %}')
    assert not list(_offences(app.jinja_env.parse(source), _enum_values()))


# --- one-button forms ---------------------------------------------------------------

JINJA_STATEMENT = re.compile(r"{%.*?%}|{#.*?#}", re.DOTALL)
FIELD_MACRO = re.compile(r"\bfield\(")
SUBMIT_MACRO = re.compile(r"\bsubmit\(")


class _Forms(HTMLParser):
    """The forms of a template's source: per form its method, its visible controls
    other than buttons, and what each submit button sends (name, value)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.current = {"line": self.getpos()[0], "method": (attrs.get("method") or "get")
                            .lower(), "controls": 0, "buttons": []}
            self.forms.append(self.current)
        elif self.current is None:
            return
        elif tag == "button" and (attrs.get("type") or "submit") == "submit":
            self.current["buttons"].append((attrs.get("name"), attrs.get("value")))
        elif tag in ("select", "textarea") or \
                (tag == "input" and (attrs.get("type") or "text") != "hidden"):
            self.current["controls"] += 1

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current["controls"] += len(FIELD_MACRO.findall(data))
            self.current["buttons"] += [(None, None)] * len(SUBMIT_MACRO.findall(data))


def one_button_forms(source: str) -> list[int]:
    """Lines of the hand-written POST forms whose only control is one button (buttons
    under ``if``/``else`` that send the same name and value count as one)."""
    parser = _Forms()
    parser.feed(JINJA_STATEMENT.sub(lambda m: " " + "\n" * m.group().count("\n"), source))
    return [form["line"] for form in parser.forms
            if form["method"] == "post" and not form["controls"]
            and len(set(form["buttons"])) == 1]


def test_no_template_hand_writes_a_one_button_form():
    found = [f"{_name(path)}:{line}" for path in _templates() if path != MACROS
             for line in one_button_forms(path.read_text(encoding="utf-8"))]
    assert not found, "use button_form from _macros/forms.html:\n" + "\n".join(found)


@pytest.mark.parametrize("source, count", [
    ('<form method="post" action="/x">{{ form.csrf_token }}'
     '<button type="submit" class="button">Ta bort</button></form>', 1),
    ('<form method="post"><input type="hidden" name="a" value="1">{% if x %}'
     '<button class="button">Ja</button>{% else %}<button>Nej</button>{% endif %}</form>', 1),
    ('<form method="post">{{ form.csrf_token }}{{ submit(_("Skicka")) }}</form>', 1),
    ('<form method="post">{{ field(form.email) }}{{ submit(_("Skicka")) }}</form>', 0),
    ('<form method="post"><input type="text" name="q"><button>Sök</button></form>', 0),
    ('<form method="post"><button name="d" value="a">A</button>'
     '<button name="d" value="b">B</button></form>', 0),
    ('<form method="get"><button>Visa</button></form>', 0),
])
def test_the_form_scanner_tells_one_button_forms(source, count):
    assert len(one_button_forms(source)) == count


# --- the button_form macro --------------------------------------------------------

class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _render(call: str) -> tuple[str, _Page]:
    html = render_template_string(
        '{% from "_macros/forms.html" import button_form %}' + call)
    page = _Page()
    page.feed(html)
    return html, page


def test_button_form_posts_one_button_with_a_valid_token(app):
    with app.test_request_context():
        html, page = _render(
            '{{ button_form("/offers/1/remove?a=1&b=2", "Ta bort", style="secondary small",'
            ' context="Kajak <i>", hidden={"next": \'/x"><script>alert(1)</script>\','
            ' "rank": 3}, attributes={"lang": "sv", "aria-current": none}) }}')
        forms = [attrs for tag, attrs in page.tags if tag == "form"]
        inputs = {attrs["name"]: attrs for tag, attrs in page.tags if tag == "input"}
        validate_csrf(inputs["csrf_token"]["value"])  # raises if the token is not good
    assert forms == [{"method": "post", "action": "/offers/1/remove?a=1&b=2",
                      "class": "inline-form"}]
    assert all(attrs["type"] == "hidden" for attrs in inputs.values())
    assert inputs["next"]["value"] == '/x"><script>alert(1)</script>'
    assert inputs["rank"]["value"] == "3"
    assert "<script>" not in html and "<i>" not in html
    [(tag, button)] = [(t, a) for t, a in page.tags if t == "button"]
    assert button == {"type": "submit", "class": "button button-secondary button-small",
                      "lang": "sv"}
    assert ("span", {"class": "visually-hidden"}) in page.tags
    assert "".join(page.text).strip() == "Ta bort: Kajak <i>"


@pytest.mark.parametrize("style, classes", [
    ("", "button"), ("secondary", "button button-secondary"),
    ("small secondary", "button button-small button-secondary"),
    ("link", "link-button"), ("plain", None)])
def test_button_form_styles(app, style, classes):
    with app.test_request_context():
        _html, page = _render(f'{{{{ button_form("/logout", "Logga ut", style="{style}",'
                              f' inline=False) }}}}')
    [form] = [attrs for tag, attrs in page.tags if tag == "form"]
    [button] = [attrs for tag, attrs in page.tags if tag == "button"]
    assert "class" not in form
    assert button.get("class") == classes
    assert "".join(page.text).strip() == "Logga ut"


def test_every_button_style_a_template_names_is_in_the_style_sheet():
    """``class="button button-secondary"``: a misspelt style leaves two buttons that look
    alike (the catalogue's "Register" beside "Log in to apply" once did)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    css = (root / "static" / "css" / "app.css").read_text(encoding="utf-8")
    defined = set(re.findall(r"\.([a-z][a-z0-9-]*)", css))
    named = {(path.name, name)
             for path in (root / "templates").rglob("*.html")
             for classes in re.findall(r'class="(button[^"{]*)"', path.read_text(encoding="utf-8"))
             for name in classes.split()}
    assert sorted((path, name) for path, name in named if name not in defined) == []
