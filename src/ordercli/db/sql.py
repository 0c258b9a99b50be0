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


def dialect_of(connection) -> str:
    if isinstance(connection, sqlite3.Connection):
        return "sqlite"
    return connection.dialect.name


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
    return namedtuple("Row", fields, rename=True)


def _row_factory(cursor: sqlite3.Cursor, row: tuple):
    return _row_type(tuple(d[0] for d in cursor.description))(*row)


def prepare_sqlite(connection: sqlite3.Connection) -> None:
    """Rows from a raw sqlite3 connection read as attributes, like SQLAlchemy rows."""
    connection.row_factory = _row_factory


def execute(connection, sql: str, params: dict | list[dict] | None = None):
    """Run one statement (or one per dict when `params` is a list); returns the cursor/result."""
    sqlite = dialect_of(connection) == "sqlite"
    if isinstance(params, list):
        if not params:
            return None
        prepared = [_prepare(sql, p, sqlite) for p in params]
        statement = prepared[0][0]
        values = [p for _, p in prepared]
    else:
        statement, values = _prepare(sql, params, sqlite)
    if isinstance(connection, sqlite3.Connection):
        if isinstance(values, list):
            return connection.executemany(statement, values)
        return connection.execute(statement, values)
    from sqlalchemy import text

    return connection.execute(text(statement), values)


def rows(connection, sql: str, params: dict | None = None) -> list:
    return list(execute(connection, sql, params))


def first(connection, sql: str, params: dict | None = None):
    return execute(connection, sql, params).fetchone()


def scalar(connection, sql: str, params: dict | None = None):
    row = first(connection, sql, params)
    return None if row is None else row[0]


def rowcount(connection, sql: str, params: dict | None = None) -> int:
    return execute(connection, sql, params).rowcount


def driver(connection):
    """The DB-API connection under either kind of connection."""
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


def is_unique_violation(error: BaseException, constraint: str) -> bool:
    """Whether a driver error is the unique constraint `constraint` refusing a duplicate."""
    original = getattr(error, "orig", error)
    text_ = str(original)
    if getattr(original, "sqlstate", None) == "23505":  # PostgreSQL unique_violation
        return constraint in text_
    return type(original).__name__ == "IntegrityError" and "UNIQUE constraint failed" in text_
