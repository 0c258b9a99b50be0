"""Run hand-written SQL on either kind of connection ordercli opens.

On SQLite, reads and writes alike use the standard library's sqlite3 directly: loading
SQLAlchemy costs more than everything else `ordercli show` does (see bench/startup.py).
PostgreSQL, and migrations on either backend, use SQLAlchemy connections; the statements run
here go straight to psycopg's cursor on them, inside SQLAlchemy's transaction: a statement
through SQLAlchemy's `text()` cost about 70 us more than through psycopg (bench/round_trips.py
counts the statements). psycopg prepares a statement it has run five times on a connection, so
a list parameter is one array there (see `_prepare`), whose SQL text does not change with its
length. Each statement is a round trip to the server; in a `pipelined` block the writes go
with the next read instead. The same SQL text runs on both through this module: `:name` parameters, `IN :names`
for lists, datetimes stored as UTC the way SQLAlchemy stores them on SQLite, and rows whose
columns read as attributes. Driver errors are not handled here: Database's transactions
(db/engine.py) translate them, wrapped by SQLAlchemy (migrations) or not.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections import namedtuple
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache

# SQLAlchemy's own SQLite DATETIME storage format, so rows written through the ORM and rows
# written here compare and sort alike.
SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

_IN_LIST = re.compile(r"IN\s+:(\w+)\b")


def as_utc(value):
    """A stored time (text on SQLite, naive or aware datetime) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class Transaction:
    """One write transaction (what `Database.write()` yields): statements run on it as on a
    connection. It commits when its block ends, unless the block raised or `rollback()` was
    called: then nothing it did is kept. A dry run is a transaction that is rolled back."""

    __slots__ = ("connection", "rolled_back", "locked", "turn")

    def __init__(self, connection) -> None:
        self.connection = connection
        self.rolled_back = False
        self.locked: dict[str, set[int]] = {}  # row locks it holds: table -> ids (db/dialect.py)
        self.turn: str | None = None  # the import turn it holds: "alone", "shared" (db/dialect.py)

    def rollback(self) -> None:
        """Keep nothing of this transaction: it is rolled back when its block ends."""
        self.rolled_back = True


def _unwrap(connection):
    return connection.connection if isinstance(connection, Transaction) else connection


def dialect_of(connection) -> str:
    """"sqlite" or "postgresql": for db/ only; services ask db.dialect for what differs."""
    connection = _unwrap(connection)
    if isinstance(connection, sqlite3.Connection):
        return "sqlite"
    return connection.dialect.name


# Typed rows: the one place where stored values become Python values. A column named `at`,
# ending in `_at`, or `valid_from`/`valid_until` reads as an aware UTC datetime (SQLite keeps
# text); a flag column reads as a bool (SQLite keeps 0 and 1).
_TIME_COLUMNS = frozenset({"at", "valid_from", "valid_until"})
_FLAG_COLUMNS = frozenset({"active", "is_default", "backordered", "verified", "yearly_reset"})


def _converter(name: str):
    if name in _TIME_COLUMNS or name.endswith("_at"):
        return as_utc
    if name in _FLAG_COLUMNS:
        return bool
    return None


