"""Fulfillment commands: ship, the stages of a shipment, delete-shipment, shipments, carriers."""

from __future__ import annotations

import sys
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer

from ordercli.cli import confirm, values
from ordercli.cli.context import app_context
from ordercli.cli.errors import EXIT_REFUSED, EXIT_USAGE, exit_code_for, fail
from ordercli.cli.output import Format, Output, Table, key, number, output_options, text, time_text
from ordercli.domain.fulfillment import Method, Stage

top = typer.Typer()  # ship, delete-shipment, shipments: top-level verbs
app = typer.Typer(no_args_is_help=True)  # shipment STAGE ...
carriers = typer.Typer(no_args_is_help=True)


def _read_shipment(text_: str) -> int:
    from ordercli.domain.validation import parse_order_number

    try:
        return parse_order_number(text_)
    except Exception:
        raise ValueError(f"{text_.strip()!r} is not a shipment number") from None


ShipmentNumber = Annotated[int, typer.Argument(metavar="SHIPMENT", parser=_read_shipment, show_default=False,
                                               help="Shipment number (ordercli shipments lists them).")]


def _read_weight(text_: str) -> int:
    """Kilograms as people write them (2.5, 0.75) -> grams."""
    try:
        kilograms = Decimal(text_.strip().replace(",", ".") if text_.count(",") == 1 and "." not in text_ else text_.strip())
    except InvalidOperation:
        raise ValueError(f"{text_.strip()!r} is not a weight in kg (2.5)") from None
    if not kilograms.is_finite() or kilograms <= 0 or kilograms > 100_000:
        raise ValueError(f"{text_.strip()!r} is not a weight in kg between 0.001 and 100000")
    grams = (kilograms * 1000).to_integral_value()
    if grams < 1:
        raise ValueError(f"{text_.strip()!r} is under a gram")
    return int(grams)


def _read_want(text_: str):
    from ordercli.domain.fulfillment import parse_want

    return parse_want(text_)


# How far `ship` goes: the stages that follow delivery are recorded by `shipment ...` commands.
ShipStage = values._choices("ShipStage", (Stage.PICKED.value, Stage.PACKED.value, Stage.HANDED_OVER.value))
StageOption = Annotated[ShipStage, typer.Option("--stage", metavar="STAGE", case_sensitive=False, help=(
    "How far to go now: picked, packed or handed_over (the default: picked, packed and handed over at once)."))]
# Parcels of one shipment: a bound that catches a pasted number (and fits the column on both backends).
MAX_PARCELS = 10_000
Parcels = Annotated[int | None, typer.Option("--parcels", metavar="N", min=1, max=MAX_PARCELS,
                                             help="Number of parcels.")]
Weight = Annotated[int | None, typer.Option("--weight", metavar="KG", parser=_read_weight,
                                            help="Total weight in kg (2.5).")]
Carrier = Annotated[str | None, typer.Option("--carrier", metavar="NAME", help="Carrier (ordercli carrier list).")]
Tracking = Annotated[str | None, typer.Option("--tracking", metavar="TEXT", help="The carrier's tracking number.")]


@top.command()
@output_options(Format.JSONL, json="Print one result per order (docs/json.md).",
                jsonl="Print one compact JSON line per order, for logs.")
