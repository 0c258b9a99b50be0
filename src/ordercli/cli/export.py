"""`ordercli export`: orders as CSV for spreadsheets, accounting and cron jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from ordercli.cli import values
from ordercli.cli.context import app_context
from ordercli.cli.errors import EXIT_USAGE, fail
from ordercli.cli.output import ProgressBar, stderr_is_terminal
from ordercli.domain.orders import CHANNELS
from ordercli.domain.statuses import Status

top = typer.Typer()

Layout = values._choices("Layout", ("lines", "orders", "shipments", "shopify"))
ChannelChoice = values._choices("ChannelChoice", CHANNELS)


@top.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[str, typer.Option(
        "--out", "-o", metavar="FILE", show_default=False,
        help="The CSV file (written under a temporary name and renamed into place), or - for stdout (the "
             "default).")] = "-",
    layout: Annotated[Layout, typer.Option(
        "--format", "-f", metavar="FORMAT", case_sensitive=False,
        help="lines: a row per order line (the default); orders: a row per order; shipments: a row per "
             "shipment line; shopify: Shopify's order export layout.")] = Layout("lines"),
    status: Annotated[list[Status] | None, typer.Option(
        "--status", "-s", metavar="STATUS", case_sensitive=False, show_default=False,
        help="Only orders in this status (repeat for more).")] = None,
    channel: Annotated[list[ChannelChoice] | None, typer.Option(
        "--channel", metavar="CHANNEL", case_sensitive=False, show_default=False,
        help=f"Only orders from this channel (repeat for more): {values.one_of(CHANNELS)}.")] = None,
    since: values.Since = None,
    until: values.Until = None,
    updated_since: Annotated[datetime | None, typer.Option(
        "--updated-since", metavar="WHEN", parser=values.read_since, show_default=False,
        help="Only orders changed at or after this time (as --since).")] = None,
    fulfilled: Annotated[bool, typer.Option(
        "--fulfilled", help="Only fulfilled orders: closed and partially_closed.")] = False,
    since_last: Annotated[str | None, typer.Option(
        "--since-last", metavar="NAME", show_default=False,
        help="Only orders new or changed since the last successful export with this cursor name (for cron); "
             "the cursor moves once the file is in place.")] = None,
    excel: Annotated[bool, typer.Option(
        "--excel", help="For Excel: a byte order mark and CRLF line ends.")] = False,
) -> None:
    """Export orders as CSV: every matching row, streamed, never cut short.

    The header is stable (docs/commands.md lists each format's columns). Money is a plain
    decimal next to a currency column, times are UTC ISO 8601, and text a spreadsheet would
    run as a formula starts with an apostrophe (`ordercli import` takes it off again).

    \b
    Examples:
      ordercli export --since 2026-11-01 --until 2026-12-01 --out november.csv
      ordercli export --format orders --fulfilled --excel --out fulfilled.csv
      ordercli export --since-last nightly --out /srv/exports/orders.csv
    """
    from ordercli.io.documents_out import STDOUT, Destination, destination, replacing
    from ordercli.services.export import ExportFilter, commit_cursor, export_orders

    statuses = [s.value for s in status or ()]
    if fulfilled:
        if statuses:
            raise fail("--fulfilled means --status closed --status partially_closed: give one or the other",
                       EXIT_USAGE)
        statuses = ["closed", "partially_closed"]
    state = app_context(ctx)
    if out == "-":
        dest = Destination(STDOUT, None, 1, "standard output")
    else:
        dest = destination(out, count=1)
        if dest.kind != "file":
            raise fail(f"--out {out}: a directory; give the CSV file's name", EXIT_USAGE)
    spec = ExportFilter(statuses=tuple(statuses), channels=tuple(c.value for c in channel or ()), since=since,
                        until=until, updated_since=updated_since, since_last=since_last)
    db = state.database()
    show_progress = dest.kind != STDOUT and stderr_is_terminal()
    with replacing(dest) as sink:
        if show_progress:
            with ProgressBar("exporting") as progress:
                run = export_orders(db, layout.value, spec, sink, excel=excel, progress=progress)
        else:
            run = export_orders(db, layout.value, spec, sink, excel=excel)
    commit_cursor(db, run, state.stamp("export"))
    where = "" if dest.kind == STDOUT else f" to {dest.shown}"
    message = f"exported {run.rows:,} row(s), format {run.layout}{where}"
    if run.cursor is not None:
        message += (f"; cursor {run.cursor} moved to change {run.cursor_to}" if run.cursor_to != run.cursor_from
                    else f"; cursor {run.cursor} unchanged: nothing new")
    state.say(message)
