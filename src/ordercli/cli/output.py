"""The output kit: one set of options that choose a format and one `emit` that prints a
command's data in it, for people (tables) or for scripts (JSON, JSON Lines, CSV, ids); data on
stdout only, messages on stderr.

A command takes `@output_options(...)` (--json always; `Format.JSONL`, `Format.CSV` and
`Format.IDS` add --jsonl, --csv with --no-headers, and --ids) and an `output` parameter, and
prints with `output.emit(data, shape=..., table=..., csv=..., ids=...)`: the JSON and CSV shapes
live in `shapes.py`, the tables for people beside each command, declared as a `Table`. A new
format is one `Format` member, its option in `_OPTIONS`, and its branch in `Output.emit`.

Tables for people: every cell is printed as text, never read as markup. On a terminal the
columns are aligned to fit its width: key columns (numbers, statuses, dates, money, SKUs) are
never wrapped nor cut, free-text columns are cut with an ellipsis, and the columns that still do
not fit are left out in the order the table declares (`drop`). When stdout is not a terminal,
a table prints as tab-separated values, one row a line, no header, no padding (as `gh` does),
so `cut -f` and `awk -F'\\t'` see every column. ORDERCLI_FORCE_TTY (as gh's GH_FORCE_TTY) lays
tables out for a terminal anyway; a number in it is the width. Colour (a bold header) only on a
real terminal and never with NO_COLOR.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence, Sized
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ordercli.cli.errors import EXIT_USAGE, fail
from ordercli.domain.money import Money

if TYPE_CHECKING:
    from ordercli.cli.shapes import CsvShape


class Format(Enum):
    """What a command prints its data as: a table for people unless an option asks otherwise."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    IDS = "ids"


# The options that choose a format, in the order --help lists them: the flag and its help.
_OPTIONS = {
    Format.JSON: ("--json", "Print JSON (a stable shape for scripts: docs/json.md)."),
    Format.JSONL: ("--jsonl", "Print JSON Lines: one compact JSON object a line, for logs (docs/json.md)."),
    Format.CSV: ("--csv", "Print CSV with a header row."),
    Format.IDS: ("--ids", "Print only the ids, one a line, to pipe into another command."),
}
_NO_HEADERS = ("--no-headers", "With --csv: leave out the header row.")


def output_options(*formats: Format, **help: str):
    """Give a command the options that choose its output (--json, and those of `formats`; CSV
    brings --no-headers), refuse more than one of them, and pass the command `output`: the
    Output chosen. `help` words an option for this command, e.g. csv="CSV: one row per location."."""
    offered = (Format.JSON, *formats)

    def option(name: str, flag: str, text: str) -> inspect.Parameter:
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=False,
                                 annotation=Annotated[bool, typer.Option(flag, help=text)])

    def decorate(command):
        signature = inspect.signature(command, eval_str=True)
        options = [option(f"{f.value}_out", _OPTIONS[f][0], help.get(f.value, _OPTIONS[f][1])) for f in offered]
        if Format.CSV in offered:
            options.append(option("no_headers_out", *_NO_HEADERS))

        @functools.wraps(command)
        def with_output(*args, **kwargs):
            given = [f for f in offered if kwargs.pop(f"{f.value}_out")]
            no_headers = kwargs.pop("no_headers_out", False)
            if len(given) > 1:
                flags = [_OPTIONS[f][0] for f in given]
                raise fail(f"choose one of {', '.join(flags[:-1])} and {flags[-1]}", EXIT_USAGE)
            chosen = given[0] if given else Format.TABLE
            if no_headers and chosen is not Format.CSV:
                raise fail(f"{_NO_HEADERS[0]} goes with --csv", EXIT_USAGE)
            return command(*args, output=Output(chosen, headers=not no_headers, say=_say(kwargs)), **kwargs)

        kept = [p for name, p in signature.parameters.items() if name != "output"]
        with_output.__signature__ = signature.replace(parameters=[*kept, *options])
        return with_output

    return decorate


