"""Return commands: return, returns, exchange, and a return's stages (rma receive, inspect,
refund, cancel, show)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from ordercli.cli import values
from ordercli.cli.context import app_context
from ordercli.cli.errors import EXIT_USAGE, fail
from ordercli.cli.output import Format, Output, Table, key, money_text, number, output_options, print_facts, text, time_text

top = typer.Typer()  # return, returns, exchange: top-level verbs
app = typer.Typer(no_args_is_help=True)  # rma STAGE ...


def _read_return(text_: str) -> int:
    from ordercli.domain.validation import parse_order_number

    try:
        return parse_order_number(text_)
    except Exception:
        raise ValueError(f"{text_.strip()!r} is not a return number") from None


ReturnNumber = Annotated[int, typer.Argument(metavar="RETURN", parser=_read_return, show_default=False,
                                             help="Return number (ordercli returns lists them).")]
OrderArg = Annotated[int, typer.Argument(metavar="ORDER", parser=values.read_order_number_arg, show_default=False,
                                         help="The order the goods were fulfilled for.")]
Reason = Annotated[str | None, typer.Option("--reason", metavar="TEXT", help="Why the goods come back (required).")]
Force = Annotated[str | None, typer.Option("--force", metavar="REASON", help=(
    "Accept the return after the return window (profile --return-days), saying why."))]


def _check_force(force: str | None) -> None:
    if force is not None and not force.strip():
        raise fail("say why the return window is overridden: --force REASON", EXIT_USAGE)


def _wants(specs: list[str] | None, parse):
    if not specs:
        return None
    out = []
    for spec in specs:
        try:
            out.append(parse(spec))
        except Exception as error:  # the domain's one-line message, as a usage error
            raise fail(str(error), EXIT_USAGE) from None
    return out


def _line_rows(view):
    return [(l.line_no, l.sku, l.description, l.quantity,
             _fate(l)) for l in view.lines]


def _fate(line) -> str:
    parts = []
    if line.restocked:
        parts.append(f"{line.restocked} restocked" + (f" at {line.location}" if line.location else ""))
    if line.written_off:
        parts.append(f"{line.written_off} written off")
    return ", ".join(parts)


RETURN_LINES = Table((number("#"), key("SKU"), text("Description", 12), number("Qty"), text("Inspection", 12)),
                     _line_rows, drop=("Inspection", "#"))


def print_return(view) -> None:
    facts = [("Return", f"{view.number}  {view.stage}  ({view.kind} of order {view.order_number}, "
                        f"now {view.order_status})"),
             ("Reason", view.reason)]
    if view.window_override:
        facts.append(("Window", f"overridden: {view.window_override}"))
    facts.append(("Refund", money_text(view.refund) + (" with shipping" if view.refund_shipping else "")))
    if view.replacement_order is not None:
        facts.append(("Replacement", f"order {view.replacement_order}"))
    if view.credit_notes:
        facts.append(("Credited by", ", ".join(view.credit_notes)))
    for stage in view.stages:
        facts.append((stage.stage.capitalize(), f"{time_text(stage.at)} UTC by {stage.by}"))
    if view.settled_as:
        facts.append(("Settled", view.settled_as + (f" ({view.reference})" if view.reference else "")))
    if view.cancel_reason:
        facts.append(("Canceled", view.cancel_reason))
    print_facts(facts)
    print()
    RETURN_LINES(view)


def _emit(ctx, output: Output, view, message: str) -> None:
    from ordercli.cli import shapes

    output.emit(view, shape=shapes.return_, table=print_return)
    app_context(ctx).say(message)


@top.command("return")
@output_options(json="Print the return (docs/json.md).")
def open_return(
    ctx: typer.Context,
    output: Output,
    order: OrderArg,
    line: Annotated[list[str] | None, typer.Option("--line", "-l", metavar="SKU[:QTY]", help=(
        "Units coming back (repeat); without --line, everything fulfilled and not back yet."))] = None,
    reason: Reason = None,
    force: Force = None,
    refund_shipping: Annotated[bool, typer.Option("--refund-shipping", help=(
        "Refund the order's shipping charge too (once per order)."))] = False,
) -> None:
    """Open a return (RMA) for units that were fulfilled: it is requested until the goods arrive.

    Refused (exit 4) for more than was fulfilled minus what is already coming back, for a line
    never fulfilled, for a canceled order, and after the return window (profile set
    --return-days; --force REASON overrides it). The refund is each unit's share of its line
    as sold (net and tax, after discounts), plus shipping with --refund-shipping. Prints the
    return's number.

    \b
    Examples:
      ordercli return 1042 --line CHAI:2 --reason "wrong size"
      ordercli return 1042 --reason "arrived damaged" --refund-shipping
      ordercli rma receive 7 && ordercli rma inspect 7 --write-off CHAI:1
    """
    from ordercli.cli import shapes
    from ordercli.domain.returns import parse_return_want
    from ordercli.services.returns import open_return as open_

    if not (reason or "").strip():
        raise fail("say why the goods come back: --reason TEXT", EXIT_USAGE)
    _check_force(force)
    wants = _wants(line, parse_return_want)
    state = app_context(ctx)
    view = open_(state.database(), order, wants, reason, state.stamp("return"), force=force,
                 refund_shipping=refund_shipping)
    output.emit(view, shape=shapes.return_, table=lambda v: print(v.number))
    state.say(f"return {view.number} of order {order} requested: "
              + ", ".join(f"{l.sku} {l.quantity}" for l in view.lines)
              + f"; refund due {money_text(view.refund)}; when the goods arrive: ordercli rma receive {view.number}")


@top.command("exchange")
@output_options(json="Print the exchange: the return, the replacement order, the difference (docs/json.md).")
def exchange(
    ctx: typer.Context,
    output: Output,
    order: OrderArg,
    returning: Annotated[list[str], typer.Option("--return", metavar="SKU[:QTY]", help=(
        "Units coming back (repeat)."))],
    replacement: Annotated[list[str], typer.Option("--for", metavar="SKU:QTY", help=(
        "Units sent instead: the same SKU (a defect) or another (a size); repeat."))],
    reason: Reason = None,
    backorder: Annotated[bool, typer.Option("--backorder", help=(
        "Accept a replacement that is not in stock: it waits for stock."))] = False,
    force: Force = None,
) -> None:
    """Exchange units: a return, and a replacement order that ships through the normal `ship` flow.

    The replacement order copies the customer and addresses, is verified, promised from stock
    (refused when short, unless --backorder) and ready to ship when fully promised. The same
    SKU is priced as it was sold (no difference); another SKU at the catalogue price. The
    difference is shown: positive, the customer pays it (the replacement's invoice); negative,
    the customer gets it back (the return's credit note covers the returned units).

    \b
    Examples:
      ordercli exchange 1042 --return SHIRT-M:1 --for SHIRT-L:1 \\
        --reason "too small"
      ordercli exchange 1042 --return KETTLE:1 --for KETTLE:1 --reason defect
    """
    from ordercli.cli import shapes
    from ordercli.domain.returns import parse_return_want
    from ordercli.services.returns import exchange as exchange_

    if not (reason or "").strip():
        raise fail("say why the goods come back: --reason TEXT", EXIT_USAGE)
    _check_force(force)
    wants = _wants(returning, parse_return_want)
    replacements = []
    for want in _wants(replacement, _read_want):
        if want.quantity is None:
            raise fail(f"say how many {want.sku} go out instead: --for {want.sku}:QTY", EXIT_USAGE)
        replacements.append((want.sku, want.quantity))
    state = app_context(ctx)
    view = exchange_(state.database(), order, wants, replacements, reason, state.stamp("exchange"),
                     backorder=backorder, force=force)
    output.emit(view, shape=shapes.exchange, table=_print_exchange)
    state.say(f"return {view.returned.number} of order {order} requested; replacement order "
              f"{view.replacement.number} is {view.replacement.status}; {_difference(view)}")


def _read_want(spec: str):
    from ordercli.domain.fulfillment import parse_want

    return parse_want(spec)


def _difference(view) -> str:
    minor = view.difference.minor
    if minor > 0:
        return f"the customer pays {money_text(view.difference)} more"
    if minor < 0:
        from ordercli.domain.money import Money

        return f"the customer gets {money_text(Money(-minor, view.difference.currency))} back"
    return "no price difference"


def _print_exchange(view) -> None:
    print_facts([("Return", f"{view.returned.number}  {view.returned.stage}  (order {view.returned.order_number})"),
                 ("Returned", ", ".join(f"{l.sku} {l.quantity}" for l in view.returned.lines)
                  + f": {money_text(view.returned.refund)}"),
                 ("Replacement", f"order {view.replacement.number}  {view.replacement.status}: "
                  + ", ".join(f"{l.sku} {l.quantity}" for l in view.replacement.lines)
                  + f": {money_text(view.replacement.total)}"),
                 ("Difference", _difference(view))])


# -- a return's stages -------------------------------------------------------------------------------


@app.command("show")
@output_options(json="Print the return (docs/json.md).")
def show(ctx: typer.Context, output: Output, number_: ReturnNumber) -> None:
    """Show a return: its lines, refund, credit notes and stages.

    \b
    Example:
      ordercli rma show 7
    """
    from ordercli.cli import shapes
    from ordercli.services.returns import get_return

    view = get_return(app_context(ctx).database(), number_)
    output.emit(view, shape=shapes.return_, table=print_return)


@app.command("receive")
@output_options(json="Print the return.")
def receive(
    ctx: typer.Context,
    output: Output,
    number_: ReturnNumber,
    by: Annotated[str | None, typer.Option("--by", metavar="NAME", help=(
        "Who took the goods in (default: --actor)."))] = None,
) -> None:
    """The goods arrived: what was invoiced of them is credited, and the order is returned when everything is back.

    One credit note per invoice that covers the units (and the shipping charge with
    --refund-shipping); `ordercli invoice --number CN-...` prints it.

    \b
    Example:
      ordercli rma receive 7 --by "goods-in, dock 2"
    """
    from ordercli.cli.documents import _check_printable
    from ordercli.services.returns import receive_return

    state = app_context(ctx)
    view = receive_return(state.database(), number_, state.stamp("rma receive"), by=by, check=_check_printable)
    credited = f"; credit note(s) {', '.join(view.credit_notes)}" if view.credit_notes else ""
    _emit(ctx, output, view, f"return {view.number} received{credited}; order {view.order_number} is "
                             f"{view.order_status}; next: ordercli rma inspect {view.number}")


@app.command("inspect")
@output_options(json="Print the return.")
def inspect(
    ctx: typer.Context,
    output: Output,
    number_: ReturnNumber,
    restock: Annotated[list[str] | None, typer.Option("--restock", metavar="SKU[:QTY][@LOCATION]", help=(
        "Units back on the shelf (at LOCATION; default where they shipped from); repeat."))] = None,
    write_off: Annotated[list[str] | None, typer.Option("--write-off", metavar="SKU[:QTY]", help=(
        "Units written off as damaged; repeat."))] = None,
    at: Annotated[str | None, typer.Option("--at", metavar="LOCATION", help=(
        "Where units no option names are restocked (default: where they shipped from)."))] = None,
) -> None:
    """Inspect returned goods: each unit restocked or written off, with a ledger entry either way.

    Units no --restock or --write-off names are restocked (at --at, or where they shipped
    from). Restocked units are available again and promised to waiting backorders, oldest
    first.

    \b
    Examples:
      ordercli rma inspect 7
      ordercli rma inspect 7 --write-off CHAI:1 --restock CHAI:1@berlin
    """
    from ordercli.domain.returns import parse_restock, parse_write_off
    from ordercli.services.returns import inspect_return

    dispositions = (_wants(restock, parse_restock) or []) + (_wants(write_off, parse_write_off) or [])
    state = app_context(ctx)
    view = inspect_return(state.database(), number_, dispositions, state.stamp("rma inspect"), restock_at=at)
    back = sum(l.restocked for l in view.lines)
    gone = sum(l.written_off for l in view.lines)
    _emit(ctx, output, view, f"return {view.number} inspected: {back} unit(s) restocked, {gone} written off; "
                             f"next: ordercli rma refund {view.number}")


SettleHow = values._choices("SettleHow", ("refund", "credit"))


@app.command("refund")
@output_options(json="Print the return.")
def refund(
    ctx: typer.Context,
    output: Output,
    number_: ReturnNumber,
    as_: Annotated[SettleHow | None, typer.Option("--as", metavar="HOW", case_sensitive=False, help=(
        "refund (money back: refunded, the default) or credit (kept as store credit: credited)."))] = None,
    reference: Annotated[str | None, typer.Option("--reference", metavar="TEXT", help=(
        "The payment's reference (a refund id, a voucher code)."))] = None,
) -> None:
    """Settle an inspected return: the money went back (refunded) or is kept as credit (credited).

    \b
    Examples:
      ordercli rma refund 7 --reference "PSP re_3Nc2"
      ordercli rma refund 8 --as credit --reference VOUCHER-51
    """
    from ordercli.services.returns import settle_return

    how = as_.value if as_ is not None else "refund"
    state = app_context(ctx)
    view = settle_return(state.database(), number_, how, state.stamp("rma refund"), reference=reference)
    _emit(ctx, output, view, f"return {view.number} {view.stage}: {money_text(view.refund)}")


@app.command("cancel")
@output_options(json="Print the return.")
def cancel(ctx: typer.Context, output: Output, number_: ReturnNumber,
           reason: Annotated[str | None, typer.Option("--reason", metavar="TEXT", help="Why (required).")] = None) -> None:
    """Cancel a requested return whose goods never came: its units may be returned again.

    \b
    Example:
      ordercli rma cancel 7 --reason "customer kept it"
    """
    from ordercli.services.returns import cancel_return

    if not (reason or "").strip():
        raise fail("say why the return is canceled: --reason TEXT", EXIT_USAGE)
    state = app_context(ctx)
    view = cancel_return(state.database(), number_, reason, state.stamp("rma cancel"))
    _emit(ctx, output, view, f"return {view.number} canceled")
    if view.replacement_order is not None:
        state.say(f"note: replacement order {view.replacement_order} stays as it is; if it should not go: "
                  f"ordercli status {view.replacement_order} --to canceled --reason TEXT")


# -- listing ----------------------------------------------------------------------------------------------


def _return_rows(views):
    for v in views:
        yield (v.number, v.order_number, v.stage, v.kind, v.units, money_text(v.refund), v.reason,
               time_text(v.requested_at))


RETURNS = Table(
    (number("Return"), number("Order"), key("Stage"), key("Kind"), number("Units"), number("Refund"),
     text("Reason", 12), key("Requested (UTC)")),
    _return_rows,
    drop=("Requested (UTC)", "Kind", "Units", "Refund"),
    empty="no returns match",
)

StageChoice = values._choices("ReturnStageChoice", ("requested", "received", "inspected", "refunded", "credited",
                                                    "canceled"))
KindChoice = values._choices("ReturnKindChoice", ("return", "exchange"))


@top.command("returns")
@output_options(Format.JSONL, Format.CSV, Format.IDS, json="Print the returns (docs/json.md).")
def list_returns(
    ctx: typer.Context,
    output: Output,
    stage: Annotated[list[StageChoice] | None, typer.Option("--stage", metavar="STAGE", case_sensitive=False, help=(
        f"Only in this stage ({values.one_of(StageChoice)}); repeatable."))] = None,
    kind: Annotated[list[KindChoice] | None, typer.Option("--kind", metavar="KIND", case_sensitive=False, help=(
        "Only returns or only exchanges."))] = None,
    reason: Annotated[str | None, typer.Option("--reason", metavar="TEXT", help=(
        "Only those whose reason contains TEXT (any case)."))] = None,
    order: Annotated[int | None, typer.Option("--order", metavar="ORDER", parser=values._read(values._order_number),
                                              help="Only of this order.")] = None,
    since: Annotated[datetime | None, typer.Option(metavar="WHEN", parser=values._read(values._since),
                                                   show_default=False, help=f"Requested at or after: {values.WHEN_HELP}.")] = None,
    until: Annotated[datetime | None, typer.Option(metavar="WHEN", parser=values._read(values._until),
                                                   show_default=False, help=f"Requested at or before: {values.WHEN_HELP}.")] = None,
    limit: Annotated[int | None, typer.Option(metavar="N", min=1, max=1_000_000_000,
                                              help="At most N returns, newest first.")] = None,
) -> None:
    """List returns and exchanges, newest first, with filters.

    \b
    Examples:
      ordercli returns --stage requested --since 14d
      ordercli returns --reason damaged --csv > damaged.csv
    """
    from ordercli.cli import shapes
    from ordercli.services.returns import ReturnFilter, list_returns as find

    where = ReturnFilter(tuple(s.value for s in stage or ()), reason, order, tuple(k.value for k in kind or ()),
                         since, until, limit)
    views = find(app_context(ctx).database(), where)
    output.emit(views, shape=shapes.each(shapes.return_), table=RETURNS, csv=shapes.RETURN_CSV,
                ids=lambda vs: (v.number for v in vs))