def ship(
    ctx: typer.Context,
    output: Output,
    orders: values.Orders = None,
    line: Annotated[list[str] | None, typer.Option("--line", "-l", metavar="SKU[:QTY]", help=(
        "Ship only this SKU (all of it left, or QTY units); repeat for several. Without it: everything "
        "outstanding."))] = None,
    from_location: Annotated[str | None, typer.Option("--from", metavar="LOCATION", help=(
        "Ship from this location (default: where the stock is promised); moves the promise there, "
        "if it has the stock free."))] = None,
    carrier: Carrier = None,
    tracking: Tracking = None,
    parcels: Parcels = None,
    weight: Weight = None,
    stage: StageOption = ShipStage(Stage.HANDED_OVER.value),
    issued: Annotated[str | None, typer.Option("--issued", metavar="LINK_OR_KEY", help=(
        "For download lines: the link or licence key the customer receives."))] = None,
    signed_by: Annotated[str | None, typer.Option("--signed-by", metavar="NAME", help=(
        "For pickup lines: the customer collects now and signs (otherwise the parcel waits at the store)."))] = None,
    salesperson: Annotated[str | None, typer.Option("--salesperson", metavar="NAME", help=(
        "For hand-over lines: who handed them over (default: --actor)."))] = None,
    manifest: Annotated[Path | None, typer.Option("--manifest", metavar="PATH|-", help=(
        "A CSV of order,sku,quantity,location,carrier,tracking (a header row; sku and the rest optional)."))] = None,
    from_file: Annotated[Path | None, typer.Option("--from-file", "-f", metavar="PATH|-",
                                                   help="Read order numbers from this file, one a line.")] = None,
    reason: Annotated[str | None, typer.Option(metavar="TEXT", help="A note for the history.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every order, change nothing.")] = False,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help=(
        "Ship the orders that can ship; list the rest and exit non-zero."))] = False,
) -> None:
    """Pick, pack and hand over orders, whole or in part, one or many at once.

    Everything still outstanding leaves from where it was promised, a shipment per delivery
    method and location: shipped lines to the carrier, pickup lines wait at their store for
    the customer (or are collected now with --signed-by), hand-over lines are handed over at
    the counter, download lines are issued (--issued). --stage picked or packed stops early;
    `ordercli shipment hand-over SHIPMENT` goes on later. Handing over takes the stock and
    moves the order to partially_shipped or closed. All or nothing, like `status`.

    \b
    Examples:
      ordercli ship 1042 --carrier DHL --tracking 00340434161094042557
      ordercli ship 1042 --line CHAI:2 --stage packed --parcels 1 --weight 2.5
      ordercli list --status ready_to_ship --ids | ordercli ship - --carrier DHL
      ordercli ship --manifest evening.csv --skip-invalid --jsonl >> ship.jsonl
    """
    from ordercli.services.fulfillment import Handling, ShipEntry, ship_orders

    state = app_context(ctx)
    wants = tuple(_read_want_or_fail(spec) for spec in line) if line else None
    entries: list[ShipEntry] = []
    if manifest is not None:
        if orders or from_file is not None or line or from_location or carrier or tracking:
            raise fail("--manifest carries the orders, SKUs, locations, carriers and tracking numbers: "
                       "give them there, not as arguments", EXIT_USAGE)
        from ordercli.domain.errors import RowProblems
        from ordercli.io.manifest import read_manifest

        try:
            entries = [ShipEntry(*entry) for entry in read_manifest(manifest)]
        except RowProblems as error:
            for problem in error.rows:
                print(f"ordercli: {problem}", file=sys.stderr)
            raise
    else:
        if not orders and from_file is None:
            raise fail("give order numbers, '-' to read them from stdin, --from-file or --manifest", EXIT_USAGE)
        from ordercli.cli.orders import _order_inputs
        from ordercli.domain.errors import Field
        from ordercli.domain.validation import clean_text

        tracking = clean_text(tracking, Field("tracking"), max_length=200)  # as `shipment edit` checks it
        entries = [ShipEntry(text_.strip(), wants, from_location, carrier, tracking)
                   for text_ in _order_inputs(orders or [], from_file) if text_.strip()]
        if not entries:
            from ordercli.domain.errors import InvalidData

            raise InvalidData("no order numbers given")
    stage = Stage(stage.value)
    handling = Handling(stage, parcels, weight, signed_by, salesperson, issued, None, reason)
    result = ship_orders(state.database(), entries, state.stamp("ship"), handling,
                         skip_invalid=skip_invalid, dry_run=dry_run)
    from ordercli.cli import shapes

    output.emit(result, shape=shapes.ship_outcomes, table=SHIPPED if result.applied or dry_run else None)
    state.flush_notices()
    from ordercli.cli.errors import FLAG_FOR_FIELD
    from ordercli.domain.errors import InvalidData

    for o in result.failures:
        said = o.error.worded(FLAG_FOR_FIELD) if isinstance(o.error, InvalidData) else str(o.error)
        where = f"order {o.number}: " if o.number is not None and f"order {o.number}" not in said else ""
        print(f"ordercli: {where}{said}", file=sys.stderr)
    for note in result.notes:
        state.say(note)
    shipped = [o for o in result.outcomes if o.ok]
    if dry_run:
        state.say(f"dry run: {len(shipped)} order(s) would ship"
                  + (f"; {len(result.failures)} cannot (listed above)" if result.failures else "") + "; nothing changed")
    elif result.applied:
        verb = {Stage.PICKED: "picked", Stage.PACKED: "packed"}.get(stage, "shipped")
        state.say(f"{verb} {len(shipped)} order(s) in {len(result.shipment_ids)} shipment(s)"
                  + (f"; skipped {len(result.failures)} (listed above)" if result.failures else ""))
    else:
        state.say(f"nothing shipped: {len(result.failures)} of {len(result.outcomes)} order(s) cannot ship "
                  "(listed above)" + ("; --skip-invalid ships the others" if len(result.outcomes) > 1 else ""))
    if result.failures:
        raise typer.Exit(exit_code_for(result.failures[0].error))


