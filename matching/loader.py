"""Load a problem and check it against the contract, naming the place of any fault.

Each ``_parse_*`` function receives the JSON value and the path that leads to it,
so a message always reads ``offers[3].capacity: must be at least 0, got -1``.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Callable, Mapping

from matching.problem import (
    FORMAT, OFFER_KEYS, POLICY_KEYS, TOP_KEYS, WEEK_RE, YOUTH_KEYS,
    Application, Offer, Pair, Policy, Problem, ProblemError, Youth,
)


def load_problem(source: Mapping[str, Any] | str | Path) -> Problem:
    """Read a problem from a dict, a JSON file path, or raise ProblemError."""
    if isinstance(source, (str, Path)):
        data = read_json(Path(source))
    else:
        data = source
    return parse_problem(data)


def read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProblemError(str(path), f"cannot read file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ProblemError(str(path), "not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError(f"line {exc.lineno} column {exc.colno}", f"malformed JSON: {exc.msg}") from None


def parse_problem(data: Any) -> Problem:
    _check_keys(data, "", required=TOP_KEYS, allowed=TOP_KEYS, what="problem")
    if data["format"] != FORMAT:
        raise ProblemError("format", f'must be "{FORMAT}", got {data["format"]!r}')
    policy = _parse_policy(data["policy"])
    youths = _parse_list(data, "youths", _parse_youth)
    offers = _parse_list(data, "offers", _parse_offer)
    youth_ids = _unique_ids(youths, "youths")
    offer_ids = _unique_ids(offers, "offers")
    refs = (youth_ids, offer_ids)
    applications = _parse_list(data, "applications", lambda v, w: _parse_application(v, w, refs))
    _check_ranks(applications)
    locked = _parse_list(data, "locked", lambda v, w: _parse_pair(v, w, refs))
    forbidden = _parse_list(data, "forbidden", lambda v, w: _parse_pair(v, w, refs))
    _no_duplicate_pairs(locked, "locked")
    _no_duplicate_pairs(forbidden, "forbidden")
    apart = _parse_list(data, "apart", lambda v, w: _parse_apart(v, w, youth_ids))
    return Problem(policy, tuple(youths), tuple(offers), tuple(applications),
                   tuple(locked), tuple(forbidden), tuple(apart))


def _check_keys(value: Any, where: str, required: tuple, allowed: tuple, what: str) -> None:
    if not isinstance(value, dict):
        raise ProblemError(where or "(top level)", f"{what} must be a JSON object")
    for key in value:
        if key not in allowed:
            raise ProblemError(_join(where, key), f"unknown key (allowed: {', '.join(allowed)})")
    for key in required:
        if key not in value:
            raise ProblemError(_join(where, key), "missing key")


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _parse_list(data: dict, key: str, parse: Callable[[Any, str], Any]) -> list:
    value = data[key]
    if not isinstance(value, list):
        raise ProblemError(key, "must be a list")
    return [parse(item, f"{key}[{i}]") for i, item in enumerate(value)]


def _int(value: Any, where: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProblemError(where, f"must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ProblemError(where, f"must be at least {minimum}, got {value}")
    return value


def _text(value: Any, where: str, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise ProblemError(where, f"must be a non-empty string, got {value!r}")
    return value


def _parse_policy(value: Any) -> Policy:
    _check_keys(value, "policy", required=("seed",), allowed=POLICY_KEYS, what="policy")
    tiers = value.get("priority_tiers", [])
    if not isinstance(tiers, list):
        raise ProblemError("policy.priority_tiers", "must be a list of group names")
    tiers = [_text(t, f"policy.priority_tiers[{i}]") for i, t in enumerate(tiers)]
    if len(set(tiers)) != len(tiers):
        raise ProblemError("policy.priority_tiers", "names a group twice")
    ranks = value.get("priority_ranks", True)
    if not isinstance(ranks, bool):
        raise ProblemError("policy.priority_ranks", "must be true or false")
    return Policy(
        seed=_int(value["seed"], "policy.seed"),
        max_places_per_youth=_int(value.get("max_places_per_youth", 2), "policy.max_places_per_youth", 1),
        max_jobs_per_youth=_int(value.get("max_jobs_per_youth", 1), "policy.max_jobs_per_youth", 0),
        priority_tiers=tuple(tiers), priority_ranks=ranks,
    )


def _parse_youth(value: Any, where: str) -> Youth:
    _check_keys(value, where, required=("id", "age"), allowed=YOUTH_KEYS, what="youth")
    groups = value.get("groups", [])
    if not isinstance(groups, list):
        raise ProblemError(f"{where}.groups", "must be a list of group names")
    return Youth(
        id=_text(value["id"], f"{where}.id"),
        age=_int(value["age"], f"{where}.age", 0),
        groups=tuple(_text(g, f"{where}.groups[{i}]") for i, g in enumerate(groups)),
        district=_text(value.get("district"), f"{where}.district", optional=True),
        gender=_text(value.get("gender"), f"{where}.gender", optional=True),
    )


def _parse_offer(value: Any, where: str) -> Offer:
    _check_keys(value, where, required=OFFER_KEYS, allowed=OFFER_KEYS, what="offer")
    if value["kind"] not in ("job", "activity"):
        raise ProblemError(f"{where}.kind", f'must be "job" or "activity", got {value["kind"]!r}')
    min_age = _int(value["min_age"], f"{where}.min_age", 0)
    max_age = _int(value["max_age"], f"{where}.max_age", 0)
    if min_age > max_age:
        raise ProblemError(f"{where}.max_age", f"is below min_age ({max_age} < {min_age})")
    return Offer(
        id=_text(value["id"], f"{where}.id"), kind=value["kind"],
        capacity=_int(value["capacity"], f"{where}.capacity", 0),
        min_age=min_age, max_age=max_age, weeks=_parse_weeks(value["weeks"], f"{where}.weeks"),
    )


def _parse_weeks(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ProblemError(where, "must be a list of ISO weeks like \"2026-W27\"")
    for i, week in enumerate(value):
        match = WEEK_RE.match(week) if isinstance(week, str) else None
        if not match or not _real_week(int(match[1]), int(match[2])):
            raise ProblemError(f"{where}[{i}]", f"not an ISO week like \"2026-W27\": {week!r}")
    if len(set(value)) != len(value):
        raise ProblemError(where, "lists a week twice")
    return tuple(value)


def _real_week(year: int, week: int) -> bool:
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        return False
    return True


def _unique_ids(items: list, key: str) -> set[str]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            raise ProblemError(f"{key}[{i}].id", f'duplicate id "{item.id}"')
        seen.add(item.id)
    return seen


def _ref(value: Any, where: str, known: set[str], what: str) -> str:
    name = _text(value, where)
    if name not in known:
        raise ProblemError(where, f'no {what} "{name}"')
    return name


def _parse_application(value: Any, where: str, refs: tuple[set, set]) -> Application:
    _check_keys(value, where, required=("youth", "offer", "rank"), allowed=("youth", "offer", "rank"),
                what="application")
    return Application(_ref(value["youth"], f"{where}.youth", refs[0], "youth"),
                       _ref(value["offer"], f"{where}.offer", refs[1], "offer"),
                       _int(value["rank"], f"{where}.rank", 1))


def _parse_pair(value: Any, where: str, refs: tuple[set, set]) -> Pair:
    _check_keys(value, where, required=("youth", "offer"), allowed=("youth", "offer"), what="pair")
    return Pair(_ref(value["youth"], f"{where}.youth", refs[0], "youth"),
                _ref(value["offer"], f"{where}.offer", refs[1], "offer"))


def _parse_apart(value: Any, where: str, youth_ids: set[str]) -> tuple[str, ...]:
    _check_keys(value, where, required=("youths",), allowed=("youths",), what="apart group")
    members = value["youths"]
    if not isinstance(members, list) or len(members) < 2:
        raise ProblemError(f"{where}.youths", "must list at least two youths")
    names = [_ref(m, f"{where}.youths[{i}]", youth_ids, "youth") for i, m in enumerate(members)]
    if len(set(names)) != len(names):
        raise ProblemError(f"{where}.youths", "names a youth twice")
    return tuple(names)


def _check_ranks(applications: list[Application]) -> None:
    """Ranks are distinct per youth and start at 1; one application per (youth, offer)."""
    ranks: dict[str, dict[int, int]] = {}
    pairs: set[tuple[str, str]] = set()
    for i, app in enumerate(applications):
        if (app.youth, app.offer) in pairs:
            raise ProblemError(f"applications[{i}]", f'youth "{app.youth}" applies to "{app.offer}" twice')
        pairs.add((app.youth, app.offer))
        seen = ranks.setdefault(app.youth, {})
        if app.rank in seen:
            raise ProblemError(f"applications[{i}].rank",
                               f'youth "{app.youth}" already has rank {app.rank} (applications[{seen[app.rank]}])')
        seen[app.rank] = i
    for youth, seen in ranks.items():
        if 1 not in seen:
            raise ProblemError(f"applications[{min(seen.values())}].rank",
                               f'youth "{youth}" has no first choice (ranks start at 1)')


def _no_duplicate_pairs(pairs: list[Pair], key: str) -> None:
    seen: set[Pair] = set()
    for i, pair in enumerate(pairs):
        if pair in seen:
            raise ProblemError(f"{key}[{i}]", f'pair ("{pair.youth}", "{pair.offer}") listed twice')
        seen.add(pair)
