"""Promo codes: `promo add`, `promo list`."""

from __future__ import annotations

from typing import Annotated

import typer

from ordercli.cli.context import app_context
from ordercli.cli.output import Format, Output, Table, key, money_text, number, output_options, time_text
from ordercli.domain.money import percent_text

app = typer.Typer(no_args_is_help=True)

PROMOS = Table(
    (key("Code"), key("Discount"), key("Valid from"), key("Valid until"), number("Uses"), number("Max uses")),
    lambda promos: [(p.code, f"{percent_text(p.percent_bp)} %" if p.percent_bp is not None else money_text(p.amount),
                     time_text(p.valid_from), time_text(p.valid_until), p.uses, p.max_uses) for p in promos],
    drop=("Max uses", "Valid from", "Uses", "Valid until"),
    empty="no promo codes yet: add one with `ordercli promo add CODE --percent 10`",
)


@app.command("add")
@output_options(json="Print the new code as JSON.")
def add(
    ctx: typer.Context,
    output: Output,
    code: Annotated[str, typer.Argument(metavar="CODE", help="The code customers type (case-insensitive).")],
    percent: Annotated[str | None, typer.Option(metavar="PERCENT", help="Percent off the order subtotal, e.g. 10 or 12.5.")] = None,
    amount: Annotated[str | None, typer.Option(metavar="AMOUNT", help="Amount off the order, e.g. 5.00 (in --currency).")] = None,
    currency: Annotated[str, typer.Option(metavar="CURRENCY", envvar="ORDERCLI_CURRENCY", help="Currency of --amount.")] = "EUR",
    valid_from: Annotated[str | None, typer.Option(metavar="WHEN", help="First valid moment: a day (its midnight UTC: 2026-12-01, today, tomorrow) or an ISO time.")] = None,
    valid_until: Annotated[str | None, typer.Option(metavar="WHEN", help="Last valid day or moment; a day includes the whole of it (UTC).")] = None,
    max_uses: Annotated[str | None, typer.Option(metavar="N", help="How many orders may use it in all.")] = None,
) -> None:
    """Add a promo code: a percent or an amount off, optionally limited in time and uses.

    \b
    Example:
      ordercli promo add WELCOME10 --percent 10 --valid-until 2026-12-31 \\
        --max-uses 100
    """
    from datetime import datetime, timezone

    from ordercli.cli import shapes
    from ordercli.domain.promos import parse_max_uses
    from ordercli.domain.times import parse_last_moment, parse_when
    from ordercli.services.promos import add_promo

    state = app_context(ctx)
    now = datetime.now(timezone.utc)
    promo = add_promo(
        state.database(), code, state.stamp("promo add"), percent=percent, amount=amount, currency=currency,
        valid_from=parse_when(valid_from, now) if valid_from else None,
        valid_until=parse_last_moment(valid_until, now) if valid_until else None,
        max_uses=parse_max_uses(max_uses),
    )
    output.emit(promo, shape=shapes.promo, table=lambda added: print(added.code))
    state.say(f"added promo code {promo.code}. Use it with: ordercli create ... --promo {promo.code}")


@app.command("list")
@output_options(Format.JSONL)
def list_(
    ctx: typer.Context,
    output: Output,
) -> None:
    """List promo codes with their terms and how often each was used.

    \b
    Example:
      ordercli promo list --json
    """
    from ordercli.cli import shapes
    from ordercli.services.promos import list_promos

    promos = list_promos(app_context(ctx).database())
    output.emit(promos, shape=shapes.each(shapes.promo), table=PROMOS)
