"""No stored text can break a CSV or Excel download; formulas stay neutralised."""
from __future__ import annotations

import io
import logging

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from youth_app import exports
from youth_app.extensions import db
from youth_app.models import YouthProfile

pytestmark = pytest.mark.hardening

#: Every character XLSX's XML refuses, an unpaired surrogate, and formulas behind them.
NASTY = ["".join(chr(c) for c in range(32)), "\x01=1+1", "\x0b@SUM(A1)", "a\ud800b",
         "x\ufffe\uffff", "=HYPERLINK(\"http://evil.example\")", "y" * 40_000]


def test_every_character_a_spreadsheet_cannot_hold_is_removed():
    book = load_workbook(io.BytesIO(exports.xlsx_bytes(["h"], [[t] for t in NASTY], "t")))
    values = [row[0].value for row in book.active.iter_rows(min_row=2)]
    assert values[0].startswith("'\t\n")  # a leading tab is neutralised too
    assert values[1:3] == ["'=1+1", "'@SUM(A1)"]
    assert values[3:5] == ["ab", "x"]
    assert values[5].startswith("'=") and len(values[6]) == exports.CELL_MAX
    text = exports.csv_bytes(["h"], [[t] for t in NASTY]).decode("utf-8-sig")
    assert "'=1+1" in text and "\x01" not in text and "\x0b" not in text


def test_a_participant_with_control_characters_downloads(app, we, world):
    with app.app_context():
        youth = db.session.get(YouthProfile, world.youth_id)
        youth.first_name, youth.shared_notes = "Al\x0bva", "=cmd|' /C calc'!A0\x07"
        db.session.commit()
    for fmt in ("csv", "xlsx"):
        response = we.get(f"/provider/offers/{world.ours}/participants.{fmt}")
        assert response.status_code == 200, fmt
    book = load_workbook(io.BytesIO(response.data))
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert "Alva Test" in values and "'=cmd|' /C calc'!A0" in values


def test_an_unexpected_error_is_logged_without_what_the_user_sent(app_factory, caplog):
    broken = app_factory()

    sent = {"email": "alva.larsson@example.se", "number": "20100514-1234"}

    def explode():
        raise ValueError(f"{sent['email']} {sent['number']}")

    broken.view_functions["main.privacy"] = explode
    with caplog.at_level(logging.ERROR):
        assert broken.test_client().get("/privacy").status_code == 500
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "builtins.ValueError" in logged and "GET /privacy" in logged
    assert "alva.larsson" not in logged and "20100514" not in logged


def test_a_database_error_is_logged_without_its_sql_parameters(app_factory, caplog):
    broken = app_factory()

    def explode():
        db.session.execute(sa.text("SELECT * FROM no_such_table WHERE name = :name"),
                           {"name": "Alva Larsson"})

    broken.view_functions["main.privacy"] = explode
    with caplog.at_level(logging.ERROR):
        assert broken.test_client().get("/privacy").status_code in (500, 503)
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "Alva Larsson" not in logged and "sqlalchemy.exc" in logged
