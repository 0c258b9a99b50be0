"""`db info` and `db upgrade`."""

from __future__ import annotations

from typing import Annotated

import typer

from ordercli.cli.context import app_context

app = typer.Typer(no_args_is_help=True)


@app.command("info")
def info(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show where the database is, its backend and schema version (never prints a password).

    Example: ordercli --db postgresql+psycopg://ops@db.internal/orders db info
    """
    from ordercli.services.admin import database_info

    facts = database_info(app_context(ctx).database())
    data = {
        "location": facts.location,
        "backend": facts.backend,
        "schema": facts.revision,
        "latest_schema": facts.latest,
        "up_to_date": facts.up_to_date,
        "size_bytes": facts.size_bytes,
        "orders": facts.orders,
    }
    if json_out:
        from ordercli.cli.output import print_json

        print_json(data)
        return
    for key, value in data.items():
        print(f"{key:<14}{'' if value is None else value}")


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Bring the database schema up to this ordercli's version, keeping all data.

    Every command also does this when it opens an older database; this command lets you do it
    at a chosen moment (say, before a cron job runs). It is safe to run twice.

    Example: ordercli db upgrade
    """
    from ordercli.services.admin import upgrade_database

    state = app_context(ctx)
    before, after = upgrade_database(state.database())
    state.flush_notices()  # says what was created or upgraded
    if before == after:
        state.say(f"the database schema is up to date ({after})")
    print(after)
