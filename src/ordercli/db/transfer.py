"""Copying a whole ordercli database into an empty one (either backend to either), and backing
up a SQLite file while other processes write to it.

A copy reads the source in one snapshot (`Database.snapshot`) and writes the target in one
transaction in which its schema is made too (`Database.migrating_write`), so a copy that fails
or is killed leaves the target as it was. A new SQLite file is built beside its place and
linked there only when complete. Tables go in foreign-key order, as the SQLModel tables
(db/tables.py, which the migrations must match) declare them: a table added to the schema is
copied with no change here. Rows are streamed in primary-key order a chunk at a time and go in
by COPY on PostgreSQL, executemany on SQLite. A copy only inserts, so the append-only triggers
of the history and the ledger (migrations 0001-0003) never object.

A table's checksum is SHA-256 over its rows in primary-key order, each row a JSON array whose
values have one form on both backends: times UTC ISO 8601 with microseconds and +00:00, flags 0
or 1, integers as integers, text as text, NULL as null. Text keys sort bytewise on both (COLLATE
"C" on PostgreSQL, SQLite's BINARY), so the order is the same too.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shlex
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ordercli.db.queries.database import current_schema, holds_rows, table_names
from ordercli.db.sql import as_utc, dialect_of, driver, execute, first, rows, scalar
from ordercli.domain.errors import InvalidData, Refused, StoreUnavailable

CHUNK = 5000  # rows read, converted and written at a time: memory stays flat however large a table is
_VERSION_TABLE = "alembic_version"
_SQLITE_HEADER = b"SQLite format 3\x00"
_CURSORS = itertools.count()  # names of server-side cursors, unique in a process


@dataclass(frozen=True)
class TableSpec:
    """What a copy needs to know of a table: its columns and what kind of value each holds
    ("time", "flag", "integer", "number", "bytes" or "text"), its primary key (and which key columns are text), and
    the column a number series fills (None: none)."""

    name: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    key: tuple[str, ...]
    text_key: frozenset[str]
    series: str | None


def _kind(column) -> str:
    kind = getattr(column.type, "impl_instance", column.type)  # a TypeDecorator (UTCDateTime): what it stores
    try:
        python_type = kind.python_type
    except NotImplementedError:
        return "text"
    if python_type is bool:
        return "flag"
    if issubclass(python_type, datetime):
        return "time"
    if python_type is int:
        return "integer"
    if python_type is float or python_type.__name__ == "Decimal":
        return "number"
    if python_type is bytes:
        return "bytes"
    return "text"


def schema_tables() -> list[TableSpec]:
    """Every table of ordercli's schema, parents before the tables that refer to them."""
    import ordercli.db.tables  # noqa: F401 - declares the tables on the metadata
    from sqlmodel import SQLModel

    specs = []
    for table in SQLModel.metadata.sorted_tables:
        key = tuple(column.name for column in table.primary_key.columns)
        series = table.autoincrement_column
        specs.append(TableSpec(
            name=table.name,
            columns=tuple(column.name for column in table.columns),
            kinds=tuple(_kind(column) for column in table.columns),
            key=key,
            text_key=frozenset(c.name for c in table.primary_key.columns if _kind(c) == "text"),
            series=series.name if series is not None else None,
        ))
    return specs


# -- the target ----------------------------------------------------------------------------------


@contextmanager
def filling(target):
    """The one transaction that fills the database `target` (a Database): committed when the
    block ends unless it raised or called `rollback()`. An existing SQLite file (empty, or an
    ordercli database without data) and PostgreSQL are filled in place; a new SQLite file is built
    as `.NAME.copy-PID.tmp` beside its place and linked there only when complete, so it never
    exists half-filled (one left behind by a killed copy is removed by the next copy there)."""
    from ordercli.db.engine import Database

    if not target.is_sqlite or target.path.exists():
        if target.is_sqlite:
            _refuse_other_files(target.path)
        with target.migrating_write() as transaction:
            yield transaction
        return
    target.make_folder()
    _remove_abandoned(target.path)
    temporary = target.path.with_name(f".{target.path.name}.copy-{os.getpid()}.tmp")
    _remove_files(temporary)
    building = Database(str(temporary), busy_timeout=target.busy_timeout)
    try:
        with building.migrating_write() as transaction:
            yield transaction
        building.dispose()  # the last connection: SQLite checkpoints the -wal into the file
        if not transaction.rolled_back:
            _link(temporary, target.path)
    finally:
        building.dispose()
        _remove_files(temporary)


