"""Load a problem or a result and check it against the contract, naming the place of any fault.

Each ``_parse_*`` function receives the JSON value and the path that leads to it,
so a message always reads ``offers[3].capacity: must be at least 0, got -1``. Files are
read by ``matching.jsonfile.read_json`` (bounded and strict); a dict from the web
application gets the same checks here, so nothing after loading has to distrust a value.
"""
from __future__ import annotations

import datetime as dt
import math
import unicodedata
from pathlib import Path
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from matching.jsonfile import place as _join, read_json, show
from matching.problem import (
    AGE_BOUNDS, CAPACITY_BOUNDS, FORMAT, FRIEND_GROUP_SIZE, JOBS_BOUNDS, OFFER_KEYS, OPTIONAL_OFFER_KEYS,
    PLACES_BOUNDS, POLICY_KEYS, RANK_BOUNDS, REQUIRED_TOP_KEYS, SEED_BOUNDS, TOP_KEYS, WEEK_RE, YOUTH_KEYS, Application, Offer, Pair, Policy, Problem, ProblemError, Youth,
)
from matching.result import RESULT_FORMAT, Assignment, LevelValue, Reason, Result, Status, Unplaced

RESULT_KEYS = ("format", "status", "assignments", "lottery", "levels", "unplaced", "stats")
LEVEL_KEYS = ("name", "value", "proven", "bound", "gap")
LOTTERY_BOUNDS = (1, 10**9)
LEVEL_BOUNDS = (-2**63, 2**63 - 1)

T = TypeVar("T")


def load_problem(source: Mapping[str, Any] | str | Path) -> Problem:
    """Read a problem from a dict, a JSON file path, or raise ProblemError."""
    if isinstance(source, (str, Path)):
        return _from_file(Path(source), parse_problem)
    return parse_problem(source)


def load_result(source: Mapping[str, Any] | str | Path, problem: Problem | None = None) -> Result:
    """Read a result back (for ``check`` and ``explain``), or raise ProblemError.

    With ``problem``, every youth and offer the result names must be in it (``explain``
    needs that); without, a stranger is left for ``validate`` to report as a breach.
    """
    if isinstance(source, (str, Path)):
        return _from_file(Path(source), lambda data: parse_result(data, problem))
    return parse_result(source, problem)


def _from_file(path: Path, parse: Callable[[Any], T]) -> T:
    data = read_json(path)
    try:
        return parse(data)
    except ProblemError as exc:
        raise exc.in_file(str(path)) from None


def parse_problem(data: Any) -> Problem:
    _check_keys(data, "", required=REQUIRED_TOP_KEYS, allowed=TOP_KEYS, what="problem")
    if data["format"] != FORMAT:
        raise ProblemError("format", f'must be "{FORMAT}", got {show(data["format"])}')
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
    friends = _parse_list(data, "friends", lambda v, w: _parse_friends(v, w, youth_ids))
    _one_friend_group_each(friends)
    return Problem(policy, tuple(youths), tuple(offers), tuple(applications),
                   tuple(locked), tuple(forbidden), tuple(apart), tuple(friends))


def _check_keys(value: Any, where: str, required: tuple[str, ...], allowed: tuple[str, ...],
                what: str) -> None:
    if not isinstance(value, dict):
        raise ProblemError(where or "(top level)", f"{what} must be a JSON object")
    for key in value:
        if key not in allowed:
            raise ProblemError(_join(where, key), f"unknown key (allowed: {', '.join(allowed)})")
    for key in required:
        if key not in value:
            raise ProblemError(_join(where, key), "missing key")


def _parse_list(data: dict[str, Any], key: str, parse: Callable[[Any, str], T], where: str = "") -> list[T]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ProblemError(_join(where, key), "must be a list")
    return [parse(item, f"{_join(where, key)}[{i}]") for i, item in enumerate(value)]


