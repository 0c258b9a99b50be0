"""Order commands: create, list, show, history, verify, status."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ordercli.cli.context import app_context
from ordercli.cli.errors import EXIT_USAGE, exit_code_for, fail
from ordercli.domain.errors import InvalidData, MissingFields
from ordercli.domain.orders import CHANNELS, VERIFICATION_METHODS, AddressRequest, LineRequest, OrderRequest
from ordercli.domain.statuses import Status

app = typer.Typer()

# Flags for the fields `missing_fields` names, so the message speaks the user's language.
FLAG_FOR_FIELD = {
    "customer.name": "--name",
    "customer.email or customer.phone": "--email or --phone",
    "billing_address.line1": "--address",
    "billing_address.city": "--city",
    "billing_address.country": "--country",
    "shipping_address.line1": "--ship-address",
    "shipping_address.city": "--ship-city",
    "shipping_address.country": "--ship-country",
    "lines": "--line",
}

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (a stable shape for scripts).")]


def parse_line_spec(spec: str) -> LineRequest:
    """SKU:QTY[@PRICE][:DESCRIPTION], e.g. CHAI:2, CHAI:2@17.50, GIFTWRAP:1@2.50:Gift wrapping."""
    sku, sep, rest = spec.partition(":")
    if not sep or not sku.strip() or not rest.strip():
        from ordercli.domain.validation import shown

        raise InvalidData(f"line {shown(spec)} must look like SKU:QTY[@PRICE][:DESCRIPTION]")
    amount, _, description = rest.partition(":")
    quantity, _, price = amount.partition("@")
    return LineRequest(sku=sku.strip(), quantity=quantity.strip(), unit_price=price.strip() or None,
                       description=description.strip() or None)


def _can_prompt(no_input: bool) -> bool:
    return not no_input and sys.stdin.isatty()


def _prompt_missing(request: OrderRequest, missing: list[str]) -> None:
    """Ask for each missing field on the terminal (Ctrl-C cancels; nothing is written)."""
    ask = lambda label: typer.prompt(label, default="", show_default=False, err=True).strip() or None  # noqa: E731
    for field in missing:
        if field == "customer.name":
            request.name = ask("Customer name")
        elif field == "customer.email or customer.phone":
            request.email = ask("Email (empty if none)")
            if not request.email:
                request.phone = ask("Phone")
        elif field.startswith("billing_address."):
            key = field.split(".", 1)[1]
            setattr(request.billing, key, ask({"line1": "Street address", "city": "City",
                                               "country": "Country (ISO code, e.g. DE)"}[key]))
        elif field == "lines":
            while True:
                spec = ask("Line SKU:QTY[@PRICE][:DESCRIPTION] (empty to finish)")
                if not spec:
                    break
                try:
                    request.lines.append(parse_line_spec(spec))
                except InvalidData as error:
                    print(f"  {error}", file=sys.stderr)


@app.command()
def create(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help="Customer name.", rich_help_panel="Customer")] = None,
    email: Annotated[str | None, typer.Option(help="Customer email (syntax checked, no DNS).", rich_help_panel="Customer")] = None,
    phone: Annotated[str | None, typer.Option(help="Customer phone; stored as E.164.", rich_help_panel="Customer")] = None,
    address: Annotated[str | None, typer.Option(help="Billing street address.", rich_help_panel="Billing address")] = None,
    address2: Annotated[str | None, typer.Option(help="Billing address, second line.", rich_help_panel="Billing address")] = None,
    city: Annotated[str | None, typer.Option(rich_help_panel="Billing address")] = None,
    region: Annotated[str | None, typer.Option(rich_help_panel="Billing address")] = None,
    postal_code: Annotated[str | None, typer.Option(rich_help_panel="Billing address")] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166 code (DE) or name.", rich_help_panel="Billing address")] = None,
    ship_name: Annotated[str | None, typer.Option(help="Recipient, if not the customer.", rich_help_panel="Shipping address (default: billing)")] = None,
    ship_address: Annotated[str | None, typer.Option(rich_help_panel="Shipping address (default: billing)")] = None,
    ship_address2: Annotated[str | None, typer.Option(rich_help_panel="Shipping address (default: billing)")] = None,
    ship_city: Annotated[str | None, typer.Option(rich_help_panel="Shipping address (default: billing)")] = None,
    ship_region: Annotated[str | None, typer.Option(rich_help_panel="Shipping address (default: billing)")] = None,
    ship_postal_code: Annotated[str | None, typer.Option(rich_help_panel="Shipping address (default: billing)")] = None,
    ship_country: Annotated[str | None, typer.Option(rich_help_panel="Shipping address (default: billing)")] = None,
    line: Annotated[list[str] | None, typer.Option("--line", "-l", help="SKU:QTY[@PRICE][:DESCRIPTION]; repeat for each line.")] = None,
    channel: Annotated[str | None, typer.Option(help=f"Where the order came from: {', '.join(CHANNELS)} (default other).")] = None,
    ref: Annotated[str | None, typer.Option(help="The channel's own order reference (unique per channel).")] = None,
    promo: Annotated[str | None, typer.Option(help="Promo code to apply.")] = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the order.")] = None,
    currency: Annotated[str | None, typer.Option(envvar="ORDERCLI_CURRENCY", help="ISO 4217 code (default EUR).")] = None,
    delivery: Annotated[str | None, typer.Option(help="Delivery of physical lines: ship, pickup or hand_over (default ship).")] = None,
    backorder: Annotated[bool, typer.Option("--backorder", help="Accept lines without enough stock: promise what there is, the rest when stock arrives.")] = False,
    from_file: Annotated[Path | None, typer.Option("--from-file", "-f", help="The whole order as JSON ('-' for stdin).")] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt; fail listing every missing field.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Create an order (open). Prints the new order number on stdout.

    Lines come from the catalogue (ordercli product add) or are ad hoc: an unknown SKU with a
    price and a description (a fee, a one-off item). Stock is promised for every physical
    line at once; a line without enough stock is refused unless --backorder is given. On a
    terminal, missing fields are asked for; otherwise (or with --no-input) the command fails
    listing every missing field.

    Example:

        ordercli create --name "Maria Anders" --email maria@example.com --address "Obere Str. 57" --city Berlin --postal-code 12209 --country DE --channel phone --line CHAI:2 --line GIFTWRAP:1@2.50:"Gift wrapping"
    """
    state = app_context(ctx)
    flags_given = any(v for v in (name, email, phone, address, address2, city, region, postal_code, country,
                                  ship_name, ship_address, ship_address2, ship_city, ship_region,
                                  ship_postal_code, ship_country, line, channel, ref, promo, note, delivery))
    if from_file is not None:
        if flags_given:
            raise fail("give the order either as --from-file or as options, not both", EXIT_USAGE)
        from ordercli.io.order_json import parse_order_json
        from ordercli.io.text_input import read_text

        request = parse_order_json(read_text(from_file))
        if currency and not request.currency:
            request.currency = currency
        request.backorder = request.backorder or backorder
    else:
        shipping = AddressRequest(ship_name, ship_address, ship_address2, ship_city, ship_region,
                                  ship_postal_code, ship_country)
        request = OrderRequest(
            name=name, email=email, phone=phone,
            billing=AddressRequest(None, address, address2, city, region, postal_code, country),
            shipping=None if shipping.is_empty() else shipping,
            channel=channel, channel_ref=ref, lines=[parse_line_spec(s) for s in line or []],
            promo=promo, note=note, currency=currency, delivery_method=delivery, backorder=backorder,
        )
        from ordercli.domain.orders import missing_fields

        missing = missing_fields(request)
        if missing and _can_prompt(no_input):
            _prompt_missing(request, missing)
    from ordercli.services.orders import create_order

    try:
        order = create_order(state.database(), request, state.stamp("create"))
    except MissingFields as error:
        if from_file is not None:
            raise
        names = ", ".join(FLAG_FOR_FIELD.get(f, f) for f in error.fields)
        raise MissingFields([names]) from None
    if json_out:
        from ordercli.cli.output import print_json
        from ordercli.cli.render import order_json

        print_json(order_json(order))
    else:
        print(order.number)
    from ordercli.services.orders import CUSTOMER_CHANGED

    for entry in order.history:
        if entry.event == CUSTOMER_CHANGED:
            state.say(f"note: {entry.reason}")
    for line in order.lines:
        if line.promised or line.waiting:
            where = ", ".join(f"{p.quantity} at {p.location}" for p in line.promised) or "nothing yet"
            waiting = f"; {line.waiting} wait for stock (backordered)" if line.waiting else ""
            state.say(f"  line {line.line_no} {line.sku} x{line.quantity}: promised {where}{waiting}")
    state.say(
        f"created order {order.number} ({order.status}, {len(order.lines)} line(s), total "
        f"{order.total.amount:,} {order.currency}). Next: ordercli verify {order.number} --by NAME"
    )