def _read_want_or_fail(spec: str):
    from ordercli.domain.errors import InvalidData

    try:
        return _read_want(spec)
    except InvalidData as error:
        raise fail(f"--line {error}", EXIT_USAGE) from None


def _shipped_rows(result):
    for o in result.outcomes:
        if o.ok:
            yield (o.number, ", ".join(str(s) for s in o.shipments) or "-", o.from_status or "", o.to_status or "")


SHIPPED = Table((number("Order"), key("Shipments"), key("From"), key("To")), _shipped_rows,
                drop=("From", "Shipments"), empty="nothing shipped")


# -- one shipment ---------------------------------------------------------------------------------


def _print_shipment(view) -> None:
    from ordercli.cli.render import print_shipment

    print_shipment(view)


@app.command("show")
@output_options(json="Print the shipment (docs/json.md).")
def show(ctx: typer.Context, output: Output, shipment: ShipmentNumber) -> None:
    """Show a shipment: its lines, method, location, carrier and tracking link, and its stages.

    \b
    Example:
      ordercli shipment show 17
    """
    from ordercli.cli import shapes
    from ordercli.services.fulfillment import get_shipment

    view = get_shipment(app_context(ctx).database(), shipment)
    output.emit(view, shape=shapes.shipment, table=_print_shipment)


def _advance(ctx, output: Output, shipment: int, target: Stage, verb: str, *, collect: bool = False, **change) -> None:
    from ordercli.cli import shapes
    from ordercli.services.fulfillment import StageChange, advance_shipment

    state = app_context(ctx)
    view = advance_shipment(state.database(), shipment, target, state.stamp(f"shipment {verb}"), StageChange(**change),
                            collect=collect)
    output.emit(view, shape=shapes.shipment)
    state.say(f"shipment {view.id} of order {view.order} is {view.stage}")


@app.command("pack")
@output_options(json="Print the shipment.")
def pack(ctx: typer.Context, output: Output, shipment: ShipmentNumber, parcels: Parcels = None,
         weight: Weight = None) -> None:
    """Record that a picked shipment is packed, with its parcels and weight.

    \b
    Example:
      ordercli shipment pack 17 --parcels 2 --weight 4.2
    """
    _advance(ctx, output, shipment, Stage.PACKED, "pack", parcels=parcels, weight_grams=weight)


@app.command("hand-over")
@output_options(json="Print the shipment.")
def hand_over(ctx: typer.Context, output: Output, shipment: ShipmentNumber, carrier: Carrier = None,
              tracking: Tracking = None,
              issued: Annotated[str | None, typer.Option("--issued", metavar="LINK_OR_KEY", help=(
                  "For a download: the link or licence key the customer receives."))] = None,
              salesperson: Annotated[str | None, typer.Option("--salesperson", metavar="NAME", help=(
                  "For a hand-over at the counter: who handed it over."))] = None) -> None:
    """Hand a shipment over: to the carrier (with its tracking number), at the counter, or as a download.

    The stock leaves: on hand and reserved go down, and the order moves to partially_shipped
    or closed. A pickup is handed over when the customer collects it: `shipment collect`.

    \b
    Example:
      ordercli shipment hand-over 17 --carrier DHL --tracking 00340434161094042557
    """
    _advance(ctx, output, shipment, Stage.HANDED_OVER, "hand-over", carrier=carrier, tracking=tracking,
             issued=issued, salesperson=salesperson)