def _refuse_other_files(path: Path) -> None:
    if path.is_dir():
        raise StoreUnavailable(f"{path} is a folder: give the path of a database file to copy to")
    try:
        with open(path, "rb") as file:
            header = file.read(len(_SQLITE_HEADER))
    except OSError as error:
        raise StoreUnavailable(f"cannot read {path}: {error.strerror}") from None
    if header and header != _SQLITE_HEADER:
        raise Refused(f"{path} is a file but not a SQLite database: db copy writes only to a new file or an "
                      "empty database; nothing was changed")


def _link(temporary: Path, path: Path) -> None:
    """Put the finished file in place, never over a file that appeared meanwhile."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise Refused(f"{path} was created by another process during the copy; nothing was changed") from None
    except OSError:  # a file system without hard links: a rename, after one more look
        if path.exists():
            raise Refused(f"{path} was created by another process during the copy; nothing was changed") from None
        os.rename(temporary, path)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make a new name in `folder` durable (the file's own data is synced by SQLite)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_files(path: Path) -> None:
    """`path` and SQLite's files beside it (-journal, -wal, -shm), if they exist."""
    for name in (path.name, path.name + "-journal", path.name + "-wal", path.name + "-shm"):
        try:
            os.unlink(path.with_name(name))
        except FileNotFoundError:
            pass


def _remove_abandoned(path: Path) -> None:
    """Files left beside `path` by copies that were killed (their process is gone)."""
    prefix = f".{path.name}.copy-"
    for leftover in path.parent.glob(f"{prefix}*.tmp"):
        pid = leftover.name[len(prefix):-len(".tmp")]
        if pid.isascii() and pid.isdigit() and not _alive(int(pid)):
            _remove_files(leftover)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prepare_target(transaction, display: str) -> str:
    """Check that the target holds nothing but an empty ordercli schema (refused otherwise:
    nothing is changed), bring it to this ordercli's schema, and return that revision."""
    from ordercli.db.engine import known_revisions
    from ordercli.db.migrate import upgrade_on

    if dialect_of(transaction) == "sqlite":
        # a larger page cache for this connection: filling indexes of many rows at once thrashed
        # SQLite's default 2 MB
        execute(transaction, "PRAGMA cache_size = -65536")
    else:
        if current_schema(transaction) is None:
            raise StoreUnavailable(f"{display} has no schema to create tables in: the schemas of its search_path "
                                   "do not exist (create one with CREATE SCHEMA)")
        # SQLite keeps times as UTC text without an offset: the server reads them as UTC.
        execute(transaction, "SET LOCAL TIME ZONE 'UTC'")
    names = table_names(transaction)
    ours = {spec.name for spec in schema_tables()}
    foreign = [name for name in names if name not in ours and name != _VERSION_TABLE]
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise Refused(f"{display} holds tables of another program ({shown}): db copy fills only an empty "
                      "database; nothing was changed")
    filled = [name for name in names if name != _VERSION_TABLE and holds_rows(transaction, name)]
    if filled:
        orders = scalar(transaction, "SELECT count(*) FROM orders") if "orders" in filled else 0
        held = f"{orders:,} orders" if orders else f"rows in {', '.join(filled)}"
        raise Refused(f"{display} already holds ordercli data ({held}): db copy fills only an empty database; "
                      "nothing was changed")
    if names and _VERSION_TABLE not in names:
        raise Refused(f"{display} holds tables but no ordercli schema version: db copy fills only an empty "
                      "database; nothing was changed")
    known = known_revisions()
    if _VERSION_TABLE in names:
        revision = scalar(transaction, f"SELECT version_num FROM {_VERSION_TABLE}")
        if revision is not None and revision not in known:
            raise StoreUnavailable(f"the schema of {display} ({revision}) is newer than this ordercli knows "
                                   f"(up to {known[-1]}): upgrade ordercli")
    upgrade_on(transaction.connection)
    return scalar(transaction, f"SELECT version_num FROM {_VERSION_TABLE}")