def stored(value, sqlite: bool):
    """A parameter as the driver takes it: an aware datetime in UTC (text on SQLite)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: ordercli stores UTC and needs aware datetimes")
        value = value.astimezone(timezone.utc)
        return value.strftime(SQLITE_TIME_FORMAT) if sqlite else value
    return value


def _prepare(sql: str, params: dict | None, sqlite: bool) -> tuple[str, dict]:
    """Expand `IN :name` list parameters and convert datetimes.

    On PostgreSQL a list is one array parameter (`= ANY(:name)`, `<> ALL(:name)`): the SQL text
    is the same however long the list, so psycopg can prepare it once; on SQLite it becomes one
    parameter per item."""
    params = dict(params or {})
    lists = {name for name in _IN_LIST.findall(sql) if isinstance(params.get(name), (list, tuple, set, frozenset))}
    for name in lists:
        values = list(params.pop(name))
        if not values:
            if re.search(rf"NOT\s+IN\s+:{name}\b", sql):
                raise ValueError(f"NOT IN with an empty list :{name} is never true in SQL; leave the condition out")
            sql = re.sub(rf"IN\s+:{name}\b", "IN (NULL)", sql)  # matches nothing, like an empty list
            continue
        if not sqlite:
            sql = re.sub(rf"NOT\s+IN\s+:{name}\b", f"<> ALL(:{name})", sql)
            sql = re.sub(rf"IN\s+:{name}\b", f"= ANY(:{name})", sql)
            params[name] = values
            continue
        names = [f"{name}__{i}" for i in range(len(values))]
        sql = re.sub(rf"IN\s+:{name}\b", "IN (" + ", ".join(f":{n}" for n in names) + ")", sql)
        params.update(zip(names, values))
    return sql, {k: stored(v, sqlite) for k, v in params.items()}


@lru_cache(maxsize=256)
def _row_type(fields: tuple[str, ...]):
    """The row class of a column list, and which columns it converts."""
    converters = tuple((i, c) for i, c in ((i, _converter(f)) for i, f in enumerate(fields)) if c is not None)
    return namedtuple("Row", fields, rename=True), converters


def typed_row(fields: tuple[str, ...], values):
    """A row whose columns read as attributes, times as aware UTC datetimes and flags as bools."""
    row_class, converters = _row_type(fields)
    if converters:
        values = list(values)
        for index, convert in converters:
            if values[index] is not None:
                values[index] = convert(values[index])
    return row_class(*values)


def _row_factory(cursor: sqlite3.Cursor, row: tuple):
    return typed_row(tuple(d[0] for d in cursor.description), row)


def prepare_sqlite(connection: sqlite3.Connection) -> None:
    """Rows from a raw sqlite3 connection are typed rows, like those `rows()` makes elsewhere."""
    connection.row_factory = _row_factory


def execute(connection, sql: str, params: dict | list[dict] | None = None):
    """Run one statement (or one per dict when `params` is a list); returns the driver's cursor."""
    connection = driver(connection)  # psycopg; on SQLite, also under SQLAlchemy (migrations)
    sqlite = isinstance(connection, sqlite3.Connection)
    if isinstance(params, list):
        if not params:
            return None
        prepared = [_prepare(sql, p, sqlite) for p in params]
        statement = prepared[0][0]
        values = [p for _, p in prepared]
    else:
        statement, values = _prepare(sql, params, sqlite)
    if sqlite:
        if isinstance(values, list):
            return connection.executemany(statement, values)
        return connection.execute(statement, values)
    if _PIPELINED:
        _queue(connection)
    cursor = connection.cursor()
    if isinstance(values, list):
        cursor.executemany(_pyformat(statement), values)
    else:
        cursor.execute(_pyformat(statement), values)
    return cursor


# A `:name` parameter, not a `::type` cast (the same rule as SQLAlchemy's text()).
_BIND = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")


@lru_cache(maxsize=512)
def _pyformat(sql: str) -> str:
    """A statement with `:name` parameters as psycopg takes it: `%(name)s`, a literal % doubled."""
    return _BIND.sub(r"%(\1)s", sql.replace("%", "%%"))


# Connections in a `pipelined` block: id(psycopg connection) -> psycopg's pipeline (a context
# manager) sending the statements since the last read, or None when none was run since.
_PIPELINED: dict[int, object] = {}


