"""Stock: `stock receive | adjust | transfer | list | history | check`, and `available`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ordercli.cli.context import app_context
from ordercli.cli.errors import EXIT_REFUSED, EXIT_USAGE, fail

app = typer.Typer(no_args_is_help=True)
top = typer.Typer()  # `available` is a top-level verb

At = Annotated[str | None, typer.Option("--at", help="Location name (default: the default location).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (a stable shape for scripts).")]


def _change_json(change) -> dict:
    return {"sku": change.sku, "location": change.location, "on_hand": change.on_hand, "reserved": change.reserved,
            "available": change.available, "backorders_promised": change.backorders_promised}


def _report(state, change, verb: str, json_out: bool) -> None:
    if json_out:
        from ordercli.cli.output import print_json

        print_json(_change_json(change))
    promised = (f"; promised to {change.backorders_promised} waiting order(s)" if change.backorders_promised else "")
    state.say(f"{verb} {change.sku} at {change.location}: {change.on_hand} on hand, {change.reserved} promised, "
              f"{change.available} available{promised}")


@app.command("receive", context_settings={"ignore_unknown_options": True})
def receive(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="Product SKU (a physical product).")],
    quantity: Annotated[str, typer.Argument(help="Units received (whole, at least 1).")],
    at: At = None,
    note: Annotated[str | None, typer.Option(help="Delivery note, supplier, ... (kept in the ledger).")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Record goods received at a location. Orders waiting for this SKU are promised at once,
    oldest first.

    Example: ordercli stock receive CHAI 40 --at main --note "PO 4711"
    """
    from ordercli.services.inventory.movements import receive as receive_stock

    state = app_context(ctx)
    change = receive_stock(state.database(), sku, quantity, at, note, state.stamp("stock receive"))
    _report(state, change, "received", json_out)


@app.command("adjust", context_settings={"ignore_unknown_options": True})
def adjust(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="Product SKU.")],
    delta: Annotated[str, typer.Argument(help="+N or -N units (a count found more, or damage, loss).")],
    reason: Annotated[str, typer.Option(help="Why (required: it goes to the ledger).")],
    at: At = None,
    json_out: JsonFlag = False,
) -> None:
    """Correct the units on hand at a location: a stock count, damage, loss. On hand may not
    go below what is promised to orders.

    Example: ordercli stock adjust CHAI -2 --at main --reason "damaged in storage"
    """
    from ordercli.services.inventory.movements import adjust as adjust_stock

    state = app_context(ctx)
    change = adjust_stock(state.database(), sku, delta, at, reason, state.stamp("stock adjust"))
    _report(state, change, "adjusted", json_out)