@contextmanager
def foreign_keys_checked_once(transaction):
    """Rows that go in within the block have their foreign keys checked once at its end, by one
    join per constraint, rather than row by row: on PostgreSQL the foreign keys of the tables
    this role owns are dropped and made again with the same names and definitions (checking
    each row with a trigger made COPY about ten times slower); SQLite has its foreign keys off
    for the whole copy and checks them before commit (Database.migrating_write)."""
    if dialect_of(transaction) == "sqlite":
        yield
        return
    ours = [spec.name for spec in schema_tables()]
    dropped = rows(transaction, "SELECT c.conrelid::regclass::text AS tab, c.conname AS name, "
                                "pg_get_constraintdef(c.oid) AS definition FROM pg_constraint c "
                                "JOIN pg_class t ON t.oid = c.conrelid "
                                "WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace "
                                "AND t.relname IN :tables AND pg_has_role(t.relowner, 'USAGE') ORDER BY c.oid",
                   {"tables": ours})
    for constraint in dropped:
        execute(transaction, f'ALTER TABLE {constraint.tab} DROP CONSTRAINT "{constraint.name}"')
    yield
    for constraint in dropped:
        execute(transaction, f'ALTER TABLE {constraint.tab} ADD CONSTRAINT "{constraint.name}" '
                             f"{constraint.definition}")


# -- rows ----------------------------------------------------------------------------------------


def _select(connection, spec: TableSpec) -> str:
    """The rows of `spec` in primary-key order, text keys ordered bytewise on both backends."""
    collate = "" if dialect_of(connection) == "sqlite" else ' COLLATE "C"'
    order = ", ".join(f'"{c}"' + (collate if c in spec.text_key else "") for c in spec.key)
    columns = ", ".join(f'"{c}"' for c in spec.columns)
    return f'SELECT {columns} FROM "{spec.name}" ORDER BY {order}'


def _chunks(connection, sql: str) -> Iterator[list[tuple]]:
    """The rows of a query as plain tuples, CHUNK at a time (a server-side cursor on PostgreSQL)."""
    raw = driver(connection)
    if isinstance(raw, sqlite3.Connection):
        cursor = raw.cursor()
        cursor.row_factory = None
        cursor.execute(sql)
    else:
        cursor = raw.cursor(name=f"ordercli_copy_{next(_CURSORS)}")
        cursor.itersize = CHUNK
        cursor.execute(sql)
    try:
        while chunk := cursor.fetchmany(CHUNK):
            yield chunk
    finally:
        cursor.close()


def count_rows(connection, spec: TableSpec) -> int:
    return scalar(connection, f'SELECT count(*) FROM "{spec.name}"')


@contextmanager
def _inserting(transaction, spec: TableSpec):
    """A function that writes chunks of rows (tuples in the order of `spec.columns`) into the
    table: one COPY for the whole table on PostgreSQL, executemany per chunk on SQLite."""
    raw = driver(transaction)
    columns = ", ".join(f'"{c}"' for c in spec.columns)
    if isinstance(raw, sqlite3.Connection):
        sql = f'INSERT INTO "{spec.name}" ({columns}) VALUES ({", ".join("?" for _ in spec.columns)})'
        yield lambda chunk: raw.executemany(sql, chunk)
        return
    with raw.cursor().copy(f'COPY "{spec.name}" ({columns}) FROM STDIN') as copy:
        write_row = copy.write_row

        def write(chunk):
            for row in chunk:
                write_row(row)

        yield write


def _conversion(spec: TableSpec, source: str, target: str) -> Callable[[list[tuple]], list[tuple]] | None:
    """What the rows read from a `source` backend need to go into a `target` one: PostgreSQL's
    times become SQLite's UTC text. (SQLite's times go into PostgreSQL as they are: its session
    reads them as UTC; flags 0/1 and bools are read by either.)"""
    times = [i for i, kind in enumerate(spec.kinds) if kind == "time"]
    if not (source == "postgresql" and target == "sqlite" and times):
        return None

    def convert(chunk):
        converted = []
        for row in chunk:
            row = list(row)
            for i in times:
                value = row[i]
                if value is not None:
                    if value.utcoffset():  # the snapshot reads in UTC; anything else is made so
                        value = value.astimezone(timezone.utc)
                    # SQLAlchemy's SQLite form (SQLITE_TIME_FORMAT), faster than strftime
                    row[i] = value.isoformat(" ", "microseconds")[:26]
            converted.append(tuple(row))
        return converted

    return convert