@contextmanager
def pipelined(connection):
    """Statements run in the block that nobody reads the result of (writes) wait and go to the
    server with the next one whose result is read (`rows`, `first`, `scalar`, `rowcount`), or at
    the block's end: on PostgreSQL, a round trip per read instead of one per statement
    (psycopg's pipeline mode). They still run in order, each seeing what the ones before it did,
    each with its own snapshot. A failing statement raises at the next read or at the block's
    end, and the statements sent with it after it do not run: keep statements whose failure is
    caught and handled out of the block, and `stream` out of it too (psycopg cannot pipeline a
    server-side cursor). SQLite: statements run as they come (in-process, there are no round
    trips to save)."""
    raw = driver(connection)
    if isinstance(raw, sqlite3.Connection) or id(raw) in _PIPELINED:
        yield
        return
    _PIPELINED[id(raw)] = None
    try:
        yield
    except BaseException as error:
        pipeline = _PIPELINED.pop(id(raw))
        if pipeline is not None:
            pipeline.__exit__(type(error), error, error.__traceback__)
        raise
    try:
        _send(raw)
    finally:
        del _PIPELINED[id(raw)]


def _queue(raw) -> None:
    """In a `pipelined` block, open a pipeline for the statements to come if none is open."""
    if id(raw) in _PIPELINED and _PIPELINED[id(raw)] is None:
        pipeline = raw.pipeline()
        pipeline.__enter__()
        _PIPELINED[id(raw)] = pipeline


def _send(raw) -> None:
    """Send what a `pipelined` block queued on this connection and wait for all its results."""
    pipeline = _PIPELINED.get(id(raw))
    if pipeline is not None:
        _PIPELINED[id(raw)] = None
        pipeline.__exit__(None, None, None)


def _read(connection, sql: str, params: dict | None):
    """The cursor of a statement whose result is read now (it ends a `pipelined` round trip)."""
    cursor = execute(connection, sql, params)
    if _PIPELINED:
        _send(driver(connection))
    return cursor


def _typed(cursor, found) -> list:
    """`found`, rows of `cursor`, typed (see `typed_row`); the rows of ordercli's own sqlite3
    connections already are, by their row factory. Rows are fetched before the description is
    read: in psycopg's pipeline mode a cursor has no description until its results came back."""
    if isinstance(cursor, sqlite3.Cursor) and cursor.row_factory is _row_factory:
        return list(found)
    fields = tuple(column[0] for column in cursor.description)
    return [typed_row(fields, row) for row in found]


def rows(connection, sql: str, params: dict | None = None) -> list:
    """Every row of a query, typed (see `typed_row`)."""
    cursor = _read(connection, sql, params)
    return _typed(cursor, cursor.fetchall())


def first(connection, sql: str, params: dict | None = None):
    """The first row of a query, typed, or None."""
    cursor = _read(connection, sql, params)
    row = cursor.fetchone()
    return None if row is None else _typed(cursor, [row])[0]


def scalar(connection, sql: str, params: dict | None = None):
    """The first column of the first row, as the driver gives it (untyped), or None."""
    row = _read(connection, sql, params).fetchone()
    return None if row is None else row[0]


def rowcount(connection, sql: str, params: dict | None = None) -> int:
    return _read(connection, sql, params).rowcount


def stream(connection, sql: str, params: dict | None = None, *, batch: int = 1000):
    """The rows of a large query, typed, read `batch` at a time: memory stays flat however many
    there are (a server-side cursor on PostgreSQL, the cursor itself on SQLite)."""
    connection = driver(connection)
    if isinstance(connection, sqlite3.Connection):
        cursor = execute(connection, sql, params)
    else:
        statement, values = _prepare(sql, params, False)
        if _PIPELINED:
            _send(connection)  # a server-side cursor cannot be pipelined
        cursor = connection.cursor(name=f"ordercli_stream_{next(_STREAMS)}")
        cursor.execute(_pyformat(statement), values)
    try:
        while chunk := cursor.fetchmany(batch):
            yield from _typed(cursor, chunk)
    finally:
        cursor.close()


_STREAMS = itertools.count()  # names of server-side cursors, unique in a process


