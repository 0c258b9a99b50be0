"""The catalogue: `product add | update | list | show | import`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ordercli.cli.context import app_context
from ordercli.cli.errors import EXIT_USAGE, fail
from ordercli.domain.orders import PRODUCT_KINDS

app = typer.Typer(no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (a stable shape for scripts).")]


def product_json(product, stock=None) -> dict:
    """A product's JSON; `stock` is its stock (counts and levels), the product itself by default
    (a listing passes its totals, without levels)."""
    from ordercli.cli.output import money_json, time_json
    from ordercli.domain.money import percent_text

    stock = product if stock is None else stock
    data = {
        "sku": product.sku,
        "name": product.name,
        "price": money_json(product.price),
        "tax_rate": percent_text(product.tax_rate_bp),
        "kind": product.kind,
        "gtin": product.gtin,
        "active": product.active,
        "created_at": time_json(product.created_at),
        "updated_at": time_json(product.updated_at),
        "stock": None,
    }
    if product.kind == "physical":
        data["stock"] = {
            "on_hand": stock.on_hand,
            "reserved": stock.reserved,
            "available": stock.available,
            "locations": [{"location": l.location, "on_hand": l.on_hand, "reserved": l.reserved,
                           "available": l.available} for l in getattr(stock, "levels", ())],
        }
    return data


def _print(product) -> None:
    from ordercli.cli.output import console, money_text, table
    from ordercli.domain.money import percent_text

    out = console()
    facts = [("SKU", product.sku), ("Name", product.name), ("Price", money_text(product.price)),
             ("Tax rate", f"{percent_text(product.tax_rate_bp)} %"), ("Kind", product.kind),
             ("GTIN", product.gtin or ""), ("Active", "yes" if product.active else "no (discontinued)")]
    for label, value in facts:
        out.print(f"{label:<9} {value}", markup=False)
    if product.kind == "physical":
        out.print()
        table(("Location", "On hand", "Reserved", "Available"),
              [(l.location, l.on_hand, l.reserved, l.available) for l in product.levels]
              + [("total", product.on_hand, product.reserved, product.available)],
              right=("On hand", "Reserved", "Available"))


def default_currency() -> str:
    """The currency of new prices when none is given: ORDERCLI_CURRENCY, else EUR."""
    import os

    return os.environ.get("ORDERCLI_CURRENCY", "").strip() or "EUR"


def _fields(sku, *, name=None, price=None, currency=None, tax_rate=None, kind=None, gtin=None, active=None):
    from ordercli.domain.errors import InvalidData
    from ordercli.services.catalog import validate_product

    given = {"--name": name, "--price": price, "--currency": currency, "--tax-rate": tax_rate, "--kind": kind,
             "--gtin": gtin}
    empty = [flag for flag, value in given.items() if value is not None and not value.strip()]
    if empty:
        raise InvalidData(f"{', '.join(empty)} given empty: give a value or leave the option out")
    return validate_product(sku, name=name, price=price, currency=currency, tax_rate=tax_rate, kind=kind, gtin=gtin,
                            active=active)


@app.command("add")
def add(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="Stock keeping unit: letters, digits and . _ / - (stored upper-case).")],
    name: Annotated[str | None, typer.Option(help="Name on orders and documents.")] = None,
    price: Annotated[str | None, typer.Option(help="Unit price, net of tax, e.g. 18.00.")] = None,
    currency: Annotated[str | None, typer.Option(help="ISO 4217 code (default: ORDERCLI_CURRENCY, else EUR).")] = None,
    tax_rate: Annotated[str | None, typer.Option(help="Tax rate in percent, e.g. 19 or 7.5 (default 0).")] = None,
    kind: Annotated[str, typer.Option(help=f"{', '.join(PRODUCT_KINDS)}: only physical products have stock.")] = "physical",
    gtin: Annotated[str | None, typer.Option(help="GTIN/EAN barcode (8, 12, 13 or 14 digits, check digit verified).")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Add a product to the catalogue.

    Example: ordercli product add CHAI --name "Chai, 10 boxes x 20 bags" --price 18.00 --tax-rate 7 --gtin 4006381333931
    """
    from ordercli.services.catalog import add_product

    state = app_context(ctx)
    product = add_product(state.database(), _fields(sku, name=name, price=price, currency=currency,
                                                    tax_rate=tax_rate, kind=kind, gtin=gtin), state.stamp("product add"),
                          default_currency=default_currency())
    if json_out:
        from ordercli.cli.output import print_json

        print_json(product_json(product))
    else:
        print(product.sku)
    hint = f" Next: ordercli stock receive {product.sku} QTY" if product.kind == "physical" else ""
    state.say(f"added product {product.sku} ({product.kind}, {product.price}).{hint}")