class _Digest:
    """A table's row count and checksum, fed chunks of its rows in primary-key order. What is
    hashed is the rows as JSON arrays, each followed by a comma, so chunk boundaries do not
    matter; values that differ between the backends are put in one form first (`_CANONICAL`)."""

    _encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode

    def __init__(self, spec: TableSpec) -> None:
        self.rows = 0
        self._hash = hashlib.sha256()
        self._fixes = [(i, _CANONICAL[kind]) for i, kind in enumerate(spec.kinds) if kind in _CANONICAL]

    def add(self, chunk: list[tuple]) -> None:
        fixes = self._fixes
        if fixes:
            fixed = []
            for row in chunk:
                row = list(row)
                for i, canonical in fixes:
                    value = row[i]
                    if value is not None:
                        row[i] = canonical(value)
                fixed.append(row)
            chunk = fixed
        self.rows += len(chunk)
        # one JSON array of the rows, without its brackets: "row,row,...,row" and a comma
        self._hash.update(self._encode(chunk)[1:-1].encode("utf-8", "surrogatepass") + b",")

    @property
    def checksum(self) -> str:
        return self._hash.hexdigest()


def _canonical_time(value) -> str:
    """A time as UTC ISO 8601 with microseconds: 2026-11-28T10:00:00.000000+00:00."""
    if isinstance(value, str):
        # SQLite's stored form, 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, needs no parsing.
        if len(value) == 26 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}+00:00"
        value = as_utc(value)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    elif value.utcoffset():
        value = value.astimezone(timezone.utc)
    return value.isoformat(timespec="microseconds")


