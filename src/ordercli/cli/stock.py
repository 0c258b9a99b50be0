"""Stock: `stock receive | adjust | transfer | list | history | check`, and `available`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ordercli.cli.context import app_context
from ordercli.cli.errors import EXIT_REFUSED, fail
from ordercli.cli.output import Format, Output, Table, key, number, output_options, text, time_text

app = typer.Typer(no_args_is_help=True)
top = typer.Typer()  # `available` is a top-level verb

At = Annotated[str | None, typer.Option("--at", metavar="LOCATION", help="Location name (default: the default location).")]


def _report(state, output: Output, change, verb: str) -> None:
    from ordercli.cli import shapes

    output.emit(change, shape=shapes.stock_change)
    promised = (f"; promised to {change.backorders_promised} waiting order(s)" if change.backorders_promised else "")
    state.say(f"{verb} {change.sku} at {change.location}: {change.on_hand} on hand, {change.reserved} promised, "
              f"{change.available} available{promised}")


@app.command("receive", context_settings={"ignore_unknown_options": True})
@output_options()
def receive(
    ctx: typer.Context,
    output: Output,
    sku: Annotated[str, typer.Argument(metavar="SKU", help="Product SKU (a physical product).")],
    quantity: Annotated[str, typer.Argument(metavar="QTY", help="Units received (whole, at least 1).")],
    at: At = None,
    note: Annotated[str | None, typer.Option(metavar="TEXT", help="Delivery note, supplier, ... (kept in the ledger).")] = None,
) -> None:
    """Record goods received at a location. Orders waiting for this SKU are promised at once,
    oldest first.

    \b
    Example:
      ordercli stock receive CHAI 40 --at main --note "PO 4711"
    """
    from ordercli.services.inventory.movements import receive as receive_stock

    state = app_context(ctx)
    change = receive_stock(state.database(), sku, quantity, at, note, state.stamp("stock receive"))
    _report(state, output, change, "received")


@app.command("adjust", context_settings={"ignore_unknown_options": True})
@output_options()
def adjust(
    ctx: typer.Context,
    output: Output,
    sku: Annotated[str, typer.Argument(metavar="SKU", help="Product SKU.")],
    delta: Annotated[str, typer.Argument(metavar="+N|-N", help="Units more or fewer (a count found more, or damage, loss).")],
    reason: Annotated[str, typer.Option(metavar="TEXT", help="Why (required: it goes to the ledger).")],
    at: At = None,
) -> None:
    """Correct the units on hand at a location: a stock count, damage, loss. On hand may not
    go below what is promised to orders.

    \b
    Example:
      ordercli stock adjust CHAI -2 --at main --reason "damaged in storage"
    """
    from ordercli.services.inventory.movements import adjust as adjust_stock

    state = app_context(ctx)
    change = adjust_stock(state.database(), sku, delta, at, reason, state.stamp("stock adjust"))
    _report(state, output, change, "adjusted")


@app.command("transfer", context_settings={"ignore_unknown_options": True})
@output_options()
def transfer(
    ctx: typer.Context,
    output: Output,
    sku: Annotated[str, typer.Argument(metavar="SKU", help="Product SKU.")],
    quantity: Annotated[str, typer.Argument(metavar="QTY", help="Units to move (only units not promised to orders).")],
    source: Annotated[str, typer.Option("--from", metavar="LOCATION", help="Location the units leave.")],
    destination: Annotated[str, typer.Option("--to", metavar="LOCATION", help="Location the units arrive at.")],
    note: Annotated[str | None, typer.Option(metavar="TEXT", help="Kept in the ledger.")] = None,
) -> None:
    """Move units that are not promised to orders from one location to another.

    \b
    Example:
      ordercli stock transfer CHAI 10 --from main --to berlin-store
    """
    from ordercli.cli import shapes
    from ordercli.services.inventory.movements import transfer as transfer_stock

    state = app_context(ctx)
    source_change, target_change = transfer_stock(state.database(), sku, quantity, source, destination, note,
                                                  state.stamp("stock transfer"))
    output.emit((source_change, target_change), shape=shapes.stock_transfer)
    state.say(f"moved {sku.upper()}: {source_change.location} now {source_change.on_hand} on hand, "
              f"{target_change.location} now {target_change.on_hand} on hand")


def _stock_rows(products):
    """A row per product and location, and a total for a product at more or fewer than one."""
    from ordercli.cli.render import levels_rows

    return [(p.sku, p.name, *row) for p in products for row in levels_rows(p)]


STOCK = Table((key("SKU"), text("Name"), key("Location"), number("On hand"), number("Reserved"), number("Available")),
              _stock_rows, drop=("Reserved", "On hand", "Name"), empty="no stock matches")

MOVEMENTS = Table(
    (key("At (UTC)"), key("Kind"), key("Location"), number("On hand"), number("Reserved"), number("Order"),
     text("Actor"), text("Reason")),
    lambda movements: [(time_text(m.at), m.kind, m.location, f"{m.on_hand_delta:+d}" if m.on_hand_delta else "",
                        f"{m.reserved_delta:+d}" if m.reserved_delta else "", m.order, m.actor, m.reason)
                       for m in movements],
    drop=("Actor", "Reserved", "Order", "Location", "Reason"),
    empty="no stock movements match",
)


@app.command("list")
@output_options(Format.JSONL, Format.CSV, csv="CSV: one row per product and location.")
def list_(
    ctx: typer.Context,
    output: Output,
    sku: Annotated[str | None, typer.Option(metavar="SKU", help="Only this SKU.")] = None,
    at: Annotated[str | None, typer.Option("--at", metavar="LOCATION", help="Only this location.")] = None,
    below: Annotated[int | None, typer.Option(metavar="N", min=0, max=1_000_000_000, help="Only products with fewer than N available (a reorder list).")] = None,
) -> None:
    """Stock of every physical product: on hand, reserved and available, per location and in total.

    \b
    Example:
      ordercli stock list --below 10 --csv > reorder.csv
    """
    from ordercli.cli import shapes
    from ordercli.services.inventory.reads import list_stock

    products = list_stock(app_context(ctx).database(), sku=sku, location=at, below=below)
    output.emit(products, shape=shapes.each(shapes.product_stock), table=STOCK, csv=shapes.STOCK_CSV)


@app.command("history")
@output_options(Format.JSONL)
def history(
    ctx: typer.Context,
    output: Output,
    sku: Annotated[str, typer.Argument(metavar="SKU", help="Product SKU.")],
    at: Annotated[str | None, typer.Option("--at", metavar="LOCATION", help="Only this location.")] = None,
    limit: Annotated[int, typer.Option(metavar="N", min=0, max=1_000_000_000, help="The last N movements; 0 for all.")] = 50,
) -> None:
    """The stock ledger of a SKU: every movement with time, kind, location, change, order,
    actor and reason. On hand is always the sum of these movements.

    \b
    Example:
      ordercli stock history CHAI --at main --limit 20
    """
    from ordercli.cli import shapes
    from ordercli.services.inventory.reads import stock_history

    movements = stock_history(app_context(ctx).database(), sku, location=at, limit=limit or None)
    output.emit(movements, shape=shapes.each(shapes.movement), table=MOVEMENTS)


@app.command("check")
@output_options(Format.JSONL)
def check(
    ctx: typer.Context,
    output: Output,
) -> None:
    """Check that every stock counter equals the sum of its ledger; exit 4 if one does not.

    For a nightly cron job: silent and exit 0 when everything agrees.

    \b
    Example:
      ordercli stock check || mail -s "stock ledger mismatch" ops@example.com
    """
    from ordercli.cli import shapes
    from ordercli.services.inventory.reads import check_ledger

    state = app_context(ctx)
    differences = check_ledger(state.database())
    output.emit(differences, shape=shapes.each(shapes.ledger_difference))
    for d in differences:
        print(f"ordercli: {d.sku} at {d.location}: on hand {d.on_hand} but ledger {d.ledger_on_hand}; "
              f"reserved {d.reserved} but ledger {d.ledger_reserved}", file=sys.stderr)
    if differences:
        raise typer.Exit(EXIT_REFUSED)
    state.say("every stock counter equals its ledger")


def _print_availability(result) -> None:
    if not result.stocked:
        print(f"{result.sku} is a {result.kind} product: always available")
        return
    from ordercli.cli.render import LEVELS

    LEVELS(result)


@top.command("available")
@output_options()
def available(
    ctx: typer.Context,
    output: Output,
    sku: Annotated[str, typer.Argument(metavar="SKU", help="Product SKU.")],
    quantity: Annotated[int, typer.Argument(metavar="QTY", min=1, max=1_000_000_000, help="Units wanted (default 1).")] = 1,
    at: Annotated[str | None, typer.Option("--at", metavar="LOCATION", help="Only at this location.")] = None,
) -> None:
    """Can QTY units of a SKU be promised? Exit 0 if yes, 4 if not; prints what is available where.

    Digital and service products are always available.

    \b
    Example:
      ordercli available CHAI 12 --at main && echo "we can promise 12"
    """
    from functools import partial

    from ordercli.cli import shapes
    from ordercli.services.inventory.reads import check_availability

    result = check_availability(app_context(ctx).database(), sku, at)
    output.emit(result, shape=partial(shapes.availability, requested=quantity), table=_print_availability)
    if not result.can_promise(quantity):
        where = f" at {result.location}" if result.location else ""
        raise fail(f"insufficient stock for {result.sku}{where}: requested {quantity}, available {result.available}",
                   EXIT_REFUSED)
