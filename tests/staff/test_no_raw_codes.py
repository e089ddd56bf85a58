"""No staff page shows a raw code: every reason, state, tier, audit action, week and
progress code reaches people as words, in Swedish, English and Arabic (issue 11)."""
from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from youth_app import jobs, labels
from youth_app.allocation import services as allocation
from youth_app.extensions import db
from youth_app.models import (Application, AuditEvent, JobKind, JobStatus, User, OfferKind, PlacementState, Role,
                              RoundState, RunStatus)

from .. import factories

pytestmark = pytest.mark.staff

ROOT = Path(__file__).resolve().parents[2]
REASONS = ["too_young", "too_old", "week_conflict", "job_limit", "place_limit",
           "kept_apart", "not_possible"]
#: Codes that are also ordinary English words are looked for in Swedish and Arabic only.
WORDS = ["queued", "succeeded", "encoding", "targeted",
         *(s.value for s in RunStatus), *(s.value for s in PlacementState),
         *(s.value for s in RoundState)]


def _audit_codes_in_code() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "youth_app").rglob("*.py"):
        text = path.read_text()
        for call in re.finditer(r"audit\.record\((.{0,120})", text, re.S):
            codes |= set(re.findall(r'"([a-z_]+\.[a-z_]+)"', call.group(1)))
    codes |= {f"round.{step}" for step in ("open", "reopen", "finish")}  # f"round.{action}"
    return codes


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        # The audit log's details column (key=value, as written) is not yet in words.
        if tag in ("script", "style") or ("class", "data-pair") in attrs and tag == "td":
            self._skip += 1
        for name, value in attrs:  # what a screen reader says is visible text too
            if name in ("aria-label", "title", "alt", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") or (tag == "td" and self._skip):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


@pytest.fixture
def world(app):
    """A round with a finished, published run (free places in two weeks), a priority
    tier, and one audit row of every action the code writes."""
    with app.app_context(), app.test_request_context():
        round_ = factories.round_()
        offer = factories.offer(round=round_, kind=OfferKind.ACTIVITY, capacity=20,
                                min_age=13, max_age=19, weeks=["2027-W25", "2027-W26"])
        for i in range(6):
            youth = factories.youth_profile(born=date(2011, 1, 1 + i))
            db.session.add(Application(round=round_, youth=youth, offer=offer, rank=1))
        allocation.close(round_)
        run = allocation.start_run(round_)
        db.session.commit()
        allocation.execute(run.id)
        allocation.publish(round_)
        jobs.run_now(jobs.create(JobKind.REPORT, round_.id, total=1,   # the report's figures
                                 status=JobStatus.RUNNING))
        for code in sorted(_audit_codes_in_code()):
            db.session.add(AuditEvent(action=code, object_type="Round", object_id=round_.id,
                                      details={}, ip_address=""))
        db.session.commit()
        return round_.id, run.id


def _staff_pages(app, round_id: int, run_id: int) -> list[str]:
    urls = [f"/admin/rounds/{round_id}", f"/admin/runs/{run_id}",
            f"/admin/reports/rounds/{round_id}", "/admin/reports/audit"]
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and \
                rule.endpoint.split(".")[0] in ("admin", "rounds", "reports", "caseworker") \
                and not rule.rule.endswith((".json", ".csv", ".xlsx")):
            urls.append(rule.rule)
    return sorted(set(urls))


def test_every_audit_action_has_words():
    assert _audit_codes_in_code() <= set(labels.AUDIT_ACTIONS)


@pytest.mark.parametrize("language", ["sv", "en", "ar"])
def test_no_staff_page_shows_a_raw_code(app, client_as, users, world, language):
    round_id, run_id = world
    with app.app_context():
        for role in (Role.ADMINISTRATOR, Role.CASEWORKER):
            db.session.get(User, users[role].id).preferred_language = language
        db.session.commit()
    codes = sorted(_audit_codes_in_code()) + REASONS + ["step:"]
    shown: list[tuple[str, str]] = []
    for role in (Role.ADMINISTRATOR, Role.CASEWORKER):
        client = client_as(role)
        for url in _staff_pages(app, round_id, run_id):
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.content_type:
                continue
            text = _visible(response.get_data(as_text=True))
            shown += [(url, code) for code in codes if code in text]
            shown += [(url, week) for week in re.findall(r"\b\d{4}-W\d{2}\b", text)]
            if language != "en":
                shown += [(url, word) for word in WORDS
                          if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)]
    assert shown == [], str(shown)


@pytest.mark.parametrize("language", ["sv", "en", "ar"])
def test_every_code_has_a_translation(language):
    with open(ROOT / f"translations/{language}/LC_MESSAGES/messages.po", "rb") as file:
        catalog = read_po(file, locale=language)
    texts = [*labels.AUDIT_ACTIONS.values(), *labels.PROGRESS.values(),
             *labels.STEPS.values(), *labels.NAMES.values()]
    missing = []
    for text in texts:
        message = catalog.get(text._args[0])
        if message is None or message.fuzzy or (language != "en" and not message.string):
            missing.append(text._args[0])
    assert missing == []