def _canonical_number(value):
    """A number that is not an integer: a float by its shortest repr, a Decimal by its digits
    without trailing zeros (integers need nothing: JSON writes them alike)."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return value
    return format(value.normalize(), "f")


def _canonical_bytes(value) -> str:
    """Binary data (a logo) as hex: JSON has no bytes; a driver may hand back a memoryview."""
    return bytes(value).hex()


_CANONICAL = {"time": _canonical_time, "flag": int, "number": _canonical_number, "bytes": _canonical_bytes}


@dataclass(frozen=True)
class Tally:
    rows: int
    checksum: str


def copy_table(source, target, spec: TableSpec, advance: Callable[[str, int], None]) -> Tally:
    """Copy every row of `spec` from `source` (a snapshot) into `target` (a transaction);
    returns the source's row count and checksum. `advance(table, rows)` after each chunk.
    A row the target refuses (a NUL in a text, a value too long) is invalid data."""
    digest = _Digest(spec)
    convert = _conversion(spec, dialect_of(source), dialect_of(target))
    try:
        with _inserting(target, spec) as write:
            for chunk in _chunks(source, _select(source, spec)):
                digest.add(chunk)
                write(convert(chunk) if convert else chunk)
                advance(spec.name, len(chunk))
    except Exception as error:  # noqa: BLE001 - only the driver's refusals of data are translated
        problem = _refused_row(error)
        if problem is None:
            raise
        raise InvalidData(f"cannot copy {spec.name}: the target refused a row: {problem}; nothing was changed") \
            from error
    return Tally(digest.rows, digest.checksum)


def _refused_row(error: BaseException) -> str | None:
    """The first line of a driver error that refuses data (not one about the connection)."""
    import sys

    if isinstance(error, (sqlite3.IntegrityError, sqlite3.DataError)):
        return str(error)
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(error, (psycopg.errors.DataError, psycopg.errors.IntegrityError)):
        return (str(error).strip().splitlines() or [""])[0]
    return None


def table_checksum(connection, spec: TableSpec, advance: Callable[[str, int], None]) -> Tally:
    """The row count and checksum of `spec` as `connection` sees it."""
    digest = _Digest(spec)
    for chunk in _chunks(connection, _select(connection, spec)):
        digest.add(chunk)
        advance(spec.name, len(chunk))
    return Tally(digest.rows, digest.checksum)


# -- number series -------------------------------------------------------------------------------


def series_position(connection, spec: TableSpec) -> int:
    """The highest number the series of `spec` has given out, as far as the database records it:
    the highest in use, or more where a PostgreSQL sequence (or SQLite's AUTOINCREMENT) went
    further (numbers of rolled-back transactions). 0 for a table without a series."""
    if spec.series is None:
        return 0
    highest = scalar(connection, f'SELECT max("{spec.series}") FROM "{spec.name}"') or 0
    if dialect_of(connection) == "sqlite":
        recorded = None
        if scalar(connection, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"):
            recorded = scalar(connection, "SELECT seq FROM sqlite_sequence WHERE name = :t", {"t": spec.name})
        return max(highest, recorded or 0)
    sequence = scalar(connection, "SELECT pg_get_serial_sequence(:t, :c)", {"t": spec.name, "c": spec.series})
    if sequence is None:
        return highest
    state = first(connection, f"SELECT last_value, is_called FROM {sequence}")
    return max(highest, state.last_value if state.is_called else state.last_value - 1)


def continue_series(transaction, spec: TableSpec, position: int) -> None:
    """Make the target's series of `spec` give `position + 1` next: PostgreSQL's sequence, or
    SQLite's AUTOINCREMENT record. (A SQLite table without AUTOINCREMENT numbers a new row one
    above the highest in use, which the copied rows already set.)"""
    if spec.series is None:
        return
    if dialect_of(transaction) == "sqlite":
        autoincrement = scalar(transaction, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :t "
                                            "AND upper(sql) LIKE '%AUTOINCREMENT%'", {"t": spec.name})
        if autoincrement and position:
            updated = execute(transaction, "UPDATE sqlite_sequence SET seq = max(seq, :v) WHERE name = :t",
                              {"v": position, "t": spec.name}).rowcount
            if not updated:
                execute(transaction, "INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :v)",
                        {"t": spec.name, "v": position})
        return
    sequence = scalar(transaction, "SELECT pg_get_serial_sequence(:t, :c)", {"t": spec.name, "c": spec.series})
    if sequence is not None:
        # setval(seq, n, true): the next is n + 1; setval(seq, 1, false): the next is 1.
        execute(transaction, "SELECT setval(CAST(:s AS regclass), :v, :called)",
                {"s": sequence, "v": max(position, 1), "called": position > 0})


# -- backups -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backup:
    path: Path
    revision: str
    size_bytes: int


def backup_sqlite(database, destination: Path, *, replace: bool) -> Backup:
    """A consistent copy of the SQLite `database` at `destination`, made with SQLite's online
    backup API in one step inside one read transaction (others keep writing meanwhile: WAL), into
    a temporary file beside `destination` that is renamed into place only when complete."""
    destination = destination.expanduser().absolute()
    folder = destination.parent
    if destination.is_dir():
        raise InvalidData(f"{destination} is a folder: give the name of the backup file to write")
    if not folder.is_dir():
        raise InvalidData(f"cannot write the backup {destination}: the folder {folder} does not exist")
    source = database.path
    if destination == source or (destination.exists() and source.exists() and os.path.samefile(destination, source)):
        raise Refused(f"{destination} is the database itself: give another file for the backup")
    if destination.exists() and not replace:
        raise Refused(f"{destination} exists: give another name, or --force to replace it; nothing was changed")
    try:
        fd, name = _temporary_beside(destination)
    except OSError as error:
        raise InvalidData(f"cannot write the backup {destination}: {error.strerror}") from None
    os.close(fd)
    temporary = Path(name)
    try:
        with database.snapshot() as connection:
            revision = database.current_revision(connection)
            if revision is None:
                raise StoreUnavailable(f"no ordercli tables in {database.display} yet: nothing to back up")
            target = sqlite3.connect(temporary, isolation_level=None)
            try:
                driver(connection).backup(target)  # pages=-1: one step, so one consistent snapshot
            finally:
                target.close()
        with open(temporary, "rb+") as file:
            os.fsync(file.fileno())
        size = temporary.stat().st_size
        if replace:
            os.replace(temporary, destination)
            _sync_folder(folder)
        else:
            _link(temporary, destination)
    finally:
        _remove_files(temporary)
    return Backup(destination, revision, size)


def _temporary_beside(destination: Path) -> tuple[int, str]:
    """A new empty file, mode 0600 (a backup holds customer data), in the folder of `destination`."""
    import tempfile

    return tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".backup.tmp", dir=destination.parent)


def pg_dump_command(database) -> str:
    """The pg_dump command that backs up the PostgreSQL `database` (never with its password;
    pg_dump reads it from PGPASSWORD or ~/.pgpass), its search_path schema named with --schema."""
    import re

    url = database.url.set(drivername="postgresql")._replace(password=None)  # set() keeps a password given None
    options = url.query.get("options") or ""
    options = options if isinstance(options, str) else " ".join(options)
    secret = [key for key in url.query if key.lower() in ("password", "sslpassword")]
    url = url.difference_update_query([*secret, "options"])
    schema = re.search(r"search_path\s*=\s*([^\s,]+)", options)
    words = ["pg_dump", "--format=custom", "--file=ordercli.dump"]
    if schema:
        words.append(f"--schema={schema.group(1)}")
    words.append(url.render_as_string(hide_password=False))
    return " ".join(shlex.quote(word) for word in words)