def _say(kwargs: dict) -> Callable[[str], None]:
    """The command's way to tell people something (stderr, silenced by --quiet)."""
    from ordercli.cli.context import app_context

    ctx = next((value for value in kwargs.values() if isinstance(value, typer.Context)), None)
    return app_context(ctx).say if ctx is not None else _to_stderr


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass(frozen=True)
class Output:
    """The format a command was asked for, and the one way to print its data in it."""

    format: Format = Format.TABLE
    headers: bool = True
    say: Callable[[str], None] = _to_stderr

    @property
    def json(self) -> bool:
        """JSON was asked for (a service may then gather the detail only JSON shows)."""
        return self.format in (Format.JSON, Format.JSONL)

    def emit(self, data: Any, *, shape: Callable[[Any], object], table: Callable[[Any], None] | None = None,
             csv: CsvShape | None = None, ids: Callable[[Any], Iterable[object]] | None = None) -> None:
        """Print `data`: as JSON in `shape` (JSON Lines: each item of an array a line, an object
        on one line), as CSV laid out by `csv`, its `ids` one a line, or for people by `table`
        (a Table, or a function that prints; None: nothing on stdout, messages say it all). A
        Table that says what an empty result means says it on stderr."""
        if self.format is Format.JSON:
            print_json(shape(data))
        elif self.format is Format.JSONL:
            document = shape(data)
            write = sys.stdout.write
            for item in document if isinstance(document, list) else [document]:
                write(json.dumps(item, ensure_ascii=False, separators=(",", ":"), default=_json_default) + "\n")
        elif self.format is Format.CSV:
            from ordercli.io.csv import write_rows

            write_rows(sys.stdout, csv.header if self.headers else None, csv.rows(data),
                       text_columns=csv.text_columns)
        elif self.format is Format.IDS:
            sys.stdout.writelines(f"{value}\n" for value in ids(data))
        elif table is not None:
            table(data)
        if isinstance(table, Table) and table.empty and isinstance(data, Sized) and not len(data):
            self.say(table.empty)


# -- tables for people -------------------------------------------------------------------------

GAP = "  "  # between two columns on a terminal
ELLIPSIS = "…"
TEXT_MIN_WIDTH = 10  # a free-text column keeps this much (or its title) before other columns go
TEXT_LEAST_WIDTH = 6  # and is cut to no less than this (or its title) when nothing else can go


@dataclass(frozen=True)
class Column:
    """A column of a table for people. A key column (a number, status, date, amount, SKU) is
    never wrapped nor cut; a free-text column (a name, a reason) is cut with an ellipsis to fit:
    to `min_width` while columns can still be left out, then down to TEXT_LEAST_WIDTH.
    `right`: aligned right (numbers, money)."""

    title: str
    key: bool = True
    right: bool = False
    min_width: int = TEXT_MIN_WIDTH


def key(title: str) -> Column:
    """A key column of text people look things up by: a status, a date, a SKU."""
    return Column(title)


def number(title: str) -> Column:
    """A key column of numbers or money, aligned right."""
    return Column(title, right=True)


def text(title: str, min_width: int = TEXT_MIN_WIDTH) -> Column:
    """A free-text column (what people typed), cut with an ellipsis to fit."""
    return Column(title, key=False, min_width=min_width)


@dataclass(frozen=True)
class Table:
    """A table for people: its columns, the rows of the data, the order in which columns are
    left out when a terminal is too narrow (`drop`: the first named goes first; the others are
    always shown), and what to say on stderr when there is no row (`empty`)."""

    columns: tuple[Column, ...]
    rows: Callable[[Any], Iterable[Sequence[object]]]
    drop: tuple[str, ...] = ()
    empty: str | None = None

    def __post_init__(self) -> None:
        unknown = set(self.drop) - {c.title for c in self.columns}
        if unknown:
            raise ValueError(f"drop names columns the table does not have: {sorted(unknown)}")

    def __call__(self, data: Any, *, title: str | None = None, stream=None) -> None:
        """Print the table on stdout (or on `stream`: stderr for what people are asked about)."""
        stream = sys.stdout if stream is None else stream
        cells = [[_one_line(cell) for cell in row] for row in self.rows(data)]
        width = terminal_width(stream)
        if title:
            stream.write((_bold(title) if width else title) + "\n")
        if width is None:
            stream.writelines("\t".join(row) + "\n" for row in cells)
        else:
            stream.writelines(line + "\n" for line in self.lines(cells, width))

    def lines(self, cells: list[list[str]], width: int) -> list[str]:
        """The table laid out in `width` columns: the header, a rule, and a line per row."""
        natural = [max([_cells(c.title), *(_cells(row[i]) for row in cells)]) for i, c in enumerate(self.columns)]
        shown, widths = self.fit(natural, width)
        columns = [self.columns[i] for i in shown]
        header = GAP.join(_fitted(c.title, w, c.right) for c, w in zip(columns, widths)).rstrip()
        lines = [_bold(header), GAP.join("─" * w for w in widths)]
        lines += [GAP.join(_fitted(row[i], w, c.right) for i, c, w in zip(shown, columns, widths)).rstrip()
                  for row in cells]
        return lines

    def fit(self, natural: list[int], width: int) -> tuple[list[int], list[int]]:
        """Which columns to show (by index) and how wide each is, for a terminal `width` wide:
        columns are left out in `drop` order until the rest fit, free-text ones at their
        `min_width`; if they still do not fit, free-text columns are cut further, to their least
        width; if there is room, free-text columns share it, up to their natural widths."""
        def bounded(least: int) -> list[int]:
            return [n if c.key else min(n, max(least or c.min_width, len(c.title)))
                    for c, n in zip(self.columns, natural)]

        wanted, least = bounded(0), bounded(TEXT_LEAST_WIDTH)
        shown = list(range(len(self.columns)))
        widths = {i: wanted[i] for i in shown}

        def spare() -> int:
            return width - sum(widths.values()) - len(GAP) * (len(widths) - 1)

        for title in self.drop:
            if spare() >= 0:
                break
            index = next(i for i in shown if self.columns[i].title == title)
            shown.remove(index)
            del widths[index]
        for i in shown:  # still too wide: cut free text further
            widths[i] -= min(widths[i] - least[i], max(-spare(), 0))
        growing = sorted((i for i in shown if natural[i] > widths[i]), key=lambda i: natural[i] - widths[i])
        for n, i in enumerate(growing):  # room to spare: free text gets it
            widths[i] += min(natural[i] - widths[i], max(spare(), 0) // (len(growing) - n))
        return shown, [widths[i] for i in shown]


# Control characters (a tab, a line break, an escape) never reach the terminal or break a row.
_CONTROLS = {code: " " for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)}


