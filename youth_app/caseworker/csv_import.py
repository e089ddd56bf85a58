"""Importing a list of young people into a priority group, in two steps.

The upload is read once, into a :class:`Plan`: who would be new in the group, who is
already in it with another reason or expiry, who is already in it as the list would
have them, and every wrong line. The preview page carries the plan's list (line numbers
and youth ids, not the file) in a signed token that lasts ``CONFIRM_MAX_AGE``, so the
confirmation imports exactly what the caseworker saw; nothing is kept in the session or
on disk. The token also holds a fingerprint of the memberships the preview showed: if
someone changed them in between, the confirmation shows the new preview instead.

Reading never fails with an exception a user would see: a file too big, too long or
empty is refused as a whole (:class:`FileProblem`); any other fault is a wrong line.
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO, Iterable, Iterator

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from .. import jobs
from ..extensions import db
from ..identity import InvalidNumber, parse_personal_number
from ..models import (BackgroundJob, JobKind, JobStatus, PriorityGroup, PriorityMembership,
                      User, YouthProfile)
from . import services

MAX_FILE_BYTES = 2 * 1024 * 1024
#: Keeps the preview page and its token small enough to send back (Werkzeug reads at
#: most 500 kB of form fields).
MAX_LINES = 10_000
#: Far more than a number and a name; csv's own field limit (128 kB) is never reached.
MAX_LINE_CHARS = 1_000
#: How much of a wrong line the page repeats.
SHOWN_CHARS = 40
#: How many rows of each of the preview's lists (and of its wrong lines) the page shows;
#: the counts above them are always whole, and the import takes every line.
SHOWN_ROWS = 200
CONFIRM_SALT = "caseworker.priority-import"
CONFIRM_MAX_AGE = timedelta(minutes=30)
_CHUNK = 500
#: Youths added or changed per committed batch of an import's job; an import of at most
#: this many is done in the request.
BATCH = 500
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_SEPARATOR = re.compile(r"[;\t,]")
_BOM = b"\xef\xbb\xbf"


class FileProblem(Exception):
    """The file is refused as a whole: ``too_big``, ``too_many_lines`` or ``empty``."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class PreviewProblem(Exception):
    """The confirmation cannot be trusted: ``expired`` or ``invalid``."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class WrongLine:
    line: int
    #: The line as written, shortened and with invisible characters replaced.
    text: str
    #: invalid, unknown, removed, encoding, nul, too_long or unreadable
    code: str


@dataclass(frozen=True)
class Listed:
    """A young person found on one line of the list."""
    line: int
    youth: YouthProfile
    #: Their membership in the group now, if any.
    membership: PriorityMembership | None = None
    #: For a line that repeats a young person: the line that listed them first.
    first_line: int | None = None


@dataclass
class Plan:
    group: PriorityGroup
    reason: str
    expires_on: date | None
    errors: list[WrongLine] = field(default_factory=list)
    new: list[Listed] = field(default_factory=list)
    #: Already in the group with another reason or expiry.
    changing: list[Listed] = field(default_factory=list)
    #: Already in the group with this reason and expiry.
    unchanged: list[Listed] = field(default_factory=list)
    repeated: list[Listed] = field(default_factory=list)

    @property
    def listed(self) -> list[Listed]:
        return sorted(self.new + self.changing + self.unchanged + self.repeated,
                      key=lambda item: item.line)

    @property
    def lines(self) -> int:
        return len(self.listed) + len(self.errors)

    def state(self) -> str:
        """A fingerprint of what the plan was built on: who was found, and the
        memberships they had. Equal fingerprints mean the plan would do the same."""
        seen = sorted((item.youth.id, item.membership.reason,
                       item.membership.expires_on.isoformat()
                       if item.membership.expires_on else None)
                      for item in self.changing + self.unchanged)
        found = sorted(item.youth.id for item in self.listed)
        return hashlib.sha256(json.dumps([found, seen]).encode()).hexdigest()


@dataclass(frozen=True)
class Imported:
    added: int
    changed: int
    #: Already in the group with another reason or expiry, and left so.
    kept: int


# Reading the file ----------------------------------------------------------------------

def preview(upload: IO[bytes], group: PriorityGroup, reason: str,
            expires_on: date | None) -> Plan:
    """Read an uploaded list and say what importing it would do; change nothing."""
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem("too_big")
    numbers, errors = read_numbers(data)
    youths = _youths_by_number(digits for _line, digits, _text in numbers)
    found = []
    for line, digits, text in numbers:
        if digits in youths:
            found.append((line, youths[digits]))
        else:
            errors.append(WrongLine(line, text, "unknown"))
    return _plan(group, reason, expires_on, found, errors)


def read_numbers(data: bytes) -> tuple[list[tuple[int, str, str]], list[WrongLine]]:
    """(line, 12 digits, as written) for every number, and every wrong line.

    One number a line, in the first column; the columns may be separated by semicolons
    (Swedish Excel), tabs or commas, the lines by Windows', Unix or old Mac line ends.
    Line 1 is a header if it holds no digit."""
    lines = _LINE_BREAK.split(data.removeprefix(_BOM))
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) > MAX_LINES:
        raise FileProblem("too_many_lines")
    numbers, errors = [], []
    for line_number, raw in enumerate(lines, start=1):
        cell, error = _first_cell(raw)
        if error:
            errors.append(WrongLine(line_number, shown(raw.decode("utf-8", "replace")), error))
        elif cell and not (line_number == 1 and not any(c.isdigit() for c in cell)):
            try:
                numbers.append((line_number, parse_personal_number(cell).digits, shown(cell)))
            except InvalidNumber:
                errors.append(WrongLine(line_number, shown(cell), "invalid"))
    if not numbers and not errors:
        raise FileProblem("empty")
    return numbers, errors


def _first_cell(raw: bytes) -> tuple[str, str | None]:
    """The first column of one line, stripped, or an error code. A number holds no
    separator, so the line's first separator is the one its file uses."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "", "encoding"
    if "\x00" in text:
        return "", "nul"
    if len(text) > MAX_LINE_CHARS:
        return "", "too_long"
    separator = _SEPARATOR.search(text)
    try:
        row = next(csv.reader([text], delimiter=separator[0] if separator else ","), [])
    except csv.Error:
        return "", "unreadable"
    return (row[0].strip() if row else ""), None


