"""The catalogue: `product add | update | list | show | import`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ordercli.cli import values
from ordercli.cli.context import app_context
from ordercli.cli.errors import EXIT_USAGE, fail
from ordercli.cli.output import Format, Output, Table, key, money_text, number, output_options, print_facts, text
from ordercli.domain.money import percent_text
from ordercli.domain.orders import PRODUCT_KINDS

app = typer.Typer(no_args_is_help=True)

LISTING = Table(
    (key("SKU"), text("Name", 20), number("Price"), number("Tax %"), key("Kind"), number("Available"),
     number("On hand"), key("Active")),
    lambda found: [(p.sku, p.name, money_text(p.price), percent_text(p.tax_rate_bp), p.kind,
                    p.available if p.kind == "physical" else "", p.on_hand if p.kind == "physical" else "",
                    "yes" if p.active else "no") for p in found],
    drop=("Tax %", "On hand", "Kind", "Active", "Price"),
    empty="no products match",
)


def _print(product) -> None:
    from ordercli.cli.render import LEVELS

    print_facts([("SKU", product.sku), ("Name", product.name), ("Price", money_text(product.price)),
                 ("Tax rate", f"{percent_text(product.tax_rate_bp)} %"), ("Kind", product.kind),
                 ("GTIN", product.gtin or ""), ("Active", "yes" if product.active else "no (discontinued)")])
    if product.kind == "physical":
        print()
        LEVELS(product)


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
@output_options()
def add(
    ctx: typer.Context,
    output: Output,
    sku: Annotated[str, typer.Argument(metavar="SKU", help="Stock keeping unit: letters, digits and . _ / - (stored upper-case).")],
    name: Annotated[str | None, typer.Option(metavar="NAME", help="Name on orders and documents (required).")] = None,
    price: Annotated[str | None, typer.Option(metavar="PRICE", help="Unit price, net of tax, e.g. 18.00 (required).")] = None,
    currency: Annotated[str | None, typer.Option(metavar="CURRENCY", help="ISO 4217 code (default: ORDERCLI_CURRENCY, else EUR).")] = None,
    tax_rate: Annotated[str | None, typer.Option(metavar="PERCENT", help="Tax rate in percent, e.g. 19 or 7.5 (default 0).")] = None,
    kind: Annotated[values.ProductKind, typer.Option(metavar="KIND", case_sensitive=False, help=f"{values.one_of(PRODUCT_KINDS)}: only physical products have stock.")] = values.ProductKind("physical"),
    gtin: Annotated[str | None, typer.Option(metavar="GTIN", help="GTIN/EAN barcode (8, 12, 13 or 14 digits, check digit verified).")] = None,
) -> None:
    """Add a product to the catalogue.

    \b
    Example:
      ordercli product add CHAI --name "Chai, 10 boxes x 20 bags" --price 18.00 \\
        --tax-rate 7 --gtin 4006381333931
    """
    from ordercli.services.catalog import add_product

    state = app_context(ctx)
    product = add_product(state.database(), _fields(sku, name=name, price=price, currency=currency,
                                                    tax_rate=tax_rate, kind=kind.value, gtin=gtin), state.stamp("product add"),
                          default_currency=default_currency())
    from ordercli.cli import shapes

    output.emit(product, shape=shapes.product, table=lambda added: print(added.sku))
    hint = f" Next: ordercli stock receive {product.sku} QTY" if product.kind == "physical" else ""
    state.say(f"added product {product.sku} ({product.kind}, {product.price}).{hint}")


@app.command("update")
@output_options()
def update(
    ctx: typer.Context,
    output: Output,
    sku: Annotated[str, typer.Argument(metavar="SKU", help="The product's SKU.")],
    name: Annotated[str | None, typer.Option(metavar="NAME", help="New name.")] = None,
    price: Annotated[str | None, typer.Option(metavar="PRICE", help="New unit price (orders already placed keep theirs).")] = None,
    currency: Annotated[str | None, typer.Option(metavar="CURRENCY", help="Currency of the new price (default: the product's own).")] = None,
    tax_rate: Annotated[str | None, typer.Option(metavar="PERCENT", help="New tax rate in percent.")] = None,
    kind: Annotated[values.ProductKind | None, typer.Option(metavar="KIND", case_sensitive=False, help=f"New kind: {values.one_of(PRODUCT_KINDS)} (a product with stock stays physical).")] = None,
    gtin: Annotated[str | None, typer.Option(metavar="GTIN", help="New GTIN/EAN.")] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="Sell it, or stop selling it (discontinue).")] = None,
) -> None:
    """Change a product: only what you give changes. Orders already placed keep their prices.

    \b
    Example:
      ordercli product update CHAI --price 19.50 --inactive
    """
    if all(v is None for v in (name, price, currency, tax_rate, kind, gtin, active)):
        raise fail("nothing to change: give at least one option (see --help)", EXIT_USAGE)
    if currency is not None and price is None:
        raise fail("--currency goes with --price", EXIT_USAGE)
    from ordercli.services.catalog import update_product

    state = app_context(ctx)
    product, changed = update_product(state.database(), _fields(sku, name=name, price=price, currency=currency,
                                                                tax_rate=tax_rate, kind=kind and kind.value, gtin=gtin,
                                                                active=active),
                                      state.stamp("product update"))
    from ordercli.cli import shapes

    output.emit(product, shape=shapes.product)
    state.say(f"updated product {product.sku}" if changed else
              f"product {product.sku} unchanged: it already has those values")


@app.command("list")
@output_options(Format.JSONL, Format.CSV, csv="Print CSV (the format `product import` reads).")
def list_(
    ctx: typer.Context,
    output: Output,
    search: Annotated[str | None, typer.Option(metavar="TEXT", help="SKU or name contains this, or the GTIN is this.")] = None,
    kind: Annotated[values.ProductKind | None, typer.Option(metavar="KIND", case_sensitive=False, help=f"Only this kind: {values.one_of(PRODUCT_KINDS)}.")] = None,
    active_only: Annotated[bool, typer.Option("--active-only", help="Leave out discontinued products.")] = False,
) -> None:
    """List the catalogue with the stock of each physical product.

    \b
    Example:
      ordercli product list --search chai --json
    """
    from ordercli.cli import shapes
    from ordercli.services.catalog import list_products

    found = list_products(app_context(ctx).database(), search=search, kind=kind and kind.value,
                          include_inactive=not active_only)
    output.emit(found, shape=shapes.each(shapes.product), table=LISTING, csv=shapes.PRODUCT_CSV)


@app.command("show")
@output_options()
def show(
    ctx: typer.Context,
    output: Output,
    sku: Annotated[str, typer.Argument(metavar="SKU", help="The product's SKU.")],
) -> None:
    """Show a product and its stock at every location.

    \b
    Example:
      ordercli product show CHAI
    """
    from ordercli.services.catalog import get_product

    from ordercli.cli import shapes

    product = get_product(app_context(ctx).database(), sku)
    output.emit(product, shape=shapes.product, table=_print)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="PATH|-", help="CSV with a header: sku,name,price[,currency,tax_rate,kind,gtin,active]; '-' for stdin.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row and say what would change; change nothing.")] = False,
) -> None:
    """Add or update products from a CSV catalogue, all or nothing.

    Every row is checked first; if any row is wrong, nothing is imported and every bad row is
    listed. Existing SKUs are updated (an empty cell keeps the current value), new ones added.
    A price without a currency is in the product's own currency, or for a new product in
    ORDERCLI_CURRENCY (default EUR).

    \b
    Example:
      ordercli product import examples/products.csv
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
