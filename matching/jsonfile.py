"""Reading a problem or result file: the one way a file comes in, bounded and strict.

``read_json`` returns plain JSON data (dicts, lists, str, int, float, bool, None) or raises
``ProblemError`` naming the file and the place. It refuses what JSON allows (or Python's
reader accepts) but no problem or result ever holds, and what would otherwise escape as a
traceback later on:

- a file over ``MAX_BYTES``, one that is not UTF-8, or an empty one;
- nesting deeper than the reader can follow (named where it passes ``MAX_DEPTH``; lesser
  extra nesting in a problem meets the loader's type check at its place);
- an integer of more than ``MAX_DIGITS`` digits (Python refuses over 4,300 with a bare
  ``ValueError``), ``NaN``, ``Infinity``, and numbers too large for a float;
- a key given twice in one object: JSON readers differ on which one counts (Python keeps
  the last, a reviewer reading the file sees the first), so neither is taken.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, TypeVar

from matching.problem import ProblemError

MAX_BYTES = 256 * 2**20     #: about 700,000 youths; the 100,000-youth benchmark problem is 35 MB
MAX_DIGITS = 100            #: far more than any bound the loader allows (a seed has at most 19)
MAX_DEPTH = 100             #: a problem is 4 levels deep, a result 5
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_]{1,40}", re.ASCII)

V = TypeVar("V")


def read_json(path: Path) -> Any:
    text = _read_text(path)
    reader = _Reader()
    try:
        data = json.loads(text, object_pairs_hook=reader.object, parse_int=reader.integer,
                          parse_float=reader.number, parse_constant=reader.constant)
    except json.JSONDecodeError as exc:
        raise ProblemError(f"line {exc.lineno} column {exc.colno}", f"malformed JSON: {exc.msg}", str(path)) from None
    except RecursionError:
        raise ProblemError(_too_deep_at(text), f"nested more than {MAX_DEPTH} levels deep", str(path)) from None
    if reader.refused:
        raise ProblemError(*_first_refused(data), str(path))
    return data


def place(where: str, key: Any) -> str:
    """The path to ``key`` inside ``where``, as messages show it: ``offers[3].capacity``."""
    label = key if isinstance(key, str) and _PLAIN_KEY.fullmatch(key) else show(key)
    return f"{where}.{label}" if where else label


def show(value: Any) -> str:
    """A value as the JSON it came from, cut short: a message quotes it without echoing a megabyte."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 100:
        return f"a number of about {int(value.bit_length() * math.log10(2))} digits"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:36] + "..."


def _read_text(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ProblemError("", f"cannot read file ({exc.strerror or exc})", str(path)) from None
    except ValueError:      # open() refuses a name with a NUL byte
        raise ProblemError("", "cannot read file (its name holds a NUL byte)", str(path)) from None
    if len(raw) > MAX_BYTES:
        raise ProblemError("", f"file too large (more than {MAX_BYTES // 2**20} MB)", str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ProblemError(f"line {line}", f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", str(path)) from None
    if not text.strip():
        raise ProblemError("", "the file is empty", str(path))
    return text


class _Refused:
    """A value JSON allows but no problem or result holds; its place is found after parsing."""

    def __init__(self, message: str) -> None:
        self.message = message


class _KeyTwice(dict[str, Any]):
    """An object that gave ``key`` twice."""

    key: str


class _Reader:
    """The json module's hooks: they mark what is refused instead of raising, so the place can be named."""

    def __init__(self) -> None:
        self.refused = False

    def _refuse(self, value: V) -> V:
        self.refused = True
        return value

    def object(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        data = dict(pairs)
        if len(data) == len(pairs):
            return data
        twice, seen = _KeyTwice(data), set[str]()
        for key, _ in pairs:
            if key in seen:
                twice.key = key
                break
            seen.add(key)
        return self._refuse(twice)

    def integer(self, digits: str) -> int | _Refused:
        if len(digits.lstrip("-")) > MAX_DIGITS:
            return self._refuse(_Refused(f"a number of {len(digits.lstrip('-'))} digits is too long"))
        return int(digits)

    def number(self, text: str) -> float | _Refused:
        value = float(text)
        if math.isinf(value):
            return self._refuse(_Refused(f"the number {text if len(text) <= 20 else text[:17] + '...'} is too large"))
        return value

    def constant(self, name: str) -> _Refused:
        return self._refuse(_Refused(f"{name} is not a number JSON allows"))


def _first_refused(data: Any) -> tuple[str, str]:
    """The place and message of the first refused value, in file order (an iterative walk: no recursion)."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, _Refused):
            return where or "(top level)", value.message
        if isinstance(value, _KeyTwice):
            return place(where, value.key), "key given twice (JSON readers differ on which one counts)"
        if isinstance(value, dict):
            stack.extend(reversed([(place(where, k), v) for k, v in value.items()]))
        elif isinstance(value, list):
            stack.extend(reversed([(f"{where}[{i}]", v) for i, v in enumerate(value)]))
    raise AssertionError("a refused value was marked but not found")


def _too_deep_at(text: str) -> str:
    """Line and column where the nesting passes MAX_DEPTH (only on the error path)."""
    depth = 0
    for token in _TOKEN.finditer(text):
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(token[0], 0)
        if depth > MAX_DEPTH:
            offset = token.start()
            return f"line {text.count(chr(10), 0, offset) + 1} column {offset - text.rfind(chr(10), 0, offset)}"
    return ""
