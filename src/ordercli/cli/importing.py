"""`ordercli import`: orders from marketplaces, other channels and other shops, in bulk."""

from __future__ import annotations

import os
import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ordercli.cli import shapes
from ordercli.cli.context import app_context
from ordercli.cli.errors import EXIT_USAGE, exit_code_for, fail
from ordercli.cli.output import Output, output_options

top = typer.Typer()

# The formats `import` reads (as ordercli.io.order_import.FORMATS, which is not loaded for --help).
FORMATS = ("ordercli", "shopify")
ImportFormat = Enum("ImportFormat", [(name, name) for name in FORMATS])


@top.command("import")
@output_options(json="Print what was imported, found imported before, and rejected (docs/json.md).")
def import_(
    ctx: typer.Context,
    output: Output,
    file: Annotated[Path, typer.Argument(metavar="FILE|-", help=(
        "CSV, or JSON lines (one order a line), UTF-8; '-' for stdin."))],
    format_: Annotated[ImportFormat, typer.Option("--format", metavar="FORMAT", case_sensitive=False, help=(
        "ordercli (the layout of `ordercli export`, or JSON lines) or shopify (Shopify's orders_export.csv)."
    ))] = ImportFormat.ordercli,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every order against the database; change nothing.")] = False,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help=(
        "Import the orders without problems; write the others to the rejects file and exit non-zero."))] = False,
    rejects: Annotated[Path | None, typer.Option("--rejects", metavar="FILE", help=(
        "With --skip-invalid: where the rejected rows go, as they were written (default: FILE.rejects.csv "
        "beside FILE; required for stdin)."))] = None,
    backorder: Annotated[bool, typer.Option("--backorder", help=(
        "Open orders take the stock there is; the rest waits (without it, an order short of stock is a problem)."
    ))] = False,
) -> None:
    """Import orders in bulk: from a marketplace, another channel, or a shop moving to ordercli.

    Every order is checked as `create` checks one. All or nothing: if any row is wrong, nothing
    is imported and every problem is listed with its row (the header is row 1). --skip-invalid
    imports the others and writes the rejected rows, as they were, to a file to fix and import
    again (exit code: that of the first problem).

    Importing the same file twice creates nothing twice: an order whose channel and reference
    exist with the same content is left as it is (stderr says so); with other content it is a
    problem (exit 4). In ordercli's layout an order without a channel_ref is kept under the
    file's order number, `order 12`, so that our own export imports into another database once.

    Open orders have their stock promised as created ones do (short of stock: a problem, or with
    --backorder the rest waits). Orders the file says are fulfilled, canceled or refunded are
    imported in that state, holding no stock; what left is one `external` shipment, handed over
    and delivered when the file says it was fulfilled. The history says each was imported, from
    which file and row, and when.

    Money is the file's: unit prices, quantities, line discounts, shipping and taxes are stored
    as stated, and each total the file states must add up with its lines, else the order is a
    problem (never recomputed). Amounts use a point for decimals and no thousands separators:
    '1,234.50' and '1.234,50' are refused. Shopify: Lineitem discount is the line's discount;
    Taxes is shared over the taxable lines and the shipping by their net amounts; a Total equal to
    Subtotal + Shipping while there are Taxes means prices that include tax: refused. Shopify
    statuses: refunded after fulfillment is returned; canceled, voided or refunded is canceled
    (partially_closed if partly fulfilled); fulfilled is closed; partial is partially_shipped;
    else open. A discount code ordercli lacks is added, expired: it applies to no new order.

    JSON lines: one `create --from-file` object a line, with `order`, `status`, `placed_at`,
    `fulfilled_at` and `totals` {subtotal, discount, tax, total}; on a line `shipped`,
    `order_discount`, `net`, `tax`, `total`; in `shipping` its `tax`. The columns of each layout
    and every rule: docs/commands.md, "ordercli import".

    \b
    Examples:
      ordercli import examples/import/orders.csv --dry-run
      ordercli import shopify-orders.csv --format shopify --skip-invalid
      ordercli import orders.jsonl --json > imported.json
    """
    from ordercli.domain.validation import named

    state = app_context(ctx)
    state.fields_as_flags = False  # problems name the file's columns, not this command's options
    from_stdin = str(file) == "-"
    if rejects is not None and not skip_invalid:
        raise fail("--rejects goes with --skip-invalid", EXIT_USAGE)
    if skip_invalid and rejects is None:
        if from_stdin:
            raise fail("--skip-invalid with stdin needs --rejects FILE (where the rejected rows go)", EXIT_USAGE)
        rejects = file.with_name(f"{file.stem}.rejects{file.suffix or '.csv'}")
    if rejects is not None and not from_stdin and _same_file(rejects, file):
        raise fail("--rejects must not be the file being imported", EXIT_USAGE)
    from ordercli.io.text_input import open_text
    from ordercli.services.importing import ImportOptions, import_orders

    options = ImportOptions(format=format_.value, source_name="stdin" if from_stdin else named(str(file), 200),
                            skip_invalid=skip_invalid, dry_run=dry_run, backorder=backorder,
                            default_currency=_default_currency())
    bar = _ProgressBar.on_terminal(state.quiet)
    written: list[Path] = []

    def write_rejects(result, reader) -> None:
        rows = result.rejected_rows
        if rows and rejects is not None:
            written.append(_write_rejects(rejects, file, reader, rows))

    try:
        with open_text(file) as stream:
            result, _ = import_orders(state.database(), stream, state.stamp("import"), options,
                                      size=_size(file), keep_raw=from_stdin and skip_invalid, progress=bar,
                                      before_commit=write_rejects,
                                      reopen=None if from_stdin else (lambda: open_text(file)))
        if written:
            os.replace(written[0], rejects)
    finally:
        if bar is not None:
            bar.close()
        for temporary in written:
            if temporary.exists():
                temporary.unlink()
    output.emit((result, rejects if written else None), shape=shapes.imports)
    _report(state, result, options.source_name, rejects if written else None)
    if result.problems:
        raise typer.Exit(exit_code_for(result.problems[0].error))