def _one_line(cell: object) -> str:
    text = "" if cell is None else str(cell)
    return text if text.isprintable() else text.translate(_CONTROLS)


def _cells(text: str) -> int:
    """How many terminal cells `text` takes (a CJK character takes two)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def _fitted(cell: str, width: int, right: bool) -> str:
    """`cell` padded to `width` cells, or cut with an ellipsis if it is wider."""
    size = _cells(cell)
    if size > width:
        from rich.cells import set_cell_size

        return set_cell_size(cell, width - 1) + ELLIPSIS if width else ""
    padding = " " * (width - size)
    return padding + cell if right else cell + padding


def terminal_width(stream=None) -> int | None:
    """The width to lay tables out in, or None when stdout (or `stream`) is not a terminal
    (tab-separated values then). ORDERCLI_FORCE_TTY forces a terminal: a number in it is the width."""
    stream = sys.stdout if stream is None else stream
    forced = os.environ.get("ORDERCLI_FORCE_TTY", "").strip()
    if not forced and not _is_tty(stream):
        return None
    if forced.isascii() and forced.isdigit() and int(forced) > 0:
        return int(forced)
    if stream is not sys.stdout and not os.environ.get("COLUMNS"):
        try:
            return os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            pass
    import shutil

    return shutil.get_terminal_size().columns


def _colour() -> bool:
    return _is_tty(sys.stdout) and not os.environ.get("NO_COLOR")


def _bold(line: str) -> str:
    return f"\x1b[1m{line}\x1b[0m" if _colour() else line


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def print_facts(facts: Sequence[tuple[str, object]], stream=None) -> None:
    """Labelled values, one a line, the values aligned: "Order     1042  open". On a terminal a
    long value is wrapped between words, its next lines under its first; a word longer than the
    line is cut, unless it is a link (kept whole, to be clicked or copied). On stdout, or `stream`."""
    import textwrap

    stream = sys.stdout if stream is None else stream
    indent = max(len(label) for label, _ in facts) + len(GAP)
    width = terminal_width(stream)
    for label, value in facts:
        line = f"{label:<{indent}}{_one_line(value)}".rstrip()
        if width is not None and len(line) > width:
            line = textwrap.fill(line, width, subsequent_indent=" " * indent,
                                 break_long_words="://" not in line, break_on_hyphens=False)
        stream.write(line + "\n")


# -- JSON and the text of values ---------------------------------------------------------------


def print_json(data: object) -> None:
    """The stable contract for scripts: indented JSON, UTF-8, one document."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n")


def _json_default(value: object):
    from ordercli.cli.shapes import money_json, time_json

    if isinstance(value, Money):
        return money_json(value)
    if isinstance(value, datetime):
        return time_json(value)
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def time_text(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def money_text(value: Money | None) -> str:
    return "" if value is None else f"{value.amount:,} {value.currency}"


class ProgressBar:
    """Work done out of a total, as a bar on stderr (Rich), for long runs on a terminal; the
    caller shows it only when stderr is one (`stderr_is_terminal`), never in cron or a pipe."""

    def __init__(self, label: str, total: int = 0) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn(label, markup=False), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                             console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task(label, total=total)

    def __enter__(self):
        self._bar.start()
        return self

    def __exit__(self, *exc) -> None:
        self._bar.stop()

    def advance(self, count: int) -> None:
        self._bar.update(self._task, advance=count)

    def __call__(self, done: int, total: int) -> None:
        """`done` of `total` (a total known only once the work started)."""
        self._bar.update(self._task, completed=done, total=total)


def stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
