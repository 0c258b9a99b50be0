"""CSV for spreadsheets and scripts, safe to open in Excel (OWASP CSV injection)."""

from __future__ import annotations

import csv as _csv
from collections.abc import Iterable, Sequence
from typing import TextIO

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Text starting like a formula gets a leading apostrophe; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_rows(stream: TextIO, header: Sequence[str], rows: Iterable[Sequence[object]],
               *, text_columns: Iterable[int] = ()) -> int:
    """Write a header and rows; cells in `text_columns` (free text people typed) are made safe."""
    writer = _csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    guarded = set(text_columns)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(v) if i in guarded else ("" if v is None else v) for i, v in enumerate(row)])
        count += 1
    return count
