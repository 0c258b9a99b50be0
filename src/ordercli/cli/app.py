"""The root command: global options, and every command group joined in one app."""

from __future__ import annotations

from typing import Annotated

import typer

from ordercli import __version__
from ordercli.cli import database, locations, orders, products, promos, stock
from ordercli.cli.context import AppContext
from ordercli.cli.errors import EXIT_USAGE, OrderCliGroup, fail

HELP = """Order management for the terminal: orders, statuses, stock and documents.

Data is kept in a SQLite file in your user data directory unless --db or ORDERCLI_DB names
another file or a PostgreSQL URL. Data goes to stdout, messages to stderr; --json on every
listing gives a stable shape for scripts. Exit codes: 0 ok, 1 unexpected, 2 usage,
3 not found, 4 refused by a business rule, 5 invalid data, 6 database busy or unavailable.
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
        typer.Option("--db", envvar="ORDERCLI_DB", show_envvar=True,
                     help="SQLite file path or database URL (postgresql+psycopg://user@host/db)."),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option("--actor", envvar="ORDERCLI_ACTOR", show_envvar=True,
                     help="Name written to order history (default: your OS user name)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No messages on stderr, only errors.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    if db is not None and not db.strip():
        # An empty --db must not quietly mean the default database. (An empty ORDERCLI_DB
        # never gets here: like most tools, ordercli takes an empty variable as unset.)
        source = ctx.get_parameter_source("db")
        where = "ORDERCLI_DB" if source is not None and source.name == "ENVIRONMENT" else "--db"
        raise fail(f"{where} is empty: give a SQLite file path or a database URL, "
                   "or leave it out for the default database", EXIT_USAGE)
    state = AppContext(db_target=db, actor=actor, debug=debug, quiet=quiet)
    ctx.obj = state
    ctx.call_on_close(state.close)


app.add_typer(orders.app)
app.add_typer(stock.top)
app.add_typer(products.app, name="product", help="The catalogue: add, update, list, show, import.")
app.add_typer(stock.app, name="stock", help="Stock per product and location, and its ledger.")
app.add_typer(locations.app, name="location", help="Warehouses and stores.")
app.add_typer(promos.app, name="promo", help="Promo codes: add and list.")
app.add_typer(database.app, name="db", help="The database: where it is, its schema version, upgrades.")
