"""The database itself: where it is, which schema it has, bringing it up to date, copying it
whole to another database, and backing it up."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ordercli.db import transfer
from ordercli.db.engine import known_revisions
from ordercli.db.queries.database import server_facts, table_sizes
from ordercli.db.sql import scalar
from ordercli.domain.errors import Refused


@dataclass(frozen=True)
class DatabaseInfo:
    location: str
    backend: str
    revision: str | None
    latest: str
    size_bytes: int | None
    orders: int | None
    server: str | None = None  # PostgreSQL's version
    role: str | None = None  # the PostgreSQL role ordercli acts as
    tables: tuple[tuple[str, int], ...] = field(default=())  # (table, rows), by name

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.latest


def database_info(db) -> DatabaseInfo:
    """What the database is, without changing it (no upgrade happens here)."""
    if db.is_sqlite and not db.path_exists():
        return DatabaseInfo(db.display, db.backend, None, known_revisions()[-1], None, None)
    with db.inspect() as connection:
        revision = db.current_revision(connection)
        orders = None
        if revision is not None:
            orders = scalar(connection, "SELECT count(*) FROM orders")
        server, role = server_facts(connection)
        tables = tuple(table_sizes(connection))
    size = None
    if db.is_sqlite and db.path_exists():
        size = db.path.stat().st_size
    return DatabaseInfo(db.display, db.backend, revision, known_revisions()[-1], size, orders, server, role, tables)


def upgrade_database(db) -> tuple[str | None, str]:
    """Bring the schema up to date (also done on open); returns the revisions before and after."""
    before = None
    if not db.is_sqlite or db.path_exists():
        with db.inspect() as connection:
            before = db.current_revision(connection)
    db.ensure_schema()
    with db.inspect() as connection:
        return before, db.current_revision(connection)


@dataclass(frozen=True)
class TableCheck:
    """One table of a copy: its rows and checksum in the source and in the copy."""

    table: str
    rows: int
    checksum: str
    copied_rows: int
    copied_checksum: str

    @property
    def match(self) -> bool:
        return (self.rows, self.checksum) == (self.copied_rows, self.copied_checksum)


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    schema: str
    tables: tuple[TableCheck, ...]

    @property
    def match(self) -> bool:
        return all(check.match for check in self.tables)

    @property
    def rows(self) -> int:
        return sum(check.rows for check in self.tables)


class _NoProgress:
    def start(self, sizes: dict[str, int]) -> None:
        pass

    def copied(self, table: str, rows: int) -> None:
        pass

    def verified(self, table: str, rows: int) -> None:
        pass


def copy_database(source, target, progress=None) -> CopyReport:
    """Copy every table of `source` into the empty database `target`, number series included, in
    one transaction on the target, and check the copy table by table against the source. A copy
    that does not match is rolled back (the report says where it differs). `progress` hears
    `start({table: rows})`, then `copied(table, rows)` and `verified(table, rows)` per chunk."""
    progress = progress or _NoProgress()
    source.ensure_schema(create=False)  # an older source is upgraded first, as any command does
    tables = transfer.schema_tables()
    with source.snapshot() as reading, transfer.filling(target) as writing:
        schema = transfer.prepare_target(writing, target.display)
        progress.start({table.name: transfer.count_rows(reading, table) for table in tables})
        with transfer.foreign_keys_checked_once(writing):
            read = [transfer.copy_table(reading, writing, table, progress.copied) for table in tables]
        for table in tables:
            transfer.continue_series(writing, table, transfer.series_position(reading, table))
        written = [transfer.table_checksum(writing, table, progress.verified) for table in tables]
        report = CopyReport(source.display, target.display, schema, tuple(
            TableCheck(table.name, before.rows, before.checksum, after.rows, after.checksum)
            for table, before, after in zip(tables, read, written)))
        if not report.match:
            writing.rollback()
    return report


def backup_database(db, destination: Path, *, replace: bool = False) -> transfer.Backup:
    """A consistent snapshot of the SQLite database `db` in the file `destination`, taken while
    others may write; never changes `db`, not even to upgrade it. PostgreSQL is refused with the
    pg_dump command that does it there."""
    if not db.is_sqlite:
        raise Refused(f"db backup copies SQLite files; back up PostgreSQL with pg_dump: "
                      f"{transfer.pg_dump_command(db)} (restore with pg_restore), or take a SQLite copy with "
                      "ordercli db copy --to FILE")
    return transfer.backup_sqlite(db, destination, replace=replace)
