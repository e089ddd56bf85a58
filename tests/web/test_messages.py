"""Every refusal of a domain rule is told in words, from one table (issue 10).

The codes are read from the source: every ``raise SomeError(...)`` of a ``DomainError``
subclass anywhere in ``youth_app``, so a new code without a sentence fails here before
anyone sees it raw.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

import youth_app
from youth_app import messages
from youth_app.extensions import db
from youth_app.models import DomainError, Role, Round, RoundState
from youth_app.youth.services import Ineligible

from .. import factories

PACKAGE = Path(youth_app.__file__).parent
#: How a code looks (``already_running``), and a sentence never does.
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")
#: Values for the sentences that have a placeholder.
VALUES = {"state": RoundState.PUBLISHED, "date": "2027-12-31"}


def _domain_errors() -> dict[str, type]:
    found, todo = {}, [DomainError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found[sub.__name__] = sub
            todo.append(sub)
    return found


def _codes_of(call: ast.Call, error: type) -> set[str]:
    """The codes one ``raise Error(...)`` can give."""
    code = call.args[0] if call.args else next(
        (k.value for k in call.keywords if k.arg == "code"), None)
    if code is None:
        return {error.code}
    if isinstance(code, ast.Constant) and isinstance(code.value, str):
        return {code.value}
    if isinstance(code, ast.IfExp) and all(isinstance(c, ast.Constant)
                                           for c in (code.body, code.orelse)):
        return {code.body.value, code.orelse.value}
    # ChoiceError(status.reasons[0].value): why the youth may not apply
    if isinstance(code, ast.Attribute) and code.attr == "value" and error.__name__ == "ChoiceError":
        return {reason.value for reason in Ineligible}
    raise AssertionError(f"a code this test cannot read: {ast.unparse(call)}")


def raised_codes() -> dict[str, str]:
    """code -> where it is raised (``file:line``)."""
    errors, codes = _domain_errors(), {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in errors:
                for code in _codes_of(node.exc, errors[name]):
                    codes.setdefault(code, f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return codes


def test_every_code_raised_has_a_sentence_and_every_sentence_a_code(app):
    codes = raised_codes()
    assert len(codes) > 40  # every feature's rules were found
    assert {code: where for code, where in codes.items()
            if code not in messages.MESSAGES} == {}
    assert set(messages.MESSAGES) - set(codes) == set()  # no sentence left behind


@pytest.mark.parametrize("language", ["sv", "en", "ar"])
def test_every_sentence_reads_as_words_in_every_language(app, language):
    with app.test_request_context(), force_locale(language):
        for code in messages.MESSAGES:
            told = messages.error_text(DomainError(code, **VALUES))
            assert told and told != code and "%(" not in told, (code, told)
            assert not SNAKE_CASE.search(told), (code, told)  # no code inside a sentence


def test_an_unknown_code_is_a_plain_sentence_not_the_code(app, caplog):
    with app.test_request_context(), force_locale("en"):
        told = messages.error_text(DomainError("no_such_rule"))
        unknown = str(messages.UNKNOWN)
    assert told == unknown and "no_such_rule" not in told
    assert "no_such_rule" in caplog.text  # for whoever fixes it


def test_a_sentence_without_the_value_it_needs_is_the_plain_sentence(app):
    with app.test_request_context(), force_locale("en"):
        assert messages.error_text(DomainError("expiry_too_far")) == str(messages.UNKNOWN)


def test_the_state_in_a_sentence_is_said_in_words(app):
    with app.test_request_context(), force_locale("en"):
        told = messages.error_text(DomainError("wrong_state", state=RoundState.PUBLISHED))
    assert told == "That step is not possible now (the round is published)."


@pytest.fixture
def published_round(app) -> int:
    with app.app_context():
        round_ = factories.round_(state=RoundState.PUBLISHED)
        db.session.commit()
        return round_.id


def _flashes(client) -> list:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def test_a_refusal_nobody_wrote_a_sentence_for_is_not_shown_as_its_code(
        app, client_as, published_round, monkeypatch):
    """Through a real view: a round rule whose code has no sentence (a bug) reaches the
    administrator as the plain sentence, never as ``made_up_rule``."""
    from youth_app.rounds import services as round_services

    def refuse(*_args):
        raise round_services.RoundRuleError("made_up_rule")

    monkeypatch.setattr(round_services, "remove_override", refuse)
    admin = client_as(Role.ADMINISTRATOR)
    response = admin.post(f"/admin/rounds/{published_round}/overrides/1/remove")
    assert response.status_code == 302
    with app.test_request_context():
        unknown = str(messages.UNKNOWN)  # in Swedish, the default language
    assert _flashes(admin) == [("error", unknown)]


def test_a_step_refused_names_the_state_the_round_is_in(app, client_as, published_round):
    admin = client_as(Role.ADMINISTRATOR)
    admin.post(f"/admin/rounds/{published_round}/open")
    with app.test_request_context(), force_locale("sv"):
        expected = messages.text("wrong_state", state=RoundState.PUBLISHED)
    assert _flashes(admin) == [("error", expected)]
    with app.app_context():
        assert db.session.get(Round, published_round).state is RoundState.PUBLISHED
