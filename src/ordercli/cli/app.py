"""The root command: global options, and every command group joined in one app."""

from __future__ import annotations

from typing import Annotated

import typer

from ordercli import __version__
from ordercli.cli import (appointments, database, documents, export, fulfillment, importing, locations, orders,
                          products, promos, returns, stock, summary)
from ordercli.cli.context import AppContext
from ordercli.cli.errors import OrderCliGroup

HELP = """Order management for the terminal: orders, statuses, stock and documents.

Data is kept in a SQLite file in your user data directory unless --db or ORDERCLI_DB names
another file or a PostgreSQL URL. Data goes to stdout, messages to stderr; --json on every
listing gives a stable shape for scripts. Exit codes: 0 ok, 1 unexpected, 2 usage,
3 not found, 4 refused, 5 invalid data, 6 database busy or unavailable, 130 interrupted.

The global options --db, --actor, --quiet and --debug work before or after the command
(`ordercli show 1042 --debug`); given in both places, the later one wins.

\b
Examples:
  ordercli create --name "Maria Anders" --email maria@example.com ...
  ordercli list --status open --since yesterday
  ordercli --db postgresql+psycopg://ops@db.internal/orders list
"""

app = typer.Typer(
    cls=OrderCliGroup,
    help=HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


def _version(value: bool) -> None:
    if value:
        print(f"ordercli {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", metavar="PATH|URL", envvar="ORDERCLI_DB", show_envvar=True,
                     help="SQLite file path or database URL (postgresql+psycopg://user@host/db)."),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option("--actor", metavar="NAME", envvar="ORDERCLI_ACTOR", show_envvar=True,
                     help="Name written to order history (default: your OS user name)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No messages on stderr, only errors.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    source = ctx.get_parameter_source("db")
    state = AppContext(actor=actor, debug=debug, quiet=quiet)
    state.use("db", db, "ORDERCLI_DB" if source is not None and source.name == "ENVIRONMENT" else "--db")
    ctx.obj = state
    ctx.call_on_close(state.close)


app.add_typer(orders.app)
app.add_typer(fulfillment.top)
app.add_typer(returns.top)
app.add_typer(stock.top)
app.add_typer(documents.top)
app.add_typer(export.top)
app.add_typer(importing.top)
app.add_typer(summary.top)
app.add_typer(fulfillment.app, name="shipment", help="""A shipment's stages after `ship`: pack, hand over, deliver.

\b
Examples:
  ordercli shipment show 17
  ordercli shipment hand-over 17 --carrier DHL --tracking 00340434161094042557
  ordercli shipment deliver 17 --signed-by "M. Anders"
""")
app.add_typer(returns.app, name="rma", help="""A return's stages after `return`: receive, inspect, refund (or cancel).

\b
Examples:
  ordercli rma show 7
  ordercli rma receive 7 --by "goods-in"
  ordercli rma inspect 7 --write-off CHAI:1
  ordercli rma refund 7 --reference "PSP re_3Nc2"
""")
app.add_typer(appointments.app, name="appointment", help="""Appointments: installation, repair, delivery, booked on a named resource.

\b
Examples:
  ordercli appointment resource add tom --kind technician
  ordercli appointment book 1042 --line INSTALL --at "2026-12-03 09:00" \\
    --duration 2h --with tom
  ordercli appointment list --week
  ordercli appointment complete 7 --signed-by "M. Anders"
""")
app.add_typer(fulfillment.carriers, name="carrier", help="""Carriers and their tracking pages.

\b
Examples:
  ordercli carrier add DHL \\
    --tracking-url "https://www.dhl.de/track?piececode={tracking}"
  ordercli carrier list
""")
app.add_typer(documents.profile_app, name="profile", help="""The seller's details on every document, and how invoices are numbered.

\b
Examples:
  ordercli profile set --name "Northwind Traders GmbH" \\
    --address "Obere Str. 57" --postal-code 12209 --city Berlin \\
    --country DE --tax-id DE123456789
  ordercli profile show
""")
app.add_typer(products.app, name="product", help="""The catalogue: add, update, list, show, import.

\b
Examples:
  ordercli product add CHAI --name "Chai, 10 boxes x 20 bags" --price 18.00
  ordercli product list --search chai
  ordercli product import examples/products.csv
""")
app.add_typer(stock.app, name="stock", help="""Stock per product and location, and its ledger.

\b
Examples:
  ordercli stock receive CHAI 40 --at main --note "PO 4711"
  ordercli stock list --below 10
  ordercli stock history CHAI
""")
app.add_typer(locations.app, name="location", help="""Warehouses and stores.

\b
Examples:
  ordercli location add main
  ordercli location add berlin-store --kind store --city Berlin --country DE
  ordercli location list
""")
app.add_typer(promos.app, name="promo", help="""Promo codes: add and list.

\b
Examples:
  ordercli promo add WELCOME10 --percent 10 --valid-until 2026-12-31
  ordercli promo list
""")
app.add_typer(database.app, name="db", help="""The database: where it is, its schema version, upgrades, copies, backups.

\b
Examples:
  ordercli db info
  ordercli --db postgresql+psycopg://ops@db.internal/orders db upgrade
  ordercli db backup orders-backup.db
  ordercli db copy --to postgresql+psycopg://ops@db.internal/orders
""")