@app.command("transfer", context_settings={"ignore_unknown_options": True})
def transfer(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="Product SKU.")],
    quantity: Annotated[str, typer.Argument(help="Units to move (only units not promised to orders).")],
    source: Annotated[str, typer.Option("--from", help="Location the units leave.")],
    destination: Annotated[str, typer.Option("--to", help="Location the units arrive at.")],
    note: Annotated[str | None, typer.Option(help="Kept in the ledger.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Move units that are not promised to orders from one location to another.

    Example: ordercli stock transfer CHAI 10 --from main --to berlin-store
    """
    from ordercli.services.inventory.movements import transfer as transfer_stock

    state = app_context(ctx)
    source_change, target_change = transfer_stock(state.database(), sku, quantity, source, destination, note,
                                                  state.stamp("stock transfer"))
    if json_out:
        from ordercli.cli.output import print_json

        print_json({"from": _change_json(source_change), "to": _change_json(target_change)})
    state.say(f"moved {sku.upper()}: {source_change.location} now {source_change.on_hand} on hand, "
              f"{target_change.location} now {target_change.on_hand} on hand")


def stock_json(product) -> dict:
    return {
        "sku": product.sku,
        "name": product.name,
        "on_hand": product.on_hand,
        "reserved": product.reserved,
        "available": product.available,
        "locations": [{"location": l.location, "on_hand": l.on_hand, "reserved": l.reserved, "available": l.available}
                      for l in product.levels],
    }


@app.command("list")
def list_(
    ctx: typer.Context,
    sku: Annotated[str | None, typer.Option(help="Only this SKU.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="Only this location.")] = None,
    below: Annotated[int | None, typer.Option(min=0, max=1_000_000_000, help="Only products with fewer than N available (a reorder list).")] = None,
    json_out: JsonFlag = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="CSV: one row per product and location.")] = False,
) -> None:
    """Stock of every physical product: on hand, reserved and available, per location and in total.

    Example: ordercli stock list --below 10 --csv > reorder.csv
    """
    if json_out and csv_out:
        raise fail("choose one of --json and --csv", EXIT_USAGE)
    from ordercli.services.inventory.reads import list_stock

    products = list_stock(app_context(ctx).database(), sku=sku, location=at, below=below)
    if json_out:
        from ordercli.cli.output import print_json

        print_json([stock_json(p) for p in products])
        return
    if csv_out:
        from ordercli.io.csv import write_rows

        write_rows(sys.stdout, ("sku", "name", "location", "on_hand", "reserved", "available"),
                   ((p.sku, p.name, l.location, l.on_hand, l.reserved, l.available) for p in products for l in p.levels),
                   text_columns=(1,))
        return
    from ordercli.cli.output import table

    rows = []
    for p in products:
        for level in p.levels:
            rows.append((p.sku, p.name, level.location, level.on_hand, level.reserved, level.available))
        if len(p.levels) != 1:
            rows.append((p.sku, p.name, "total", p.on_hand, p.reserved, p.available))
    table(("SKU", "Name", "Location", "On hand", "Reserved", "Available"), rows,
          right=("On hand", "Reserved", "Available"))


@app.command("history")
def history(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="Product SKU.")],
    at: Annotated[str | None, typer.Option("--at", help="Only this location.")] = None,
    limit: Annotated[int, typer.Option(min=0, max=1_000_000_000, help="The last N movements; 0 for all.")] = 50,
    json_out: JsonFlag = False,
) -> None:
    """The stock ledger of a SKU: every movement with time, kind, location, change, order,
    actor and reason. On hand is always the sum of these movements.

    Example: ordercli stock history CHAI --at main --limit 20
    """
    from ordercli.services.inventory.reads import stock_history

    movements = stock_history(app_context(ctx).database(), sku, location=at, limit=limit or None)
    if json_out:
        from ordercli.cli.output import print_json, time_json

        print_json([{"at": time_json(m.at), "kind": m.kind, "location": m.location, "on_hand": m.on_hand_delta,
                     "reserved": m.reserved_delta, "order": m.order, "actor": m.actor, "command": m.command,
                     "reason": m.reason} for m in movements])
        return
    from ordercli.cli.output import table, time_text

    table(("At (UTC)", "Kind", "Location", "On hand", "Reserved", "Order", "Actor", "Reason"),
          [(time_text(m.at), m.kind, m.location, f"{m.on_hand_delta:+d}" if m.on_hand_delta else "",
            f"{m.reserved_delta:+d}" if m.reserved_delta else "", m.order or "", m.actor, m.reason or "")
           for m in movements],
          right=("On hand", "Reserved", "Order"))


@app.command("check")
def check(
    ctx: typer.Context,
    json_out: JsonFlag = False,
) -> None:
    """Check that every stock counter equals the sum of its ledger; exit 4 if one does not.

    For a nightly cron job: silent and exit 0 when everything agrees.

    Example: ordercli stock check || mail -s "stock ledger mismatch" ops@example.com
    """
    from ordercli.services.inventory.reads import check_ledger

    state = app_context(ctx)
    differences = check_ledger(state.database())
    if json_out:
        from ordercli.cli.output import print_json

        print_json([vars(d) for d in differences])
    for d in differences:
        print(f"ordercli: {d.sku} at {d.location}: on hand {d.on_hand} but ledger {d.ledger_on_hand}; "
              f"reserved {d.reserved} but ledger {d.ledger_reserved}", file=sys.stderr)
    if differences:
        raise typer.Exit(EXIT_REFUSED)
    state.say("every stock counter equals its ledger")


@top.command("available")
def available(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="Product SKU.")],
    quantity: Annotated[int, typer.Argument(min=1, max=1_000_000_000, help="Units wanted (default 1).")] = 1,
    at: Annotated[str | None, typer.Option("--at", help="Only at this location.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Can QTY units of a SKU be promised? Exit 0 if yes, 4 if not; prints what is available where.

    Digital and service products are always available.

    Example: ordercli available CHAI 12 --at main && echo "we can promise 12"
    """
    from ordercli.services.inventory.reads import check_availability

    result = check_availability(app_context(ctx).database(), sku, at)
    can = result.can_promise(quantity)
    if json_out:
        from ordercli.cli.output import print_json

        print_json({"sku": result.sku, "kind": result.kind, "requested": quantity, "available": result.available
                    if result.stocked else None, "can_promise": can,
                    "locations": [{"location": l.location, "on_hand": l.on_hand, "reserved": l.reserved,
                                   "available": l.available} for l in result.levels]})
    elif not result.stocked:
        print(f"{result.sku} is a {result.kind} product: always available")
    else:
        from ordercli.cli.output import table

        table(("Location", "On hand", "Reserved", "Available"),
              [(l.location, l.on_hand, l.reserved, l.available) for l in result.levels]
              + ([("total", sum(l.on_hand for l in result.levels), sum(l.reserved for l in result.levels),
                   result.available)] if len(result.levels) > 1 else []),
              right=("On hand", "Reserved", "Available"))
    if not can:
        where = f" at {result.location}" if result.location else ""
        raise fail(f"insufficient stock for {result.sku}{where}: requested {quantity}, available {result.available}",
                   EXIT_REFUSED)