@app.command("update")
def update(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="The product's SKU.")],
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    price: Annotated[str | None, typer.Option(help="New unit price (orders already placed keep theirs).")] = None,
    currency: Annotated[str | None, typer.Option(help="Currency of the new price (default: the product's own).")] = None,
    tax_rate: Annotated[str | None, typer.Option(help="New tax rate in percent.")] = None,
    kind: Annotated[str | None, typer.Option(help="New kind (a product with stock stays physical).")] = None,
    gtin: Annotated[str | None, typer.Option(help="New GTIN/EAN.")] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="Sell it, or stop selling it (discontinue).")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Change a product: only what you give changes. Orders already placed keep their prices.

    Example: ordercli product update CHAI --price 19.50 --inactive
    """
    if all(v is None for v in (name, price, currency, tax_rate, kind, gtin, active)):
        raise fail("nothing to change: give at least one option (see --help)", EXIT_USAGE)
    if currency is not None and price is None:
        raise fail("--currency goes with --price", EXIT_USAGE)
    from ordercli.services.catalog import update_product

    state = app_context(ctx)
    product, changed = update_product(state.database(), _fields(sku, name=name, price=price, currency=currency,
                                                                tax_rate=tax_rate, kind=kind, gtin=gtin, active=active),
                                      state.stamp("product update"))
    if json_out:
        from ordercli.cli.output import print_json

        print_json(product_json(product))
    state.say(f"updated product {product.sku}" if changed else
              f"product {product.sku} unchanged: it already has those values")


@app.command("list")
def list_(
    ctx: typer.Context,
    search: Annotated[str | None, typer.Option(help="SKU or name contains this, or the GTIN is this.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
    active_only: Annotated[bool, typer.Option("--active-only", help="Leave out discontinued products.")] = False,
    json_out: JsonFlag = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV (the format `product import` reads).")] = False,
) -> None:
    """List the catalogue with the stock of each physical product.

    Example: ordercli product list --search chai --json
    """
    if json_out and csv_out:
        raise fail("choose one of --json and --csv", EXIT_USAGE)
    from ordercli.services.catalog import list_products

    found = list_products(app_context(ctx).database(), search=search, kind=kind, include_inactive=not active_only)
    if json_out:
        from ordercli.cli.output import print_json

        print_json([product_json(s.product, s) for s in found])
        return
    from ordercli.domain.money import percent_text

    if csv_out:
        from ordercli.io.csv import write_rows

        write_rows(sys.stdout, ("sku", "name", "price", "currency", "tax_rate", "kind", "gtin", "active"),
                   ((p.sku, p.name, p.price.amount, p.price.currency, percent_text(p.tax_rate_bp), p.kind, p.gtin,
                     "yes" if p.active else "no") for p in (s.product for s in found)), text_columns=(1,))
        return
    from ordercli.cli.output import money_text, table

    table(("SKU", "Name", "Price", "Tax %", "Kind", "Available", "On hand", "Active"),
          [(p.sku, p.name, money_text(p.price), percent_text(p.tax_rate_bp), p.kind,
            s.available if p.kind == "physical" else "", s.on_hand if p.kind == "physical" else "",
            "yes" if p.active else "no") for s, p in ((s, s.product) for s in found)],
          right=("Price", "Tax %", "Available", "On hand"))


@app.command("show")
def show(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="The product's SKU.")],
    json_out: JsonFlag = False,
) -> None:
    """Show a product and its stock at every location.

    Example: ordercli product show CHAI
    """
    from ordercli.services.catalog import get_product

    product = get_product(app_context(ctx).database(), sku)
    if json_out:
        from ordercli.cli.output import print_json

        print_json(product_json(product))
    else:
        _print(product)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with a header: sku,name,price[,currency,tax_rate,kind,gtin,active]; '-' for stdin.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row and say what would change; change nothing.")] = False,
) -> None:
    """Add or update products from a CSV catalogue, all or nothing.

    Every row is checked first; if any row is wrong, nothing is imported and every bad row is
    listed. Existing SKUs are updated (an empty cell keeps the current value), new ones added.
    A price without a currency is in the product's own currency, or for a new product in
    ORDERCLI_CURRENCY (default EUR).

    Example: ordercli product import examples/products.csv
    """
    from ordercli.domain.errors import RowProblems
    from ordercli.io.text_input import open_text
    from ordercli.services.catalog import import_products

    state = app_context(ctx)
    try:
        with open_text(file) as stream:
            result = import_products(state.database(), stream, state.stamp("product import"), dry_run=dry_run,
                                     default_currency=default_currency())
    except RowProblems as error:
        for problem in error.rows:
            print(f"ordercli: {problem}", file=sys.stderr)
        raise
    verb = "would add" if dry_run else "added"
    state.say(f"{verb} {result.added} and {'would update' if dry_run else 'updated'} {result.updated} product(s)"
              + ("; nothing changed (dry run)" if dry_run else ""))
