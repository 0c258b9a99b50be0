"""CSV for spreadsheets and scripts, safe to open in Excel (OWASP CSV injection)."""

from __future__ import annotations

import csv as _csv
from collections.abc import Iterable, Sequence
from typing import TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def _looks_like_formula(text: str) -> bool:
    """Starts like a formula, possibly behind apostrophes (so guarded text stays exact)."""
    return text.lstrip(GUARD).startswith(FORMULA_START)


def safe_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection);
    numbers pass unchanged.

    The rule, both ways: a cell that starts with = + - @ tab or carriage return, after any
    apostrophes, is written with one more apostrophe in front; `unguard_cell` takes exactly
    that one off again when reading. So `=1+1` is written `'=1+1` and read back `=1+1`, and a
    name that really is `'=1+1` is written `''=1+1`: every text survives a round trip.
    """
    if isinstance(value, str) and _looks_like_formula(value):
        return GUARD + value
    return value


def unguard_cell(text: str) -> str:
    """The text `safe_cell` guarded, as it was: the one added apostrophe removed."""
    if text.startswith(GUARD) and _looks_like_formula(text[1:]):
        return text[1:]
    return text


def write_rows(stream: TextIO, header: Sequence[str] | None, rows: Iterable[Sequence[object]],
               *, text_columns: Iterable[int] = ()) -> int:
    """Write a header (unless None) and rows; cells in `text_columns` (free text people typed)
    are made safe."""
    writer = _csv.writer(stream, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    guarded = set(text_columns)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(v) if i in guarded else ("" if v is None else v) for i, v in enumerate(row)])
        count += 1
    return count
