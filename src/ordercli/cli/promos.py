"""Promo codes: `promo add`, `promo list`."""

from __future__ import annotations

from typing import Annotated

import typer

from ordercli.cli.context import app_context

app = typer.Typer(no_args_is_help=True)


def _promo_json(p) -> dict:
    from ordercli.cli.output import money_json, time_json
    from ordercli.domain.money import percent_text

    return {
        "code": p.code,
        "percent": percent_text(p.percent_bp) if p.percent_bp is not None else None,
        "amount": money_json(p.amount),
        "valid_from": time_json(p.valid_from),
        "valid_until": time_json(p.valid_until),
        "max_uses": p.max_uses,
        "uses": p.uses,
        "created_at": time_json(p.created_at),
    }


@app.command("add")
def add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The code customers type (case-insensitive).")],
    percent: Annotated[str | None, typer.Option(help="Percent off the order subtotal, e.g. 10 or 12.5.")] = None,
    amount: Annotated[str | None, typer.Option(help="Amount off the order, e.g. 5.00 (in --currency).")] = None,
    currency: Annotated[str, typer.Option(envvar="ORDERCLI_CURRENCY", help="Currency of --amount.")] = "EUR",
    valid_from: Annotated[str | None, typer.Option(help="First valid moment: a date (UTC midnight) or ISO time.")] = None,
    valid_until: Annotated[str | None, typer.Option(help="Last valid day or moment; a date includes that whole day.")] = None,
    max_uses: Annotated[str | None, typer.Option(metavar="N", help="How many orders may use it in all.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the new code as JSON.")] = False,
) -> None:
    """Add a promo code: a percent or an amount off, optionally limited in time and uses.

    Example: ordercli promo add WELCOME10 --percent 10 --valid-until 2026-12-31 --max-uses 100
    """
    from datetime import datetime, timezone

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
    if json_out:
        from ordercli.cli.output import print_json

        print_json(_promo_json(promo))
    else:
        print(promo.code)
    state.say(f"added promo code {promo.code}. Use it with: ordercli create ... --promo {promo.code}")


@app.command("list")
def list_(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List promo codes with their terms and how often each was used.

    Example: ordercli promo list --json
    """
    from ordercli.cli.output import money_text, print_json, table, time_text
    from ordercli.domain.money import percent_text
    from ordercli.services.promos import list_promos

    promos = list_promos(app_context(ctx).database())
    if json_out:
        print_json([_promo_json(p) for p in promos])
        return
    table(
        ("Code", "Discount", "Valid from", "Valid until", "Uses", "Max uses"),
        [(p.code, f"{percent_text(p.percent_bp)} %" if p.percent_bp is not None else money_text(p.amount),
          time_text(p.valid_from), time_text(p.valid_until), p.uses, p.max_uses or "") for p in promos],
        right=("Uses", "Max uses"),
    )
