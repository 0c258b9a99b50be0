"""`db info` and `db upgrade`."""

from __future__ import annotations

import typer

from ordercli.cli.context import app_context
from ordercli.cli.output import Output, output_options

app = typer.Typer(no_args_is_help=True)


def _print_info(facts) -> None:
    """The keys of the JSON, one a line."""
    from ordercli.cli import shapes

    for key, value in shapes.database_info(facts).items():
        print(f"{key:<14}{'' if value is None else value}")


@app.command("info")
@output_options(json="Print JSON.")
def info(
    ctx: typer.Context,
    output: Output,
) -> None:
    """Show where the database is, its backend and schema version (never prints a password).

    \b
    Example:
      ordercli --db postgresql+psycopg://ops@db.internal/orders db info
    """
    from ordercli.cli import shapes
    from ordercli.services.admin import database_info

    facts = database_info(app_context(ctx).database())
    output.emit(facts, shape=shapes.database_info, table=_print_info)


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Bring the database schema up to this ordercli's version, keeping all data.

    Every command also does this when it opens an older database; this command lets you do it
    at a chosen moment (say, before a cron job runs). It is safe to run twice.

    \b
    Example:
      ordercli db upgrade
    """
    from ordercli.services.admin import upgrade_database

    state = app_context(ctx)
    before, after = upgrade_database(state.database())
    state.flush_notices()  # says what was created or upgraded
    if before == after:
        state.say(f"the database schema is up to date ({after})")
    print(after)
