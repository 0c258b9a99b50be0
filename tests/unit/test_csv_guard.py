"""One CSV-injection rule for writing and reading: guarded when written, exact when read back."""

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from ordercli.io.csv import safe_cell, unguard_cell, write_rows


def test_formula_like_text_is_written_with_an_apostrophe():
    assert [safe_cell(v) for v in ("=1+1", "+49", "-x", "@SUM(A1)", "\tx", "\rx")] == [
        "'=1+1", "'+49", "'-x", "'@SUM(A1)", "'\tx", "'\rx"]


def test_ordinary_text_and_numbers_are_written_as_they_are():
    assert [safe_cell(v) for v in ("Chai", "'t Hoekje", "", 5, -5)] == ["Chai", "'t Hoekje", "", 5, -5]


def test_text_that_already_starts_with_a_guard_gets_one_more():
    assert safe_cell("'=1+1") == "''=1+1"
    assert unguard_cell("''=1+1") == "'=1+1"


def test_reading_removes_only_the_guard():
    assert [unguard_cell(v) for v in ("'=1+1", "'t Hoekje", "'", "''", "=1+1")] == [
        "=1+1", "'t Hoekje", "'", "''", "=1+1"]


@given(st.text())
def test_every_text_survives_a_round_trip_through_a_csv_file(text):
    buffer = io.StringIO(newline="")
    write_rows(buffer, ("name",), [(text,)], text_columns=(0,))
    buffer.seek(0)
    [row] = list(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    assert unguard_cell(row["name"]) == text


@given(st.text())
def test_no_written_cell_starts_like_a_formula(text):
    written = safe_cell(text)
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))