@app.command()
def show(
    ctx: typer.Context,
    order: Annotated[str, typer.Argument(help="Order number.")],
    json_out: JsonFlag = False,
) -> None:
    """Show one order: customer, addresses, lines, totals, verification, history.

    Example: ordercli show 1042 --json
    """
    from ordercli.domain.validation import parse_order_number
    from ordercli.services.orders import get_order

    view = get_order(app_context(ctx).database(), parse_order_number(order))
    from ordercli.cli import render

    if json_out:
        from ordercli.cli.output import print_json

        print_json(render.order_json(view))
    else:
        render.print_order(view)


@app.command()
def history(
    ctx: typer.Context,
    order: Annotated[str, typer.Argument(help="Order number.")],
    json_out: JsonFlag = False,
) -> None:
    """Show an order's history: every change, with when, who, the command, from, to and why.

    Example: ordercli history 1042
    """
    from ordercli.domain.validation import parse_order_number
    from ordercli.services.orders import order_history

    entries = order_history(app_context(ctx).database(), parse_order_number(order))
    from ordercli.cli import render

    if json_out:
        from ordercli.cli.output import print_json

        print_json([render.history_json(e) for e in entries])
    else:
        render.print_history(entries)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[list[Status] | None, typer.Option("--status", "-s", case_sensitive=False, help="Only this status (repeatable).")] = None,
    channel: Annotated[list[str] | None, typer.Option("--channel", help="Only this channel (repeatable).")] = None,
    customer: Annotated[str | None, typer.Option(help="Customer name, email or phone contains this.")] = None,
    since: Annotated[str | None, typer.Option(help="Placed at or after: 2026-11-01, 2026-11-01T08:00+01:00, or 7d (ago).")] = None,
    until: Annotated[str | None, typer.Option(help="Placed before this time; a date includes that whole day (UTC).")] = None,
    search: Annotated[str | None, typer.Option(help="Text in customer, email, ref, note, SKU or description; or an order number.")] = None,
    sort: Annotated[str, typer.Option(help="number, placed, status, total, customer or channel; '-' first for descending.")] = "-number",
    limit: Annotated[int, typer.Option(min=0, max=1_000_000_000, help="At most this many orders; 0 for all.")] = 100,
    json_out: JsonFlag = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV with a header row.")] = False,
) -> None:
    """List orders, newest first: a table for people, --json or --csv for scripts.

    Example: ordercli list --status open --since 7d --sort -total --limit 20
    """
    if json_out and csv_out:
        raise fail("choose one of --json and --csv", EXIT_USAGE)
    from datetime import datetime, timezone

    from ordercli.domain.times import parse_when
    from ordercli.services.orders import OrderFilter, list_orders

    now = datetime.now(timezone.utc)
    channels = tuple(c.strip().lower() for c in channel or ())
    for c in channels:
        if c not in CHANNELS:
            raise InvalidData(f"channel {c!r} is not one of {', '.join(CHANNELS)}")
    where = OrderFilter(
        statuses=tuple(s.value for s in status or ()),
        channels=channels,
        customer=customer,
        since=parse_when(since, now) if since else None,
        until=parse_when(until, now, end_of_day=True) if until else None,
        search=search,
        sort=sort,
        limit=limit or None,
    )
    state = app_context(ctx)
    rows, total = list_orders(state.database(), where)
    from ordercli.cli import render

    if json_out:
        from ordercli.cli.output import print_json

        print_json([render.summary_json(r) for r in rows])
    elif csv_out:
        from ordercli.io.csv import write_rows

        write_rows(sys.stdout, render.SUMMARY_CSV_HEADER, (render.summary_csv_row(r) for r in rows),
                   text_columns=render.SUMMARY_CSV_TEXT_COLUMNS)
    else:
        render.print_summaries(rows)
    if total > len(rows):
        state.say(f"showing {len(rows)} of {total} orders; --limit 0 shows all")