@app.command("collect")
@output_options(json="Print the shipment.")
def collect(ctx: typer.Context, output: Output, shipment: ShipmentNumber,
            signed_by: Annotated[str, typer.Option("--signed-by", metavar="NAME", help="Who collected it and signed.")],
            note: Annotated[str | None, typer.Option(metavar="TEXT", help="A note on the collection.")] = None) -> None:
    """The customer collects a pickup shipment at the store and signs for it.

    \b
    Example:
      ordercli shipment collect 18 --signed-by "Maria Anders"
    """
    _advance(ctx, output, shipment, Stage.HANDED_OVER, "collect", signed_by=signed_by, note=note, collect=True)


@app.command("deliver")
@output_options(json="Print the shipment.")
def deliver(ctx: typer.Context, output: Output, shipment: ShipmentNumber,
            signed_by: Annotated[str | None, typer.Option("--signed-by", metavar="NAME", help="Who signed for it.")] = None,
            note: Annotated[str | None, typer.Option(metavar="TEXT", help="A note on the delivery.")] = None) -> None:
    """Record that a handed-over shipment was delivered, with the customer's sign-off.

    \b
    Example:
      ordercli shipment deliver 17 --signed-by "M. Anders" \\
        --note "left with neighbour"
    """
    _advance(ctx, output, shipment, Stage.DELIVERED, "deliver", signed_by=signed_by, note=note)


@app.command("failed")
@output_options(json="Print the shipment.")
def failed(ctx: typer.Context, output: Output, shipment: ShipmentNumber,
           reason: Annotated[str, typer.Option(metavar="TEXT", help="Why the delivery failed.")]) -> None:
    """Record a failed delivery attempt (the shipment stays handed over; the carrier tries again).

    \b
    Example:
      ordercli shipment failed 17 --reason "nobody home"
    """
    from ordercli.cli import shapes
    from ordercli.services.fulfillment import record_failed_attempt

    state = app_context(ctx)
    view = record_failed_attempt(state.database(), shipment, reason, state.stamp("shipment failed"))
    output.emit(view, shape=shapes.shipment)
    state.say(f"shipment {view.id}: {view.failed_attempts} failed delivery attempt(s)")


@app.command("returned")
@output_options(json="Print the shipment.")
def returned(ctx: typer.Context, output: Output, shipment: ShipmentNumber,
             restock: Annotated[str | None, typer.Option("--restock", metavar="LOCATION", help=(
                 "Where the goods are put back (default: where they left from)."))] = None,
             reason: Annotated[str | None, typer.Option(metavar="TEXT", help="Why it came back.")] = None) -> None:
    """The carrier returned a shipment to sender: the goods are back on the shelf, promised to the order again.

    \b
    Example:
      ordercli shipment returned 17 --reason "address unknown"
    """
    from ordercli.cli import shapes
    from ordercli.services.fulfillment import return_to_sender

    state = app_context(ctx)
    view = return_to_sender(state.database(), shipment, state.stamp("shipment returned"), restock=restock,
                            reason=reason)
    output.emit(view, shape=shapes.shipment)
    state.say(f"shipment {view.id} returned to sender; order {view.order} can ship again")


@app.command("edit")
@output_options(json="Print the shipment.")
def edit(ctx: typer.Context, output: Output, shipment: ShipmentNumber, carrier: Carrier = None,
         tracking: Tracking = None) -> None:
    """Correct a shipment's carrier or tracking number (the history keeps the old ones).

    \b
    Example:
      ordercli shipment edit 17 --tracking 00340434161094042558
    """
    from ordercli.cli import shapes
    from ordercli.services.fulfillment import correct_shipment

    if carrier is None and tracking is None:
        raise fail("give --carrier or --tracking", EXIT_USAGE)
    state = app_context(ctx)
    view = correct_shipment(state.database(), shipment, state.stamp("shipment edit"), carrier=carrier,
                            tracking=tracking)
    output.emit(view, shape=shapes.shipment)
    state.say(f"shipment {view.id} corrected")