def shown(text: str) -> str:
    """``text`` as safe to repeat on a page: control and format characters (NUL,
    right-to-left overrides ...) replaced, and at most ``SHOWN_CHARS`` long."""
    text = "".join("\ufffd" if unicodedata.category(c)[0] == "C" else c for c in text.strip())
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


def _in_chunks(values: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _youths_by_number(numbers: Iterable[str]) -> dict[str, YouthProfile]:
    wanted = list(dict.fromkeys(numbers))
    found: dict[str, YouthProfile] = {}
    for chunk in _in_chunks(wanted):
        found.update((y.personal_number, y) for y in db.session.scalars(
            sa.select(YouthProfile).where(YouthProfile.personal_number.in_(chunk))))
    return found


# What the import would do --------------------------------------------------------------

def _plan(group: PriorityGroup, reason: str, expires_on: date | None,
          found: list[tuple[int, YouthProfile]], errors: list[WrongLine]) -> Plan:
    plan = Plan(group, reason.strip(), expires_on, sorted(errors, key=lambda e: e.line))
    current = _memberships(group, [youth.id for _line, youth in found])
    first_lines: dict[int, int] = {}
    for line, youth in sorted(found, key=lambda item: item[0]):
        if youth.id in first_lines:
            plan.repeated.append(Listed(line, youth, first_line=first_lines[youth.id]))
            continue
        first_lines[youth.id] = line
        membership = current.get(youth.id)
        if membership is None:
            plan.new.append(Listed(line, youth))
        elif (membership.reason, membership.expires_on) == (plan.reason, expires_on):
            plan.unchanged.append(Listed(line, youth, membership))
        else:
            plan.changing.append(Listed(line, youth, membership))
    return plan


def _memberships(group: PriorityGroup, youth_ids: list[int]) -> dict[int, PriorityMembership]:
    found: dict[int, PriorityMembership] = {}
    for chunk in _in_chunks(list(dict.fromkeys(youth_ids))):
        found.update((m.youth_id, m) for m in db.session.scalars(
            sa.select(PriorityMembership).where(PriorityMembership.group_id == group.id,
                                                PriorityMembership.youth_id.in_(chunk))))
    return found


def start(plan: Plan, replace: bool, caseworker: User) -> BackgroundJob:
    """Import what the plan says, as a job: one of at most ``BATCH`` youths to add or
    change is done here, in the caller's transaction; a longer one is queued, and the
    caller starts it after its commit (``job.active``). Members with another reason or
    expiry get this import's only when the caseworker chose ``replace``.

    The job's row holds the list (line numbers and youth ids, as the confirmation's
    token did) only until it is done."""
    work = len(plan.new) + (len(plan.changing) if replace else 0)
    small = work <= BATCH
    job = jobs.create(JobKind.IMPORT, None, caseworker, total=work, options={
        "caseworker": caseworker.id, "group": plan.group.id, "reason": plan.reason,
        "expires_on": plan.expires_on.isoformat() if plan.expires_on else None,
        "listed": [[item.line, item.youth.id] for item in plan.listed], "replace": replace},
        status=JobStatus.RUNNING if small else JobStatus.QUEUED)
    if small:
        jobs.run_now(job)
    return job


def work(job: BackgroundJob, batches: jobs.Batches) -> None:
    """The job's work, in batches of ``BATCH``, each committed with its audit rows. The
    plan is read again from the database each time the job is taken up, so a job
    continued after a stop finds the youths it added already members, and goes on."""
    caseworker = db.session.get(User, job.started_by_id) if job.started_by_id else None
    if caseworker is None:
        raise PreviewProblem("invalid")  # the caseworker's account was removed meanwhile
    plan = _plan_from(job.options, caseworker)
    replace = bool(job.options.get("replace"))
    counts = dict(job.result or {"added": 0, "changed": 0, "kept": 0})
    counts["kept"] = 0 if replace else len(plan.changing)
    for chunk in _in_chunks(plan.new, BATCH):
        services.add_new([item.youth for item in chunk], plan.group, plan.reason,
                         plan.expires_on, caseworker)
        counts["added"] += len(chunk)
        job.result = dict(counts)
        batches.done(len(chunk), "importing")
    for chunk in _in_chunks(plan.changing if replace else [], BATCH):
        for item in chunk:
            counts["changed"] += bool(services.change(item.membership, plan.reason,
                                                      plan.expires_on, caseworker))
        job.result = dict(counts)
        batches.done(len(chunk), "importing")
    job.result = dict(counts)
    job.options = {key: value for key, value in job.options.items() if key != "listed"}
    batches.done(0, "done")


def imported(job: BackgroundJob) -> Imported:
    counts = job.result or {}
    return Imported(added=counts.get("added", 0), changed=counts.get("changed", 0),
                    kept=counts.get("kept", 0))


# Carrying the plan to the confirmation ---------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=CONFIRM_SALT)


def token(plan: Plan, caseworker: User) -> str:
    """The plan's list, signed and dated, for the preview page's confirm form (only a
    plan without wrong lines gets one)."""
    return _serializer().dumps({
        "caseworker": caseworker.id, "group": plan.group.id, "reason": plan.reason,
        "expires_on": plan.expires_on.isoformat() if plan.expires_on else None,
        "listed": [[item.line, item.youth.id] for item in plan.listed],
        "state": plan.state()})


def from_token(signed: str, caseworker: User) -> tuple[Plan, str]:
    """The plan rebuilt from today's database, and the fingerprint the preview had.

    Refuses (:class:`PreviewProblem`) a token that is too old, altered, signed for
    something else or made for another caseworker."""
    try:
        data = _serializer().loads(signed, max_age=int(CONFIRM_MAX_AGE.total_seconds()))
    except SignatureExpired as error:
        raise PreviewProblem("expired") from error
    except BadData as error:
        raise PreviewProblem("invalid") from error
    try:
        return _plan_from(data, caseworker), data["state"]
    except (KeyError, TypeError, ValueError) as error:  # signed by us, so never, but fail closed
        raise PreviewProblem("invalid") from error


def _plan_from(data: dict, caseworker: User) -> Plan:
    group = db.session.get(PriorityGroup, data["group"])
    if data["caseworker"] != caseworker.id or group is None or group.automatic:
        raise PreviewProblem("invalid")
    expires_on = date.fromisoformat(data["expires_on"]) if data["expires_on"] else None
    listed = [(int(line), int(youth_id)) for line, youth_id in data["listed"]]
    youths = _youths_by_id([youth_id for _line, youth_id in listed])
    found = [(line, youths[youth_id]) for line, youth_id in listed if youth_id in youths]
    errors = [WrongLine(line, "", "removed") for line, youth_id in listed
              if youth_id not in youths]
    return _plan(group, data["reason"], expires_on, found, errors)


def _youths_by_id(youth_ids: list[int]) -> dict[int, YouthProfile]:
    found: dict[int, YouthProfile] = {}
    for chunk in _in_chunks(list(dict.fromkeys(youth_ids))):
        found.update((y.id, y) for y in db.session.scalars(
            sa.select(YouthProfile).where(YouthProfile.id.in_(chunk))))
    return found
