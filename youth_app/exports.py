"""CSV and XLSX downloads, safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
run as a formula by Excel or LibreOffice (CSV injection, OWASP). Such text gets a
leading apostrophe, which spreadsheets show as plain text. Numbers stay numbers.

No stored text can make a download fail: characters a spreadsheet cannot hold (the
control characters other than tab, LF and CR, which XLSX's XML forbids and openpyxl
refuses with ``IllegalCharacterError``, and unpaired surrogates, which UTF-8 cannot
encode) are removed first, and an XLSX cell is cut at Excel's 32,767 characters.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Any, Iterable, Sequence

from flask import Response
from openpyxl import Workbook

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
#: What neither XML 1.0 (XLSX) nor UTF-8 can carry.
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Excel's limit for one cell.
CELL_MAX = 32_767


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def storable(value: Any) -> Any:
    """``value`` without the characters a spreadsheet file cannot hold."""
    return UNSTORABLE.sub("", value) if isinstance(value, str) else value


def _clean(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Cleaned first, then neutralised: removing a character must not expose a formula."""
    return [[neutralise(storable("" if v is None else v)) for v in row] for row in rows]


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark and semicolons, as Swedish Excel expects."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows(_clean([headers, *rows]))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    if sheet is None:  # a new workbook always has its first sheet
        sheet = book.create_sheet()
    sheet.title = title[:31]
    for row in _clean([headers, *rows]):
        sheet.append([v[:CELL_MAX] if isinstance(v, str) else v for v in row])
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