@top.command("delete-shipment")
@output_options(json="Print what was deleted (docs/json.md).")
def delete_shipment(
    ctx: typer.Context,
    output: Output,
    shipment: ShipmentNumber,
    reason: Annotated[str | None, typer.Option(metavar="TEXT", help="Why; kept in the history.")] = None,
    restock: Annotated[str | None, typer.Option("--restock", metavar="LOCATION", help=(
        "A handed-over shipment's goods are back on the shelf here (promised to the order again)."))] = None,
    write_off: Annotated[bool, typer.Option("--write-off", help=(
        "A handed-over shipment's goods are gone: written off in the ledger; the order waits for stock again."))] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would happen; change nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Answer yes; needed without a terminal.")] = False,
) -> None:
    """Delete a wrong shipment: it no longer counts, and the order's quantities and status follow.

    Not yet handed over: its units stay promised to the order. Handed over (a wrong waybill,
    a parcel never sent): say whether the goods are back on the shelf (--restock LOCATION) or
    gone (--write-off). A delivered shipment cannot be deleted: that is a return. The history
    keeps what the shipment was and why it was deleted. Asks first on a terminal; without
    one, needs --yes.

    \b
    Examples:
      ordercli delete-shipment 17 --reason "wrong waybill" --restock main
      ordercli delete-shipment 18 --write-off --reason "parcel lost" --yes
    """
    from ordercli.cli import shapes
    from ordercli.services.fulfillment import delete_shipment as delete

    state = app_context(ctx)
    stamp = state.stamp("delete-shipment")
    if not dry_run and not yes:
        preview = delete(state.database(), shipment, stamp, reason=reason, restock=restock, write_off=write_off,
                         dry_run=True)
        question = (f"delete shipment {shipment} of order {preview.shipment.order} "
                    f"({preview.shipment.units} unit(s), {preview.shipment.stage})")
        if preview.from_status != preview.to_status:
            question += f"; the order goes from {preview.from_status} to {preview.to_status}"
        if confirm.on_terminal():
            if not confirm._ask(question + "?"):
                raise fail("nothing changed: you answered no", EXIT_REFUSED)
        else:
            raise fail(f"this would {question}: without a terminal, deleting a shipment needs --yes "
                       "(--dry-run shows what would happen)", EXIT_USAGE)
    result = delete(state.database(), shipment, stamp, reason=reason, restock=restock, write_off=write_off,
                    dry_run=dry_run)
    output.emit(result, shape=shapes.deletion)
    what = f"shipment {shipment} of order {result.shipment.order}"
    moved = (f"; order {result.shipment.order} {'would go' if dry_run else 'went'} from {result.from_status} to "
             f"{result.to_status}") if result.from_status != result.to_status else ""
    where = f"; goods back at {result.restocked_at}" if result.restocked_at else ""
    where += "; goods written off" if result.written_off else ""
    state.say((f"dry run: would delete {what}" if dry_run else f"deleted {what}") + where + moved
              + ("; nothing changed" if dry_run else ""))


# -- listings ------------------------------------------------------------------------------------


def _shipment_rows(views):
    for v in views:
        yield (v.id, v.order, v.stage + (" (deleted)" if v.deleted else ""), v.method, v.location or "",
               v.carrier or "", v.tracking or "", v.units, time_text(v.created_at))


SHIPMENTS = Table(
    (number("Shipment"), number("Order"), key("Stage"), key("Method"), key("Location"), text("Carrier", 8),
     key("Tracking"), number("Units"), key("Created (UTC)")),
    _shipment_rows,
    drop=("Created (UTC)", "Carrier", "Units", "Location", "Method", "Tracking"),
    empty="no shipments match",
)

StageChoice = values._choices("StageChoice", tuple(s.value for s in Stage))
MethodChoice = values._choices("MethodChoice", tuple(m.value for m in Method))


