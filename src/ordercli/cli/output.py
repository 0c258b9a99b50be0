"""Output for people (Rich tables) and for scripts (JSON, CSV): data on stdout only.

Colour only on a terminal and never with NO_COLOR. When stdout is not a terminal, tables are
drawn without borders and without wrapping, so `grep` and `awk` see one row per line.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from ordercli.domain.money import Money


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def console(stderr: bool = False):
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    tty = _is_tty(stream)
    return Console(
        file=stream,
        no_color=bool(os.environ.get("NO_COLOR")) or not tty,
        highlight=False,
        emoji=False,
        width=None if tty else 100_000,
        soft_wrap=not tty,
    )


def table(columns: Sequence[str], rows: Iterable[Sequence[object]], *, title: str | None = None,
          right: Sequence[str] = ()) -> None:
    """Print a table of rows; columns named in `right` are right-aligned (numbers, money)."""
    from rich import box
    from rich.table import Table

    out = console()
    tty = _is_tty(sys.stdout)
    grid = Table(title=title if tty else None, box=box.SIMPLE_HEAD if tty else None,
                 show_edge=False, pad_edge=False, header_style="bold" if tty else "")
    for name in columns:
        grid.add_column(name, justify="right" if name in right else "left", no_wrap=not tty, overflow="fold")
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    if title and not tty:
        out.print(title, markup=False)
    out.print(grid)


def print_json(data: object) -> None:
    """The stable contract for scripts: indented JSON, UTF-8, one document."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n")


def _json_default(value: object):
    if isinstance(value, Money):
        return money_json(value)
    if isinstance(value, datetime):
        return time_json(value)
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def money_json(value: Money | None) -> dict | None:
    """Money in JSON: a decimal string with its currency, never a float."""
    if value is None:
        return None
    return {"amount": str(value.amount), "currency": value.currency}


def time_json(value: datetime | None) -> str | None:
    """UTC, ISO 8601, with a Z."""
    if value is None:
        return None
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def time_text(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def money_text(value: Money | None) -> str:
    return "" if value is None else f"{value.amount:,} {value.currency}"