def _int(value: Any, where: str, bounds: tuple[int, int]) -> int:
    """A whole number within ``bounds``; true, false and 16.0 are not whole numbers here."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProblemError(where, f"must be an integer, got {show(value)}")
    if value < bounds[0]:
        raise ProblemError(where, f"must be at least {bounds[0]}, got {show(value)}")
    if value > bounds[1]:
        raise ProblemError(where, f"must be at most {bounds[1]}, got {show(value)}")
    return value


def _optional_text(value: Any, where: str) -> str | None:
    """None, or text as ``_text`` takes it."""
    return None if value is None else _text(value, where)


def _text(value: Any, where: str) -> str:
    """A non-empty string without control characters (an id is printed in explanations and
    messages: no newline or terminal escape may ride along), and one UTF-8 can hold."""
    if not isinstance(value, str) or not value:
        raise ProblemError(where, f"must be a non-empty string, got {show(value)}")
    if not value.isprintable():
        categories = {unicodedata.category(c) for c in value}
        if "Cs" in categories:
            raise ProblemError(where, "is not valid Unicode text (it holds a lone surrogate)")
        if "Cc" in categories:
            raise ProblemError(where, f"must not hold control characters, got {show(value)}")
    return value


def _parse_policy(value: Any) -> Policy:
    _check_keys(value, "policy", required=("seed",), allowed=POLICY_KEYS, what="policy")
    tiers = value.get("priority_tiers", [])
    if not isinstance(tiers, list):
        raise ProblemError("policy.priority_tiers", "must be a list of group names")
    tiers = [_text(t, f"policy.priority_tiers[{i}]") for i, t in enumerate(tiers)]
    if len(set(tiers)) != len(tiers):
        raise ProblemError("policy.priority_tiers", "names a group twice")
    ranks, friends = value.get("priority_ranks", True), value.get("friends", False)
    for key, flag in (("priority_ranks", ranks), ("friends", friends)):
        if not isinstance(flag, bool):
            raise ProblemError(f"policy.{key}", "must be true or false")
    return Policy(
        seed=_int(value["seed"], "policy.seed", SEED_BOUNDS),
        max_places_per_youth=_int(value.get("max_places_per_youth", 2), "policy.max_places_per_youth", PLACES_BOUNDS),
        max_jobs_per_youth=_int(value.get("max_jobs_per_youth", 1), "policy.max_jobs_per_youth", JOBS_BOUNDS),
        priority_tiers=tuple(tiers), priority_ranks=ranks, friends=friends,
    )


def _parse_youth(value: Any, where: str) -> Youth:
    _check_keys(value, where, required=("id", "age"), allowed=YOUTH_KEYS, what="youth")
    groups = value.get("groups", [])
    if not isinstance(groups, list):
        raise ProblemError(f"{where}.groups", "must be a list of group names")
    return Youth(
        id=_text(value["id"], f"{where}.id"),
        age=_int(value["age"], f"{where}.age", AGE_BOUNDS),
        groups=tuple(_text(g, f"{where}.groups[{i}]") for i, g in enumerate(groups)),
        district=_optional_text(value.get("district"), f"{where}.district"),
        gender=_optional_text(value.get("gender"), f"{where}.gender"),
    )


def _parse_offer(value: Any, where: str) -> Offer:
    _check_keys(value, where, required=OFFER_KEYS, allowed=OFFER_KEYS + OPTIONAL_OFFER_KEYS, what="offer")
    if value["kind"] not in ("job", "activity"):
        raise ProblemError(f"{where}.kind", f'must be "job" or "activity", got {show(value["kind"])}')
    min_age = _int(value["min_age"], f"{where}.min_age", AGE_BOUNDS)
    max_age = _int(value["max_age"], f"{where}.max_age", AGE_BOUNDS)
    if min_age > max_age:
        raise ProblemError(f"{where}.max_age", f"is below min_age ({max_age} < {min_age})")
    capacity = _int(value["capacity"], f"{where}.capacity", CAPACITY_BOUNDS)
    return Offer(
        id=_text(value["id"], f"{where}.id"), kind=value["kind"], capacity=capacity,
        min_age=min_age, max_age=max_age, weeks=_parse_weeks(value["weeks"], f"{where}.weeks"),
        min_participants=_min_participants(value, where, capacity),
    )


def _min_participants(value: dict[str, Any], where: str, capacity: int) -> int:
    """0 when absent; otherwise 1 up to the capacity (a larger minimum could never be met)."""
    if "min_participants" not in value:
        return 0
    least = _int(value["min_participants"], f"{where}.min_participants", (1, CAPACITY_BOUNDS[1]))
    if least > capacity:
        raise ProblemError(f"{where}.min_participants", f"is above capacity ({least} > {capacity})")
    return least


def _parse_weeks(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ProblemError(where, "must be a list of ISO weeks like \"2026-W27\"")
    for i, week in enumerate(value):
        match = WEEK_RE.fullmatch(week) if isinstance(week, str) else None
        if not match or not _real_week(int(match[1]), int(match[2])):
            raise ProblemError(f"{where}[{i}]", f"not an ISO week like \"2026-W27\" (one that exists in that "
                                                f"year, ASCII digits): {show(week)}")
    if len(set(value)) != len(value):
        raise ProblemError(where, "lists a week twice")
    return tuple(value)


def _real_week(year: int, week: int) -> bool:
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        return False
    return True


def _unique_ids(items: Sequence[Youth | Offer], key: str) -> set[str]:
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


def _parse_application(value: Any, where: str, refs: tuple[set[str], set[str]]) -> Application:
    _check_keys(value, where, required=("youth", "offer", "rank"), allowed=("youth", "offer", "rank"),
                what="application")
    return Application(_ref(value["youth"], f"{where}.youth", refs[0], "youth"),
                       _ref(value["offer"], f"{where}.offer", refs[1], "offer"),
                       _int(value["rank"], f"{where}.rank", RANK_BOUNDS))


def _parse_pair(value: Any, where: str, refs: tuple[set[str], set[str]]) -> Pair:
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


def _parse_friends(value: Any, where: str, youth_ids: set[str]) -> tuple[str, ...]:
    _check_keys(value, where, required=("youths",), allowed=("youths",), what="friend group")
    members = value["youths"]
    low, high = FRIEND_GROUP_SIZE
    if not isinstance(members, list) or not low <= len(members) <= high:
        raise ProblemError(f"{where}.youths", f"must list {low} or {high} youths (a youth names at most "
                                              f"{high - 1} friends)")
    names = [_ref(m, f"{where}.youths[{i}]", youth_ids, "youth") for i, m in enumerate(members)]
    if len(set(names)) != len(names):
        raise ProblemError(f"{where}.youths", "names a youth twice")
    return tuple(names)


def _one_friend_group_each(groups: list[tuple[str, ...]]) -> None:
    seen: dict[str, int] = {}
    for g, group in enumerate(groups):
        for i, youth in enumerate(group):
            if youth in seen:
                raise ProblemError(f"friends[{g}].youths[{i}]", f'youth "{youth}" is already in friends[{seen[youth]}]')
            seen[youth] = g


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


def parse_result(data: Any, problem: Problem | None = None) -> Result:
    """A result in the contract's format; ``stats`` is free-form (only its being an object is checked)."""
    _check_keys(data, "", required=("format", "status", "assignments"), allowed=RESULT_KEYS, what="result")
    if data["format"] != RESULT_FORMAT:
        raise ProblemError("format", f'must be "{RESULT_FORMAT}", got {show(data["format"])}')
    if data["status"] not in [s.value for s in Status]:
        raise ProblemError("status", f"must be one of {', '.join(s.value for s in Status)}, got {show(data['status'])}")
    stats = data.get("stats", {})
    if not isinstance(stats, dict):
        raise ProblemError("stats", "must be a JSON object")
    result = Result(Status(data["status"]), tuple(_parse_list(data, "assignments", _parse_assignment)),
                    _parse_lottery(data.get("lottery", {})), tuple(_parse_list(data, "levels", _parse_level)),
                    tuple(_parse_list(data, "unplaced", _parse_unplaced)), stats)
    if problem is not None:
        _names_known(result, problem)
    return result