def stream_tuples(connection, sql: str, params: dict | None = None, *, batch: int = 5000):
    """The rows of a large query as the driver's plain tuples, `batch` at a time, for rows that
    go out as they are (an export whose cells the query made): nothing is converted per value."""
    raw = driver(connection)
    if isinstance(raw, sqlite3.Connection):
        statement, values = _prepare(sql, params, True)
        cursor = raw.cursor()
        cursor.row_factory = None
        cursor.execute(statement, values)
    else:
        statement, values = _prepare(sql, params, False)
        if _PIPELINED:
            _send(raw)
        cursor = raw.cursor(name=f"ordercli_stream_{next(_STREAMS)}")
        cursor.execute(_pyformat(statement), values)
    try:
        while chunk := cursor.fetchmany(batch):
            yield from chunk
    finally:
        cursor.close()


def driver(connection):
    """The DB-API connection under either kind of connection."""
    connection = _unwrap(connection)
    if isinstance(connection, sqlite3.Connection):
        return connection
    return connection.connection.driver_connection


def copy_rows(connection, table: str, columns: list[str], values) -> None:
    """PostgreSQL: rows into `table` with COPY ... FROM STDIN, the fastest way in for many rows
    (no parameters to parse). COPY cannot be pipelined: what a `pipelined` block queued goes first."""
    raw = driver(connection)
    if _PIPELINED:
        _send(raw)
    with raw.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


def tuples(connection, sql: str) -> list[tuple]:
    """Every row as a plain tuple, straight from the driver: for large results with no parameters."""
    cursor = driver(connection).cursor()
    if isinstance(cursor, sqlite3.Cursor):
        cursor.row_factory = None  # plain tuples, not the attribute rows of prepare_sqlite
    try:
        if _PIPELINED:
            _send(driver(connection))  # what was queued goes first
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def insert(connection, sql: str, params: dict) -> int:
    """Run one INSERT and return the new row's id (lastrowid on SQLite, RETURNING elsewhere)."""
    if dialect_of(connection) == "sqlite":
        return execute(connection, sql, params).lastrowid
    return _read(connection, sql + " RETURNING id", params).fetchone()[0]


# What SQLite says when a unique constraint or index refuses a row: it names the columns, not
# the constraint. tests/integration/test_store.py checks this table against the schema.
UNIQUE_COLUMNS = {
    "uq_customers_email": "customers.email",
    "uq_products_sku": "products.sku",
    "uq_products_gtin": "products.gtin",
    "uq_locations_name": "locations.name",
    "uq_locations_one_default": "locations.is_default",
    "uq_promo_codes_code": "promo_codes.code",
    "uq_carriers_name": "carriers.name",
    "uq_invoices_number": "invoices.number",
    "uq_invoices_kind_year_seq": "invoices.kind, invoices.year, invoices.seq",
    "uq_orders_channel_ref": "orders.channel, orders.channel_ref",
    "uq_order_lines_order_line_no": "order_lines.order_id, order_lines.line_no",
    "uq_resources_name": "resources.name",
}


def is_unique_violation(error: BaseException, *constraints: str) -> bool:
    """Whether a driver error is one of the unique constraints (or unique indexes)
    `constraints` refusing a duplicate, on either backend."""
    original = getattr(error, "orig", error)
    text_ = str(original)
    if getattr(original, "sqlstate", None) == "23505":  # PostgreSQL unique_violation
        return any(f'"{name}"' in text_ for name in constraints)
    return isinstance(original, sqlite3.IntegrityError) and any(
        text_ == f"UNIQUE constraint failed: {UNIQUE_COLUMNS[name]}" for name in constraints)


def is_exclusion_violation(error: BaseException, constraint: str) -> bool:
    """Whether a driver error is PostgreSQL's exclusion constraint `constraint` refusing a row
    (SQLSTATE 23P01; SQLite has no exclusion constraints)."""
    original = getattr(error, "orig", error)
    return getattr(original, "sqlstate", None) == "23P01" and f'"{constraint}"' in str(original)
