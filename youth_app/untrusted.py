"""What arrives from outside, checked once for every route: ids, numbers and NUL bytes.

- ``<int:...>`` in every route is ``DatabaseId``: a number the database's INTEGER column
  can hold, else the route does not match (404). ``/offers/2147483648`` would otherwise
  reach PostgreSQL ("integer out of range") or SQLite ("Python int too large").
- ``whole_number(low, high)`` is the ``type=`` for numbers in a query string or a form
  read without WTForms: ASCII digits only (``"²".isdigit()`` is true, ``int("²")``
  fails) within bounds, else the caller's default.
- ``refuse_nul_bytes`` answers 400 before any view runs when the path, the query
  string, the form or a JSON body carries a NUL byte: PostgreSQL cannot store NUL in
  text, and psycopg raises ``ValueError`` on it. Forms refuse the other control
  characters with a message next to the field (``youth_app.forms``).
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, ValidationError

#: The largest value of a PostgreSQL INTEGER (and of our primary keys).
INTEGER_MAX = 2**31 - 1


class DatabaseId(IntegerConverter):
    """``<int:...>``: a whole number from 0 to ``INTEGER_MAX``; anything else is a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INTEGER_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> Any:
        # int() refuses more than 4300 digits with ValueError, which the router would
        # not catch; no id has more than ten.
        if len(value) > len(str(INTEGER_MAX)) or not value.isascii():
            raise ValidationError()
        return super().to_python(value)


def whole_number(low: int = 0, high: int = INTEGER_MAX) -> Callable[[str], int]:
    """A parser for ``request.args.get(name, default, type=...)``: it raises
    ``ValueError`` (so the default is used) unless the text is ASCII digits in range."""
    def parse(text: str) -> int:
        text = text.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > len(str(high)):
            raise ValueError("not a whole number")
        value = int(text)
        if not low <= value <= high:
            raise ValueError("out of range")
        return value
    return parse


#: The id of a row, as sent in a form or a query string.
record_id = whole_number(1, INTEGER_MAX)


class ZeroByte(BadRequest):
    """The request carried a NUL byte; the 400 page says so."""

    description = "zero-byte"


def _texts(value: Any) -> Iterator[str]:
    """Every string in a JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _request_texts() -> Iterator[str]:
    yield request.path
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            yield key
            yield value
    for key, upload in request.files.items(multi=True):
        yield key
        yield upload.filename or ""
    if request.is_json:
        yield from _texts(request.get_json(silent=True))


def refuse_nul_bytes() -> None:
    """``before_request`` hook, registered before every other one."""
    if any("\x00" in text for text in _request_texts()):
        raise ZeroByte()


def init_app(app: Flask) -> None:
    """Call before the blueprints are registered: their rules bind the converter then."""
    app.url_map.converters["int"] = DatabaseId
    app.before_request(refuse_nul_bytes)
