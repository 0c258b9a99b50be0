"""Order commands: create, list, show, history, verify, status."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Annotated

import typer

from ordercli.cli import confirm, values
from ordercli.cli.context import app_context
from ordercli.cli.errors import EXIT_USAGE, exit_code_for, fail
from ordercli.cli.output import Format, Output, output_options
from ordercli.domain.errors import InvalidData
from ordercli.domain.orders import (CHANNELS, DELIVERY_METHODS, VERIFICATION_METHODS, AddressRequest, LineRequest,
                                    OrderRequest)
from ordercli.domain.statuses import Status

app = typer.Typer()


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
    return not no_input and confirm.on_terminal()


# An order typed in at a terminal was most likely taken by phone.
PROMPT_CHANNEL = "phone"

# What each field of the order is asked as, in the order asked: who, where, how to reach.
_QUESTIONS = {
    "customer.name": "Customer name",
    "billing_address.line1": "Street address",
    "billing_address.postal_code": "Postal code",
    "billing_address.city": "City",
    "billing_address.country": "Country (ISO code such as DE, or name)",
    "shipping_address.line1": "Shipping street address",
    "shipping_address.city": "Shipping city",
    "shipping_address.country": "Shipping country",
    "customer.email": "Email",
    "customer.phone": "Phone",
}


def _set(request: OrderRequest, field: str, value: str | None) -> None:
    """Put an answer where `field` (named as in the order JSON) goes in the request."""
    where, key = field.split(".")
    if where == "customer":
        setattr(request, key, value)
    else:
        setattr(request.billing if where == "billing_address" else request.shipping, key, value)


class _Conversation:
    """Asks at the terminal for what a `create` lacks, one field at a time. Each answer is
    checked as `create` checks it (the same validation, the catalogue, the stock) and asked
    again with the one-line reason until it passes. All of it goes to stderr."""

    def __init__(self, state, request: OrderRequest) -> None:
        self.state, self.request = state, request
        self.now = state.stamp("create").at  # a promo code is checked as valid now

    def preview(self, candidate: OrderRequest, *, partial: bool = True):
        """The order `candidate` would be, checked; `partial`: what it still lacks is not missed."""
        from ordercli.services.orders import preview_order

        try:
            return preview_order(self.state.database(), candidate, self.now, partial=partial)
        finally:
            self.state.flush_notices()  # "created a new database" when it happened, not after the questions

    @staticmethod
    def explain(reason: object) -> None:
        print(f"  {reason}", file=sys.stderr)

    def accepts(self, candidate: OrderRequest):
        """The preview of `candidate` if it passes every check; else None, the reason said."""
        from ordercli.domain.errors import NotFound, Refused

        try:
            return self.preview(candidate)
        except (InvalidData, NotFound, Refused) as error:
            self.explain(error)
            return None

    def field(self, field: str, *, required: bool = True) -> None:
        while True:
            answer = confirm.answer(_QUESTIONS[field] + ("" if required else " (empty if none)")) or None
            if answer is None and required:
                self.explain("an answer is needed here (Ctrl-C cancels the order)")
                continue
            candidate = copy.deepcopy(self.request)
            _set(candidate, field, answer)
            if self.accepts(candidate):
                _set(self.request, field, answer)
                return

    def channel(self) -> None:
        question = f"Channel ({', '.join(CHANNELS)})"
        while True:
            candidate = copy.deepcopy(self.request)
            candidate.channel = confirm.answer(question, PROMPT_CHANNEL)
            if self.accepts(candidate):
                self.request.channel = candidate.channel.lower()
                return

    def lines(self) -> None:
        from ordercli.cli.output import money_text

        while True:
            number = len(self.request.lines) + 1
            finish = ", Enter to finish" if self.request.lines else ""
            spec = confirm.answer(f"Line {number} (SKU:QTY[@PRICE][:DESC]{finish})")
            if not spec:
                if self.request.lines:
                    return
                self.explain("an order needs at least one line")
                continue
            try:
                line = parse_line_spec(spec)
            except InvalidData as error:
                self.explain(error)
                continue
            candidate = copy.deepcopy(self.request)
            candidate.lines.append(line)
            preview = self.accepts(candidate)
            if preview:
                self.request.lines.append(line)
                added = preview.lines[-1]
                self.explain(f"{added.sku} {added.description}: {added.quantity} x {money_text(added.unit_price)}")

    def run(self, missing: list[str]) -> None:
        """Ask for each missing field, then the channel and the lines; show the order; ask "create?"."""
        from ordercli.cli import render

        self.preview(self.request)  # what the command line gave is checked before anything is asked
        request = self.request
        contact = "customer.email or customer.phone" in missing
        for field in _QUESTIONS:
            if field in missing:
                self.field(field)
            elif field == "billing_address.postal_code" and "billing_address.line1" in missing \
                    and not request.billing.postal_code:
                self.field(field, required=False)
            elif field == "customer.email" and contact:
                self.field(field, required=False)
            elif field == "customer.phone" and contact:
                self.field(field, required=not request.email)
        if request.channel is None:
            self.channel()
        if "lines" in missing:
            self.lines()
        print(file=sys.stderr)
        render.print_preview(self.preview(request, partial=False), sys.stderr)
        confirm.ask("create this order?")


@app.command()
@output_options()
def create(
    ctx: typer.Context,
    output: Output,
    name: Annotated[str | None, typer.Option(metavar="NAME", help="Customer name.", rich_help_panel="Customer")] = None,
    email: Annotated[str | None, typer.Option(metavar="EMAIL", help="Customer email (syntax checked, no DNS).", rich_help_panel="Customer")] = None,
    phone: Annotated[str | None, typer.Option(metavar="PHONE", help="Customer phone; stored as E.164.", rich_help_panel="Customer")] = None,
    address: Annotated[str | None, typer.Option(metavar="STREET", help="Billing street address.", rich_help_panel="Billing address")] = None,
    address2: Annotated[str | None, typer.Option(metavar="TEXT", help="Billing address, second line.", rich_help_panel="Billing address")] = None,
    city: Annotated[str | None, typer.Option(metavar="CITY", help="Billing city.", rich_help_panel="Billing address")] = None,
    region: Annotated[str | None, typer.Option(metavar="REGION", help="Billing state, province or region.", rich_help_panel="Billing address")] = None,
    postal_code: Annotated[str | None, typer.Option(metavar="CODE", help="Billing postal code.", rich_help_panel="Billing address")] = None,
    country: Annotated[str | None, typer.Option(metavar="COUNTRY", help="ISO 3166 code (DE) or name.", rich_help_panel="Billing address")] = None,
    ship_name: Annotated[str | None, typer.Option(metavar="NAME", help="Recipient, if not the customer.", rich_help_panel="Shipping address (default: billing)")] = None,
    ship_address: Annotated[str | None, typer.Option(metavar="STREET", help="Shipping street address.", rich_help_panel="Shipping address (default: billing)")] = None,
    ship_address2: Annotated[str | None, typer.Option(metavar="TEXT", help="Shipping address, second line.", rich_help_panel="Shipping address (default: billing)")] = None,
    ship_city: Annotated[str | None, typer.Option(metavar="CITY", help="Shipping city.", rich_help_panel="Shipping address (default: billing)")] = None,
    ship_region: Annotated[str | None, typer.Option(metavar="REGION", help="Shipping state, province or region.", rich_help_panel="Shipping address (default: billing)")] = None,
    ship_postal_code: Annotated[str | None, typer.Option(metavar="CODE", help="Shipping postal code.", rich_help_panel="Shipping address (default: billing)")] = None,
    ship_country: Annotated[str | None, typer.Option(metavar="COUNTRY", help="Shipping country: ISO 3166 code or name.", rich_help_panel="Shipping address (default: billing)")] = None,
    line: Annotated[list[str] | None, typer.Option("--line", "-l", metavar="SKU:QTY[@PRICE][:DESC]", help="An order line; repeat for each line.")] = None,
    channel: Annotated[values.Channel | None, typer.Option(metavar="CHANNEL", case_sensitive=False, help=f"Where the order came from: {values.one_of(CHANNELS)} (default other).")] = None,
    ref: Annotated[str | None, typer.Option(metavar="REF", help="The channel's own order reference (unique per channel; again with the same content: a safe retry).")] = None,
    promo: Annotated[str | None, typer.Option(metavar="CODE", help="Promo code to apply.")] = None,
    note: Annotated[str | None, typer.Option(metavar="TEXT", help="A note kept with the order.")] = None,
    currency: Annotated[str | None, typer.Option(metavar="CURRENCY", envvar="ORDERCLI_CURRENCY", help="ISO 4217 code (default EUR).")] = None,
    delivery: Annotated[values.Delivery | None, typer.Option(metavar="METHOD", case_sensitive=False, help=f"Delivery of physical lines: {values.one_of(DELIVERY_METHODS['physical'])} (default ship).")] = None,
    backorder: Annotated[bool, typer.Option("--backorder", help="Accept lines without enough stock: promise what there is, the rest when stock arrives.")] = False,
    from_file: Annotated[Path | None, typer.Option("--from-file", "-f", metavar="PATH|-", help="The whole order as JSON ('-' for stdin).")] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt; fail listing every missing field.")] = False,
    shipping_charge: Annotated[str | None, typer.Option("--shipping", metavar="AMOUNT", help=(
        "What the customer pays for delivery, net of tax (4.90)."))] = None,
    shipping_tax_rate: Annotated[str | None, typer.Option("--shipping-tax-rate", metavar="PERCENT", help=(
        "Tax rate of the shipping charge (default: the highest rate of the lines)."))] = None,
    counter: Annotated[str | None, typer.Option("--counter", metavar="STORE", help=(
        "A sale at the counter of this store: created, verified in person and handed over at once."))] = None,
    salesperson: Annotated[str | None, typer.Option("--salesperson", metavar="NAME", help=(
        "With --counter: who sold and handed it over (default: --actor)."))] = None,
) -> None:
    """Create an order (open). Prints the new order number on stdout.

    Lines come from the catalogue (ordercli product add) or are ad hoc: an unknown SKU with a
    price and a description (a fee, a one-off item). Stock is promised for every physical
    line at once; a line without enough stock is refused unless --backorder is given. On a
    terminal, missing fields are asked for, each answer checked as it is typed, and the order
    is shown with its totals and placed only if you say yes; otherwise (or with --no-input)
    the command fails listing every missing field. Given the --channel and --ref of an
    existing order and the same content, it prints that order's number and changes nothing
    (a safe retry); with other content it is refused. With --counter STORE it is a sale at
    the counter: created, verified in person and every line handed over at once (closed),
    or refused whole.

    \b
    Example:
      ordercli create --name "Maria Anders" --email maria@example.com \\
        --address "Obere Str. 57" --city Berlin --postal-code 12209 \\
        --country DE --channel phone --line CHAI:2 \\
        --line "GIFTWRAP:1@2.50:Gift wrapping"
    """
    state = app_context(ctx)
    state.fields_as_flags = from_file is None
    flags_given = any(v for v in (name, email, phone, address, address2, city, region, postal_code, country,
                                  ship_name, ship_address, ship_address2, ship_city, ship_region,
                                  ship_postal_code, ship_country, line, channel, ref, promo, note, delivery,
                                  shipping_charge, shipping_tax_rate))
    if salesperson is not None and counter is None:
        raise fail("--salesperson goes with --counter STORE", EXIT_USAGE)
    if counter is not None and (delivery is not None or backorder):
        raise fail("at the --counter every line is handed over at once: leave out --delivery and --backorder",
                   EXIT_USAGE)
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
            channel=channel and channel.value, channel_ref=ref, lines=[parse_line_spec(s) for s in line or []],
            promo=promo, note=note, currency=currency, delivery_method=delivery and delivery.value,
            backorder=backorder, shipping_charge=shipping_charge, shipping_tax_rate=shipping_tax_rate,
        )
        from ordercli.domain.orders import missing_fields

        missing = missing_fields(request)
        if missing and _can_prompt(no_input):
            try:
                _Conversation(state, request).run(missing)
            except KeyboardInterrupt:
                print(file=sys.stderr)  # the ^C or ^D stays on the question's line, the message goes below
                raise
    from ordercli.cli import shapes
    from ordercli.services.orders import create_order

    if counter is not None:
        from ordercli.services.counter import sell_at_counter
        from ordercli.services.views import PlacedOrder

        sold = sell_at_counter(state.database(), request, counter, state.stamp("create"), salesperson=salesperson)
        output.emit(PlacedOrder(sold, existing=False), shape=shapes.created_order, table=lambda _: print(sold.number))
        state.say(f"sold order {sold.number} at the counter of {counter.strip().lower()}: {len(sold.lines)} line(s) "
                  f"handed over, total {sold.total.amount:,} {sold.currency} ({sold.status})")
        return
    placed = create_order(state.database(), request, state.stamp("create"))
    order = placed.order
    output.emit(placed, shape=shapes.created_order, table=lambda _: print(order.number))
    if placed.existing:
        state.say(f"order {order.number} ({order.channel} {order.channel_ref}, {order.status}) already exists with "
                  "the same content: nothing was changed")
        return
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
@output_options()
def show(
    ctx: typer.Context,
    output: Output,
    order: values.Order,
) -> None:
    """Show one order: customer, addresses, lines, totals, verification, history.

    \b
    Example:
      ordercli show 1042 --json
    """
    from ordercli.services.orders import get_order

    view = get_order(app_context(ctx).database(), order)
    from ordercli.cli import render, shapes

    output.emit(view, shape=shapes.order, table=render.print_order)


@app.command()
@output_options(Format.JSONL)
def history(
    ctx: typer.Context,
    output: Output,
    order: values.Order,
) -> None:
    """Show an order's history: every change, with when, who, the command, from, to and why.

    \b
    Example:
      ordercli history 1042
    """
    from ordercli.services.orders import order_history

    entries = order_history(app_context(ctx).database(), order)
    from ordercli.cli import render, shapes

    output.emit(entries, shape=shapes.each(shapes.history_entry), table=render.HISTORY)


TABLE_LIMIT = 100  # orders a table for people shows unless --limit says otherwise


@app.command("list")
@output_options(Format.JSONL, Format.CSV, Format.IDS, ids="Print only the order numbers, one a line (for `status -`).")
def list_(
    ctx: typer.Context,
    output: Output,
    status: Annotated[list[Status] | None, typer.Option("--status", "-s", metavar="STATUS", case_sensitive=False, help=f"Only this status (repeatable): {values.one_of(Status)}.")] = None,
    channel: Annotated[list[values.Channel] | None, typer.Option("--channel", metavar="CHANNEL", case_sensitive=False, help=f"Only this channel (repeatable): {values.one_of(CHANNELS)}.")] = None,
    customer: Annotated[str | None, typer.Option(metavar="TEXT", help="Customer name, email or phone contains this.")] = None,
    since: values.Since = None,
    until: values.Until = None,
    search: Annotated[str | None, typer.Option(metavar="TEXT", help="Text in customer, email, ref, note, SKU or description; or an order number.")] = None,
    sort: Annotated[str, typer.Option(metavar="KEY", parser=values.sort_key, help="number, placed, status, total, customer or channel; '-' first for descending.")] = "-number",
    limit: Annotated[int | None, typer.Option(metavar="N", min=0, max=1_000_000_000, show_default=False, help="At most this many orders; 0 for all. Default: 100 in a table for people, all with --json, --jsonl, --csv or --ids (a script never gets a list cut short).")] = None,
    fulfilled: Annotated[bool, typer.Option("--fulfilled", help="Only fulfilled orders: closed and partially_closed.")] = False,
) -> None:
    """List orders, newest first: a table for people, --json or --csv for scripts.

    \b
    Examples:
      ordercli list --status open --since 7d --sort -total --limit 20
      ordercli list --since yesterday --until yesterday --csv
      ordercli list --fulfilled --since 7d
    """
    from ordercli.services.orders import OrderFilter, list_orders

    statuses = [s.value for s in status or ()]
    if fulfilled:
        if statuses:
            raise fail("--fulfilled means --status closed --status partially_closed: give one or the other",
                       EXIT_USAGE)
        statuses = [Status.CLOSED.value, Status.PARTIALLY_CLOSED.value]
    where = OrderFilter(
        statuses=tuple(statuses),
        channels=tuple(c.value for c in channel or ()),
        customer=customer,
        since=since,
        until=until,
        search=search,
        sort=sort,
        limit=(TABLE_LIMIT if output.format is Format.TABLE else None) if limit is None else (limit or None),
    )
    state = app_context(ctx)
    rows, total = list_orders(state.database(), where)
    from ordercli.cli import render, shapes

    output.emit(rows, shape=shapes.each(shapes.order_summary), table=render.SUMMARIES, csv=shapes.ORDER_SUMMARY_CSV,
                ids=shapes.order_numbers)
    if total > len(rows):
        state.say(f"showing {len(rows)} of {total} orders; --limit 0 shows all")


@app.command()
@output_options()
def verify(
    ctx: typer.Context,
    output: Output,
    order: values.Order,
    by: Annotated[str, typer.Option("--by", metavar="NAME", help="Who confirmed the order and the customer's data.")],
    method: Annotated[values.Method, typer.Option(metavar="METHOD", case_sensitive=False, help=f"How: {values.one_of(VERIFICATION_METHODS)}.")] = values.Method("phone"),
    note: Annotated[str | None, typer.Option(metavar="TEXT", help="What was checked.")] = None,
) -> None:
    """Record the verification step: who confirmed the order and the customer's data, how, when.

    An order must be verified before it can be ready_to_ship.

    \b
    Example:
      ordercli verify 1042 --by anna --method phone --note "address confirmed"
    """
    from ordercli.services.orders import verify_order

    state = app_context(ctx)
    view = verify_order(state.database(), order, by, method.value, note, state.stamp("verify"))
    from ordercli.cli import shapes

    output.emit(view, shape=shapes.order)
    state.say(f"order {order} verified by {view.verification.by} ({view.verification.method}). "
              f"Next: ordercli status {order} --to ready_to_ship")


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


# What moving orders to each final status is called, in a confirmation ("cancel 3 open orders?").
_FINAL_VERBS = {Status.CANCELED: "cancel", Status.FAILED: "fail", Status.ABANDONED: "abandon"}


def _confirm_status(state, entries: list[str], to: Status, *, reason, skip_invalid) -> None:
    """Ask before moving orders to a final status, or refuse a large batch without a terminal
    (confirm.py); a dry run of the same batch first says which orders would move."""
    from collections import Counter

    from ordercli.services.status import change_status

    asking = confirm.on_terminal()
    if not asking and len(entries) <= confirm.BATCH_WITHOUT_YES:
        return  # too few to need --yes, whatever they are
    check = change_status(state.database(), entries, to, state.stamp("status"), reason=reason,
                          skip_invalid=skip_invalid, dry_run=True, detail=asking)
    if check.failures and not skip_invalid:
        return  # nothing will move: the batch itself lists why
    moving = [o for o in check.outcomes or () if o.ok and o.from_status != to.value]
    kinds = Counter(o.from_status for o in moving)  # empty without a terminal: only the count is said
    if len(kinds) == 1:
        what = confirm.orders(check.movable, *kinds)  # "3 open orders"
    else:
        breakdown = ", ".join(f"{n} {status}" for status, n in kinds.items())
        what = confirm.orders(check.movable) + (f" ({breakdown})" if breakdown else "")
    numbers = ", ".join(str(o.number) for o in moving[:10]) + (", ..." if len(moving) > 10 else "")
    confirm.confirm(f"{_FINAL_VERBS[to]} {what}", check.movable, detail=f": {numbers}" if numbers else "")


@app.command()
@output_options(Format.JSONL, json="One result per order: number, from, to, ok or the error.")
def status(
    ctx: typer.Context,
    output: Output,
    to: Annotated[Status, typer.Option("--to", metavar="STATUS", case_sensitive=False, help=f"The new status: {values.one_of(Status)}.")],
    orders: values.Orders = None,
    reason: Annotated[str | None, typer.Option(metavar="TEXT", help="Why; written to each order's history.")] = None,
    from_file: Annotated[Path | None, typer.Option("--from-file", "-f", metavar="PATH|-", help="Read order numbers from this file, one a line.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every order, change nothing.")] = False,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Move the orders that can move; list the rest and exit non-zero.")] = False,
    yes: confirm.Yes = False,
    line: Annotated[list[str] | None, typer.Option("--line", "-l", metavar="SKU:QTY", help=(
        "With --to partially_shipped: the units that left outside ordercli; repeatable."))] = None,
    restock: Annotated[str | None, typer.Option("--restock", metavar="LOCATION", help=(
        "With --to returned: where the goods are back on the shelf (default: where they shipped from)."))] = None,
    refund_shipping: Annotated[bool, typer.Option("--refund-shipping", help=(
        "With --to returned: refund each order's shipping charge too (where no return refunds it yet)."))] = False,
) -> None:
    """Change the status of one or many orders, through the transition table.

    All or nothing by default: if any order cannot move, none moves and every failure is
    listed. Moving an order to the status it already has succeeds and changes nothing.
    Leaving open, ready_to_ship or partially_shipped for canceled, failed, abandoned or
    partially_closed releases the stock the order holds. Canceling, failing or abandoning
    asks first on a terminal; without one, more than 100 orders need --yes. Closed (or
    partially_shipped with --line) by hand means the goods left outside ordercli: each order
    gets an `external` shipment of what is outstanding, which takes the stock it holds; the
    --reason is required. Returned by hand records a return of everything fulfilled (the
    goods are back: restocked where they shipped from, or at --restock) and credits what was
    invoiced of it; the --reason is required.

    \b
    Examples:
      ordercli status 1042 --to canceled --reason "customer called"
      cut -d, -f1 paid.csv \\
        | ordercli status - --to ready_to_ship --skip-invalid --json
      ordercli list --status open --until 30d --ids \\
        | ordercli status - --to abandoned --yes
    """
    if not orders and from_file is None:
        raise fail("give order numbers, '-' to read them from stdin, or --from-file", EXIT_USAGE)
    from ordercli.domain.statuses import SHIPPED_BY_HAND
    from ordercli.services.status import change_status

    wants = None
    if to in SHIPPED_BY_HAND:
        if not (reason or "").strip():
            raise fail(f"--to {to.value} by hand records that the goods left outside ordercli: give --reason",
                       EXIT_USAGE)
        if to == Status.PARTIALLY_SHIPPED and not line:
            raise fail("--to partially_shipped needs the units that left: --line SKU:QTY", EXIT_USAGE)
        if line:
            from ordercli.cli.fulfillment import _read_want_or_fail

            wants = tuple(_read_want_or_fail(spec) for spec in line)
    elif line:
        raise fail("--line goes with --to partially_shipped or closed", EXIT_USAGE)
    if to == Status.RETURNED and not (reason or "").strip():
        raise fail("--to returned by hand records that the goods came back: give --reason", EXIT_USAGE)
    if (restock is not None or refund_shipping) and to != Status.RETURNED:
        raise fail("--restock and --refund-shipping go with --to returned", EXIT_USAGE)

    state = app_context(ctx)
    entries = _order_inputs(orders or [], from_file)
    if to in _FINAL_VERBS and not (yes or dry_run):
        entries = list(entries)
        _confirm_status(state, entries, to, reason=reason, skip_invalid=skip_invalid)
    result = change_status(
        state.database(), entries, to, state.stamp("status"),
        reason=reason, skip_invalid=skip_invalid, dry_run=dry_run, detail=output.json, wants=wants, restock=restock,
        refund_shipping=refund_shipping,
    )
    from ordercli.cli import shapes

    output.emit(result, shape=shapes.status_outcomes)
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
@output_options(Format.JSONL, json="Print the orders (a stable shape for scripts).",
                jsonl="Print the run as one compact JSON line (append it to a log).")
def expire(
    ctx: typer.Context,
    output: Output,
    older_than: Annotated[str, typer.Option("--older-than", metavar="DURATION", parser=values.read_duration,
                                            help=f"Age of an unverified open order to abandon: {values.DURATION_HELP}.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be abandoned; change nothing.")] = False,
    yes: confirm.Yes = False,
    force: Annotated[bool, typer.Option("--force", help="Allow --older-than under an hour (1s is more likely a typo for 1d).")] = False,
) -> None:
    """Abandon open orders nobody verified in time, releasing their stock. For cron.

    Each order moves to abandoned through the transition table, with the reason in its
    history; the stock it held is promised to orders waiting for it. On a terminal it asks
    first; without one, more than 100 orders need --yes. A window under an hour needs --force.

    \b
    Example:
      ordercli expire --older-than 2h --yes --jsonl \\
        >> /var/log/ordercli-expire.jsonl
    """
    from ordercli.domain.times import parse_duration
    from ordercli.services.status import expire_orders

    window = parse_duration(older_than)
    if window < confirm.MIN_EXPIRY_WINDOW and not force:
        raise fail(f"--older-than {older_than} is under an hour: a typo? --force if you mean it", EXIT_USAGE)
    state = app_context(ctx)
    stamp = state.stamp("expire")
    if not (yes or dry_run):
        from ordercli.cli.output import time_text

        _, due = expire_orders(state.database(), older_than, stamp, dry_run=True)
        confirm.confirm(f"abandon {confirm.orders(len(due), 'unverified open')} placed before "
                        f"{time_text(stamp.at - window)} UTC", len(due))
    result, expired = expire_orders(state.database(), older_than, stamp, dry_run=dry_run)
    from ordercli.cli import shapes

    output.emit((result, expired), shape=shapes.expiry)
    numbers = ", ".join(str(e.number) for e in expired[:20]) + (", ..." if len(expired) > 20 else "")
    verb = "would abandon" if dry_run else "abandoned"
    units = f", {'would release' if dry_run else 'released'} {result.released} unit(s) of stock" if result.released else ""
    state.say(f"{verb} {len(expired)} order(s) not verified within {older_than.strip()}{units}"
              + (f": {numbers}" if expired else ""))


@app.command("shipping-charge")
@output_options(json="Print the order (docs/json.md).")
def shipping_charge(
    ctx: typer.Context,
    output: Output,
    order: values.Order,
    amount: Annotated[str, typer.Argument(metavar="AMOUNT", help="What the customer pays for delivery, net of tax (4.90; 0 for none).")],
    tax_rate: Annotated[str | None, typer.Option("--tax-rate", metavar="PERCENT", help=(
        "Its tax rate (default: as before, or the highest rate of the lines)."))] = None,
    reason: Annotated[str | None, typer.Option(metavar="TEXT", help="Why; written to the history.")] = None,
) -> None:
    """Change what an order charges for delivery, while nothing of it has shipped.

    The order's tax and total follow; the history keeps the old and the new charge.

    \b
    Example:
      ordercli shipping-charge 1042 6.90 --reason "express delivery"
    """
    from ordercli.cli import shapes
    from ordercli.services.charges import change_shipping_charge

    state = app_context(ctx)
    view = change_shipping_charge(state.database(), order, amount, state.stamp("shipping-charge"), tax_rate=tax_rate,
                                  reason=reason)
    output.emit(view, shape=shapes.order)
    state.say(f"order {view.number}: shipping {view.shipping_charge} at {view.shipping_tax_rate_bp / 100:g}%, "
              f"total {view.total}")
