"""`db info`, `db upgrade`, `db copy` and `db backup`."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from ordercli.cli.context import app_context
from ordercli.cli.errors import EXIT_REFUSED, EXIT_USAGE, fail
from ordercli.cli.output import Output, Table, key, number, output_options

app = typer.Typer(no_args_is_help=True)


def _print_info(facts) -> None:
    """The keys of the JSON, one a line; the tables one a line, with their rows."""
    from ordercli.cli import shapes

    for name, value in shapes.database_info(facts).items():
        if name == "tables":
            for i, table in enumerate(value):
                print(f"{'tables' if i == 0 else '':<14}{table['table']:<20}{table['rows']:>12,}")
            continue
        print(f"{name:<14}{'' if value is None else value}")


@app.command("info")
@output_options(json="Print JSON.")
def info(
    ctx: typer.Context,
    output: Output,
) -> None:
    """Show where the database is, its backend, schema version and the rows of each table;
    on PostgreSQL also the server's version and the role ordercli acts as (never a password).

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


COPY_CHECKS = Table(
    (key("Table"), number("Rows"), key("Checksum"), key("Match")),
    lambda report: [(check.table,
                     f"{check.rows:,}" if check.rows == check.copied_rows else f"{check.rows:,} vs {check.copied_rows:,}",
                     check.checksum[:16], "yes" if check.match else "NO")
                    for check in report.tables],
)


class _ProgressBar:
    """Rows copied, then rows checked, as bars on stderr (on a terminal only)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("{task.description:<26}", markup=False), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True),
                                  transient=True)
        self._tasks: dict[str, object] = {}

    def __enter__(self):
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def start(self, sizes: dict[str, int]) -> None:
        total = sum(sizes.values())
        self._tasks = {step: self._progress.add_task(step, total=total) for step in ("copying", "checking")}

    def _advance(self, step: str, table: str, rows: int) -> None:
        self._progress.update(self._tasks[step], advance=rows, description=f"{step} {table}")

    def copied(self, table: str, rows: int) -> None:
        self._advance("copying", table, rows)

    def verified(self, table: str, rows: int) -> None:
        self._advance("checking", table, rows)


def _same_database(source, target) -> bool:
    if source.is_sqlite != target.is_sqlite:
        return False
    if not source.is_sqlite:
        return source.display == target.display
    if source.path == target.path:
        return True
    return source.path.exists() and target.path.exists() and source.path.samefile(target.path)


@app.command("copy")
@output_options(json="Print the check of each table as JSON (docs/json.md).")
def copy(
    ctx: typer.Context,
    output: Output,
    to: Annotated[str, typer.Option("--to", metavar="PATH|URL",
                                    help="Where to copy to: a new or empty SQLite file, or an empty PostgreSQL "
                                         "database (URL).")],
) -> None:
    """Copy the whole database (--db) into another one, then check the copy.

    SQLite to PostgreSQL, PostgreSQL to SQLite, or SQLite to SQLite: every table, the schema
    version and the number series (the next order number continues after the last). The target
    must be empty: a new file, or a database without ordercli data or other tables. It is
    written in one transaction, so a copy that fails or is interrupted leaves it as it was.
    Each table is then compared with the source (rows, and a checksum of its content); a copy
    that does not match is not kept. Exit codes: 0 copied and checked; 4 the target is not
    empty, or the copy did not match (nothing kept); 6 a database cannot be reached or used.
    Guide: docs/team.md.

    \b
    Examples:
      ordercli db copy --to postgresql+psycopg://ops@db.internal/orders
      ordercli --db postgresql://ops@db.internal/orders db copy --to laptop.db
    """
    from ordercli.cli import shapes
    from ordercli.db.engine import Database
    from ordercli.services.admin import copy_database

    state = app_context(ctx)
    if not to.strip():
        raise fail("--to is empty: give a SQLite file path or a database URL", EXIT_USAGE)
    state.mask(to)
    source = state.database()
    target = Database(to)
    try:
        if _same_database(source, target):
            raise fail(f"--to names the database being copied ({target.display}): give another", EXIT_USAGE)
        if sys.stderr.isatty() and not state.quiet:
            with _ProgressBar() as bar:
                report = copy_database(source, target, bar)
        else:
            report = copy_database(source, target)
    finally:
        target.dispose()
    state.flush_notices()
    output.emit(report, shape=shapes.database_copy, table=COPY_CHECKS)
    if not report.match:
        differing = [check for check in report.tables if not check.match]
        where = "; ".join(f"{c.table}: {c.rows:,} rows in the source, {c.copied_rows:,} in the copy"
                          + ("" if c.rows != c.copied_rows else ", content differs") for c in differing)
        raise fail(f"the copy does not match the source ({where}); nothing was kept in {report.target}",
                   EXIT_REFUSED)
    state.say(f"copied {report.rows:,} rows in {len(report.tables)} tables to {report.target} (schema "
              f"{report.schema}); every table matches the source. Next: ordercli --db {shlex.quote(report.target)} "
              "db info")


@app.command("backup")
def backup(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(metavar="FILE", help="The backup file to write (a SQLite database).")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """Back up a SQLite database into FILE while other processes keep working.

    Uses SQLite's online backup API: FILE is a consistent snapshot, written beside it under a
    temporary name and renamed to FILE only when complete; the database is not changed (not
    even upgraded). FILE is a SQLite database: open it with --db FILE. An existing FILE is
    replaced only with --force. Exit codes: 0 backed up; 4 FILE exists (without --force), or
    the database is on PostgreSQL (the message gives the pg_dump command); 5 FILE's folder does
    not exist or cannot be written; 6 the database cannot be read.

    \b
    Examples:
      ordercli db backup ~/backups/orders-$(date +%F).db
      ordercli db backup nightly.db --force
    """
    from ordercli.services.admin import backup_database

    state = app_context(ctx)
    if file in ("", "-"):
        raise fail("FILE must be a file path: a backup is a SQLite database, not sent to stdout", EXIT_USAGE)
    done = backup_database(state.database(), Path(file), replace=force)
    state.say(f"backed up {state.database().display} (schema {done.revision}, {done.size_bytes:,} bytes) to "
              f"{done.path}")
