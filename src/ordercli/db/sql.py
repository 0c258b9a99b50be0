"""Run hand-written SQL on either kind of connection ordercli opens.

On SQLite, reads and writes alike use the standard library's sqlite3 directly: loading
SQLAlchemy costs more than everything else `ordercli show` does (see bench/startup.py).
PostgreSQL, and migrations on either backend, use SQLAlchemy connections. The same SQL text
runs on both through this module: `:name` parameters, `IN :names` for lists, datetimes stored
as UTC the way SQLAlchemy stores them on SQLite, and rows whose columns read as attributes.
Driver errors are not handled here: Database's transactions (db/engine.py) translate them,
also those of statements run on the driver's own cursor (`tuples`), which SQLAlchemy never sees.
"""

from __future__ import annotations

import re
import sqlite3
from collections import namedtuple
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

    __slots__ = ("connection", "rolled_back")

    def __init__(self, connection) -> None:
        self.connection = connection
        self.rolled_back = False

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
_FLAG_COLUMNS = frozenset({"active", "is_default", "backordered", "verified"})


def _converter(name: str):
    if name in _TIME_COLUMNS or name.endswith("_at"):
        return as_utc
    if name in _FLAG_COLUMNS:
        return bool
    return None


def _value(value, sqlite: bool):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: ordercli stores UTC and needs aware datetimes")
        value = value.astimezone(timezone.utc)
        return value.strftime(SQLITE_TIME_FORMAT) if sqlite else value
    return value


def _prepare(sql: str, params: dict | None, sqlite: bool) -> tuple[str, dict]:
    """Expand `IN :name` list parameters and convert datetimes."""
    params = dict(params or {})
    lists = {name for name in _IN_LIST.findall(sql) if isinstance(params.get(name), (list, tuple, set, frozenset))}
    for name in lists:
        values = list(params.pop(name))
        if not values:
            if re.search(rf"NOT\s+IN\s+:{name}\b", sql):
                raise ValueError(f"NOT IN with an empty list :{name} is never true in SQL; leave the condition out")
            sql = re.sub(rf"IN\s+:{name}\b", "IN (NULL)", sql)  # matches nothing, like an empty list
            continue
        names = [f"{name}__{i}" for i in range(len(values))]
        sql = re.sub(rf"IN\s+:{name}\b", "IN (" + ", ".join(f":{n}" for n in names) + ")", sql)
        params.update(zip(names, values))
    return sql, {k: _value(v, sqlite) for k, v in params.items()}


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
    """Run one statement (or one per dict when `params` is a list); returns the cursor/result."""
    connection = _unwrap(connection)
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
    from sqlalchemy import text

    return connection.execute(text(statement), values)


def _typed(result):
    """Typed rows of a result of either driver (sqlite3 rows are typed by the row factory)."""
    if isinstance(result, sqlite3.Cursor):
        return result
    fields = tuple(result.keys())
    return (typed_row(fields, row) for row in result)


def rows(connection, sql: str, params: dict | None = None) -> list:
    """Every row of a query, typed (see `typed_row`)."""
    return list(_typed(execute(connection, sql, params)))


def first(connection, sql: str, params: dict | None = None):
    """The first row of a query, typed, or None."""
    return next(iter(_typed(execute(connection, sql, params))), None)


def scalar(connection, sql: str, params: dict | None = None):
    """The first column of the first row, as the driver gives it (untyped), or None."""
    row = execute(connection, sql, params).fetchone()
    return None if row is None else row[0]


def rowcount(connection, sql: str, params: dict | None = None) -> int:
    return execute(connection, sql, params).rowcount


def stream(connection, sql: str, params: dict | None = None, *, batch: int = 1000):
    """The rows of a large query, typed, read `batch` at a time: memory stays flat however many
    there are (a server-side cursor on PostgreSQL, the cursor itself on SQLite)."""
    connection = _unwrap(connection)
    if isinstance(connection, sqlite3.Connection):
        cursor = execute(connection, sql, params)
        while chunk := cursor.fetchmany(batch):
            yield from chunk
        return
    from sqlalchemy import text

    statement, values = _prepare(sql, params, False)
    result = connection.execute(text(statement), values, execution_options={"stream_results": True,
                                                                              "max_row_buffer": batch})
    fields = tuple(result.keys())
    for row in result:
        yield typed_row(fields, row)


def driver(connection):
    """The DB-API connection under either kind of connection."""
    connection = _unwrap(connection)
    if isinstance(connection, sqlite3.Connection):
        return connection
    return connection.connection.driver_connection


def tuples(connection, sql: str) -> list[tuple]:
    """Every row as a plain tuple, straight from the driver: for large results with no parameters."""
    cursor = driver(connection).cursor()
    if isinstance(cursor, sqlite3.Cursor):
        cursor.row_factory = None  # plain tuples, not the attribute rows of prepare_sqlite
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def insert(connection, sql: str, params: dict) -> int:
    """Run one INSERT and return the new row's id (lastrowid on SQLite, RETURNING elsewhere)."""
    if dialect_of(connection) == "sqlite":
        return execute(connection, sql, params).lastrowid
    return execute(connection, sql + " RETURNING id", params).scalar()


# What SQLite says when a unique constraint or index refuses a row: it names the columns, not
# the constraint. tests/integration/test_store.py checks this table against the schema.
UNIQUE_COLUMNS = {
    "uq_customers_email": "customers.email",
    "uq_products_sku": "products.sku",
    "uq_products_gtin": "products.gtin",
    "uq_locations_name": "locations.name",
    "uq_locations_one_default": "locations.is_default",
    "uq_promo_codes_code": "promo_codes.code",
    "uq_orders_channel_ref": "orders.channel, orders.channel_ref",
    "uq_order_lines_order_line_no": "order_lines.order_id, order_lines.line_no",
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