@app.command()
def verify(
    ctx: typer.Context,
    order: Annotated[str, typer.Argument(help="Order number.")],
    by: Annotated[str, typer.Option("--by", help="Who confirmed the order and the customer's data.")],
    method: Annotated[str, typer.Option(help=f"How: {', '.join(VERIFICATION_METHODS)}.")] = "phone",
    note: Annotated[str | None, typer.Option(help="What was checked.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Record the verification step: who confirmed the order and the customer's data, how, when.

    An order must be verified before it can be ready_to_ship.

    Example: ordercli verify 1042 --by anna --method phone --note "address confirmed"
    """
    from ordercli.domain.validation import parse_order_number
    from ordercli.services.orders import verify_order

    state = app_context(ctx)
    number = parse_order_number(order)
    view = verify_order(state.database(), number, by, method.strip().lower(), note, state.stamp("verify"))
    if json_out:
        from ordercli.cli.output import print_json
        from ordercli.cli.render import order_json

        print_json(order_json(view))
    state.say(f"order {number} verified by {view.verification.by} ({view.verification.method}). "
              f"Next: ordercli status {number} --to ready_to_ship")


def _order_inputs(orders: list[str], from_file: Path | None):
    """Order numbers from the arguments, '-' (stdin) and --from-file, streamed line by line."""
    from ordercli.io.text_input import open_text

    for item in orders:
        if item == "-":
            with open_text("-") as stream:
                yield from stream
        else:
            yield item
    if from_file is not None:
        with open_text(from_file) as stream:
            yield from stream


@app.command()
def status(
    ctx: typer.Context,
    to: Annotated[Status, typer.Option("--to", case_sensitive=False, help="The new status.")],
    orders: Annotated[list[str] | None, typer.Argument(help="Order numbers; '-' reads them from stdin, one per line.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why; written to each order's history.")] = None,
    from_file: Annotated[Path | None, typer.Option("--from-file", "-f", help="Read order numbers from this file, one per line.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every order, change nothing.")] = False,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Move the orders that can move; list the rest and exit non-zero.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="One result per order: order, from, to, ok or the error.")] = False,
) -> None:
    """Change the status of one or many orders, through the transition table.

    All or nothing by default: if any order cannot move, none moves and every failure is
    listed. Moving an order to the status it already has succeeds and changes nothing.
    Leaving open, ready_to_ship or partially_shipped for canceled, failed, abandoned or
    partially_closed releases the stock the order holds.

    Examples:

        ordercli status 1042 --to canceled --reason "customer called"

        cut -d, -f1 paid.csv | ordercli status - --to ready_to_ship --skip-invalid --json
    """
    if not orders and from_file is None:
        raise fail("give order numbers, '-' to read them from stdin, or --from-file", EXIT_USAGE)
    from ordercli.services.status import change_status

    state = app_context(ctx)
    result = change_status(
        state.database(), _order_inputs(orders or [], from_file), to, state.stamp("status"),
        reason=reason, skip_invalid=skip_invalid, dry_run=dry_run, detail=json_out,
    )
    if json_out:
        from ordercli.cli.output import print_json

        print_json([
            {"order": o.number, "input": o.input, "from": o.from_status, "to": to.value,
             "ok": o.ok, "changed": result.was_changed(o),
             "error": str(o.error) if o.error else None,
             "code": exit_code_for(o.error) if o.error else 0}
            for o in result.outcomes
        ])
    failures = result.failures
    state.flush_notices()  # "created a new database" comes before the failures it explains
    for o in failures:
        where = f"order {o.number}: " if o.number is not None else ""
        print(f"ordercli: {where}{o.error}", file=sys.stderr)
    already = f"; {result.unchanged} already {to.value}" if result.unchanged else ""
    if dry_run:
        state.say(f"dry run: {result.movable} order(s) would move to {to.value}{already}"
                  + (f"; {len(failures)} cannot (listed above)" if failures else "") + "; nothing changed")
    elif result.applied:
        state.say(f"moved {result.changed} order(s) to {to.value}{already}"
                  + (f"; skipped {len(failures)} (listed above)" if failures else ""))
    else:
        state.say(f"nothing changed: {len(failures)} of {result.total} order(s) cannot move to "
                  f"{to.value} (listed above); --skip-invalid moves the others")
    if failures:
        raise typer.Exit(exit_code_for(failures[0].error))


@app.command()
def expire(
    ctx: typer.Context,
    older_than: Annotated[str, typer.Option("--older-than", help="Age of an unverified open order to abandon: 30m, 2h, 3d, 1w.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be abandoned; change nothing.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the orders (a stable shape for scripts).")] = False,
) -> None:
    """Abandon open orders nobody verified in time, releasing their stock. For cron.

    Each order moves to abandoned through the transition table, with the reason in its
    history; the stock it held is promised to orders waiting for it.

    Example: ordercli expire --older-than 2h --json >> /var/log/ordercli-expire.jsonl
    """
    from ordercli.services.status import expire_orders

    state = app_context(ctx)
    result, expired = expire_orders(state.database(), older_than, state.stamp("expire"), dry_run=dry_run)
    if json_out:
        from ordercli.cli.output import money_json, print_json, time_json

        print_json({"dry_run": dry_run, "abandoned": [
            {"order": e.number, "placed_at": time_json(e.placed_at), "customer": e.customer,
             "total": money_json(e.total), "changed": result.applied} for e in expired],
            "released_units": result.released})
    numbers = ", ".join(str(e.number) for e in expired[:20]) + (", ..." if len(expired) > 20 else "")
    verb = "would abandon" if dry_run else "abandoned"
    units = f", {'would release' if dry_run else 'released'} {result.released} unit(s) of stock" if result.released else ""
    state.say(f"{verb} {len(expired)} order(s) not verified within {older_than.strip()}{units}"
              + (f": {numbers}" if expired else ""))