def _parse_assignment(value: Any, where: str) -> Assignment:
    _check_keys(value, where, required=("youth", "offer"), allowed=("youth", "offer", "rank"), what="assignment")
    rank = value.get("rank")
    return Assignment(_text(value["youth"], f"{where}.youth"), _text(value["offer"], f"{where}.offer"),
                      None if rank is None else _int(rank, f"{where}.rank", RANK_BOUNDS))


def _parse_lottery(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise ProblemError("lottery", "must be a JSON object of youth ids and numbers")
    return {_text(k, _join("lottery", k)): _int(n, _join("lottery", k), LOTTERY_BOUNDS) for k, n in value.items()}


def _parse_level(value: Any, where: str) -> LevelValue:
    _check_keys(value, where, required=("name", "value"), allowed=LEVEL_KEYS, what="level")
    proven = value.get("proven", True)
    if not isinstance(proven, bool):
        raise ProblemError(f"{where}.proven", "must be true or false")
    bound = value.get("bound")
    _number(value.get("gap", 0), f"{where}.gap")
    return LevelValue(_text(value["name"], f"{where}.name"), _int(value["value"], f"{where}.value", LEVEL_BOUNDS),
                      proven, None if bound is None else _number(bound, f"{where}.bound"))


def _number(value: Any, where: str) -> float:
    """Any JSON number (the reader has already refused NaN, Infinity and over-long ones)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProblemError(where, f"must be a number, got {show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ProblemError(where, f"must be a finite number, got {show(value)}")
    return _int(value, where, LEVEL_BOUNDS) if isinstance(value, int) else value


def _parse_unplaced(value: Any, where: str) -> Unplaced:
    _check_keys(value, where, required=("youth", "reasons"), allowed=("youth", "reasons"), what="unplaced youth")
    return Unplaced(_text(value["youth"], f"{where}.youth"), tuple(_parse_list(value, "reasons", _parse_reason, where)))


def _parse_reason(value: Any, where: str) -> Reason:
    from matching.explain import REASON_ORDER    # explain imports the result classes this module builds

    _check_keys(value, where, required=("offer", "reason"), allowed=("offer", "reason"), what="reason")
    if value["reason"] not in REASON_ORDER:
        raise ProblemError(f"{where}.reason", f"must be one of {', '.join(REASON_ORDER)}, got {show(value['reason'])}")
    return Reason(_text(value["offer"], f"{where}.offer"), value["reason"])


def _names_known(result: Result, problem: Problem) -> None:
    youths, offers = {y.id for y in problem.youths}, {o.id for o in problem.offers}
    named: list[tuple[str, str | None, str | None]] = [
        (f"assignments[{i}]", a.youth, a.offer) for i, a in enumerate(result.assignments)]
    named += [(f"unplaced[{i}]", u.youth, None) for i, u in enumerate(result.unplaced)]
    named += [(f"unplaced[{i}].reasons[{j}]", None, r.offer)
              for i, u in enumerate(result.unplaced) for j, r in enumerate(u.reasons)]
    for where, youth, offer in named:
        if youth is not None and youth not in youths:
            raise ProblemError(f"{where}.youth", f'no youth "{youth}" in the problem')
        if offer is not None and offer not in offers:
            raise ProblemError(f"{where}.offer", f'no offer "{offer}" in the problem')