def _default_currency() -> str:
    return os.environ.get("ORDERCLI_CURRENCY", "").strip() or "EUR"


def _size(file: Path) -> int | None:
    try:
        return None if str(file) == "-" else file.stat().st_size
    except OSError:
        return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _write_rejects(target: Path, source: Path, reader, rows: set[int]) -> Path:
    """The rejected rows (and the header) as they were written, in a temporary file beside
    `target` (put in place once the import commits)."""
    from ordercli.domain.errors import DeviceUnavailable
    from ordercli.io.order_import import copy_rows, write_raw
    from ordercli.io.text_input import open_text

    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="") as out:
            if reader.raw is not None:
                write_raw([reader.raw[row] for row in sorted(rows) if row in reader.raw], reader.header, out)
            else:
                with open_text(source) as again:
                    copy_rows(again, reader.kind, rows, out)
    except OSError as error:
        if temporary.exists():
            temporary.unlink()
        raise DeviceUnavailable(f"cannot write the rejects file {target}: {error.strerror}") from None
    return temporary


def _report(state, result, source: str, rejects: Path | None) -> None:
    """Every problem, a line each, then what was done (stderr)."""
    state.flush_notices()
    for problem in result.problems:
        print(f"ordercli: {problem}", file=sys.stderr)
    for note in result.notes[:20]:
        state.say(f"note: {note}")
    if len(result.notes) > 20:
        state.say(f"note: and {len(result.notes) - 20} more orders whose status here differs from the file's")
    orders = len(result.imported)
    rejected = len(result.rejected)
    existing = _existing_text(result)
    if result.blocked:
        unreadable = sum(1 for r in result.rejected if r.source is None)  # not counted among the file's orders
        state.say(f"nothing imported: {len(result.problems)} problem(s) in {rejected} of {result.orders + unreadable} "
                  "order(s) (listed above); fix them, or --skip-invalid to import the others"
                  + ("; nothing changed (dry run)" if result.dry_run else ""))
        return
    if result.dry_run:
        state.say(f"dry run: would import {orders} order(s) from {source}" + _details(result)
                  + (f"; {existing}" if existing else "")
                  + (f"; would reject {rejected} (listed above)" if rejected else "") + "; nothing changed")
        return
    if orders == 0:
        said = "nothing imported" + (f": {existing}" if existing else "")
        if rejected:
            said += f"; rejected {rejected} (listed above)" + (f", their rows written to {rejects}" if rejects else "")
        state.say(said)
        return
    said = f"imported {orders} order(s) from {source}" + _details(result)
    if existing:
        said += f"; {existing}"
    if rejected:
        said += f"; rejected {rejected} (listed above)" + (f", their rows written to {rejects}" if rejects else "")
    state.say(said)
    if result.new_promo_codes:
        codes = ", ".join(result.new_promo_codes[:10]) + (", ..." if len(result.new_promo_codes) > 10 else "")
        state.say(f"added {len(result.new_promo_codes)} promo code(s) the file names, expired: they apply to no new "
                  f"order ({codes})")


def _details(result) -> str:
    lines = sum(o.lines for o in result.imported)
    historic = sum(1 for o in result.imported if o.shipment is not None)
    parts = [f"{lines} line(s)"]
    if historic:
        parts.append(f"{historic} with a shipment of what left")
    if result.promised_units:
        parts.append(f"{result.promised_units} unit(s) promised")
    if result.waiting_units:
        parts.append(f"{result.waiting_units} waiting for stock")
    if result.new_customers:
        parts.append(f"{result.new_customers} new customer(s)")
    return " (" + ", ".join(parts) + ")"


def _existing_text(result) -> str:
    if not result.existing:
        return ""
    numbers = [o.number for o in result.existing]
    shown = ", ".join(str(n) for n in numbers[:10]) + (", ..." if len(numbers) > 10 else "")
    everything = not result.imported and not result.rejected
    return (f"{'all ' if everything and len(numbers) > 1 else ''}{len(numbers)} order(s) were imported before "
            f"and are left as they are ({shown})")


class _ProgressBar:
    """How far the import is, on stderr, redrawn in place at most ten times a second, on a
    terminal only: a bar of the file read (or, reading stdin, the lines read)."""

    WIDTH = 30

    def __init__(self) -> None:
        self.last = 0.0
        self.shown = 0

    @classmethod
    def on_terminal(cls, quiet: bool):
        try:
            return cls() if not quiet and sys.stderr.isatty() else None
        except (AttributeError, ValueError):
            return None

    def __call__(self, read: int, size: int, lines: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.1:
            return
        self.last = now
        if size:
            share = min(read / size, 1.0)
            filled = int(share * self.WIDTH)
            text = f"importing [{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%}"
        else:
            text = f"importing: {lines:,} lines read"
        sys.stderr.write("\r" + text)
        sys.stderr.flush()
        self.shown = max(self.shown, len(text))

    def close(self) -> None:
        # whoever drew it (the process preparing the orders draws while this one stores them)
        sys.stderr.write("\r" + " " * max(self.shown, self.WIDTH + 20) + "\r")
        sys.stderr.flush()
