"""CSV and XLSX downloads, safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
run as a formula by Excel or LibreOffice (CSV injection, OWASP). Such text gets a
leading apostrophe, which spreadsheets show as plain text. Numbers stay numbers.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Sequence

from flask import Response
from openpyxl import Workbook

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def _clean(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    return [[neutralise("" if v is None else v) for v in row] for row in rows]


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark and semicolons, as Swedish Excel expects."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows(_clean([headers, *rows]))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for row in _clean([headers, *rows]):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download(headers, rows, name: str, fmt: str) -> Response:
    """A file response; ``fmt`` is ``csv`` or ``xlsx``."""
    rows = list(rows)
    if fmt == "xlsx":
        body = xlsx_bytes(headers, rows, name)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, mimetype = csv_bytes(headers, rows), "text/csv; charset=utf-8"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