@top.command("shipments")
@output_options(Format.JSONL, Format.CSV, Format.IDS, json="Print the shipments (docs/json.md).")
def list_shipments(
    ctx: typer.Context,
    output: Output,
    stage: Annotated[list[StageChoice] | None, typer.Option("--stage", metavar="STAGE", case_sensitive=False,
                                                            help=f"Only in this stage ({values.one_of(StageChoice)}); repeatable.")] = None,
    method: Annotated[list[MethodChoice] | None, typer.Option("--method", metavar="METHOD", case_sensitive=False,
                                                              help=f"Only by this method ({values.one_of(MethodChoice)}); repeatable.")] = None,
    location: Annotated[str | None, typer.Option("--location", metavar="LOCATION", help="Only from this location.")] = None,
    carrier: Carrier = None,
    order: Annotated[int | None, typer.Option("--order", metavar="ORDER", parser=values._read(values._order_number),
                                              help="Only of this order.")] = None,
    since: Annotated[datetime | None, typer.Option(metavar="WHEN", parser=values._read(values._since),
                                                   show_default=False, help=f"Created at or after: {values.WHEN_HELP}.")] = None,
    until: Annotated[datetime | None, typer.Option(metavar="WHEN", parser=values._read(values._until),
                                                   show_default=False, help=f"Created at or before: {values.WHEN_HELP}.")] = None,
    not_delivered_after: Annotated[str | None, typer.Option("--not-delivered-after", metavar="DURATION",
                                                            parser=values.read_duration, help=(
        f"Handed over longer ago than this and still not delivered: {values.DURATION_HELP}."))] = None,
    deleted: Annotated[bool, typer.Option("--deleted", help="Include deleted shipments.")] = False,
    limit: Annotated[int | None, typer.Option(metavar="N", min=1, max=1_000_000_000,
                                              help="At most N shipments, newest first.")] = None,
) -> None:
    """List shipments, newest first, with filters.

    \b
    Examples:
      ordercli shipments --stage packed --location main
      ordercli shipments --not-delivered-after 5d --carrier DHL
      ordercli shipments --order 1042 --deleted --json
    """
    from datetime import timezone

    from ordercli.cli import shapes
    from ordercli.domain.times import parse_duration
    from ordercli.services.fulfillment import ShipmentFilter, list_shipments as find

    stages = tuple(s.value for s in stage or ())
    before = None
    if not_delivered_after is not None:
        before = datetime.now(timezone.utc) - parse_duration(not_delivered_after)
        if stages and stages != (Stage.HANDED_OVER.value,):
            raise fail("--not-delivered-after lists handed-over shipments: leave out --stage", EXIT_USAGE)
        stages = (Stage.HANDED_OVER.value,)
    where = ShipmentFilter(stages, tuple(m.value for m in method or ()), location, carrier, order, since, until, before,
                           deleted, limit)
    views = find(app_context(ctx).database(), where)
    output.emit(views, shape=shapes.each(shapes.shipment), table=SHIPMENTS, csv=shapes.SHIPMENT_CSV,
                ids=lambda vs: (v.id for v in vs))


# -- carriers --------------------------------------------------------------------------------------


@carriers.command("add")
@output_options(json="Print the carrier.")
def carrier_add(
    ctx: typer.Context,
    output: Output,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The carrier's name, as --carrier names it.")],
    tracking_url: Annotated[str | None, typer.Option("--tracking-url", metavar="URL", help=(
        "Its tracking page, with {tracking} where the number goes."))] = None,
) -> None:
    """Add a carrier, with the tracking page `shipment show` links to.

    \b
    Example:
      ordercli carrier add DHL \\
        --tracking-url "https://www.dhl.de/track?piececode={tracking}"
    """
    from ordercli.cli import shapes
    from ordercli.domain.validation import clean_text
    from ordercli.services.fulfillment import add_carrier

    # the argument by its placeholder (the service's field `name` would read as a --name option)
    name = clean_text(name, "NAME", max_length=64, required=True)
    state = app_context(ctx)
    view = add_carrier(state.database(), name, tracking_url, state.stamp("carrier add"))
    output.emit(view, shape=shapes.carrier)
    state.say(f"added carrier {view.name}")


def _carrier_rows(views):
    for v in views:
        yield (v.name, v.shipments, v.tracking_url or "")


CARRIERS = Table((key("Name"), number("Shipments"), text("Tracking URL")), _carrier_rows,
                 drop=("Tracking URL",), empty="no carriers yet: ordercli carrier add NAME")


@carriers.command("list")
@output_options(json="Print the carriers.")
def carrier_list(ctx: typer.Context, output: Output) -> None:
    """List carriers and how many shipments each took.

    \b
    Example:
      ordercli carrier list
    """
    from ordercli.cli import shapes
    from ordercli.services.fulfillment import list_carriers

    views = list_carriers(app_context(ctx).database())
    output.emit(views, shape=shapes.each(shapes.carrier),
                table=CARRIERS)
