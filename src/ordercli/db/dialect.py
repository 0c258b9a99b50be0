"""Everything that differs between SQLite and PostgreSQL, so that services never ask which
database they are on.

- Row locks: on PostgreSQL a write transaction locks the rows it will change, always in a
  fixed order (orders, then products, each by id) so that two transactions cannot deadlock.
  FOR NO KEY UPDATE conflicts with itself but not with the KEY SHARE locks that foreign keys
  take, so inserting rows that refer to a locked row (history, ledger, lines) never waits.
  On SQLite, BEGIN IMMEDIATE already holds the whole database's write lock: no row locks.
- Batch tables: a temporary table of input rows (order numbers, say) that one set-based
  statement joins against. Filled with one `unnest` on PostgreSQL, `executemany` on SQLite.
"""

from __future__ import annotations

from contextlib import contextmanager

from ordercli.db.sql import dialect_of, driver, execute

# The lock a write takes on the rows it changes (see the module docstring).
_ROW_LOCK = "FOR NO KEY UPDATE"


def for_update(connection, of: str | None = None) -> str:
    """The clause that ends a SELECT to lock its rows until commit: empty on SQLite."""
    if dialect_of(connection) == "sqlite":
        return ""
    return f" {_ROW_LOCK}" + (f" OF {of}" if of else "")


def lock_rows(connection, select: str, params: dict | None = None, *, of: str | None = None) -> None:
    """Lock the rows `select` finds (it must order them, by id), on PostgreSQL only."""
    if dialect_of(connection) != "sqlite":
        execute(connection, select + for_update(connection, of), params)


def lock_ids(connection, table: str, ids) -> None:
    """Lock rows of `table` by id, in id order (PostgreSQL; SQLite holds its write lock)."""
    if ids:
        lock_rows(connection, f"SELECT id FROM {table} WHERE id IN :ids ORDER BY id", {"ids": sorted(ids)})


def lock_table(connection, table: str) -> None:
    """Make writers of a small table take turns (rare changes with a rule across rows, such as
    exactly one default location); readers are not blocked. SQLite: its write lock does it."""
    if dialect_of(connection) != "sqlite":
        execute(connection, f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


_ARRAY_TYPES = {"BIGINT": "BIGINT[]", "INTEGER": "INTEGER[]", "TEXT": "TEXT[]"}


@contextmanager
def batch_table(connection, name: str, columns: dict[str, str], values: list[tuple], *, key: str,
                extra: str = ""):
    """A temporary table `name` holding `values` (tuples in the order of `columns`, a dict of
    column name to BIGINT, INTEGER or TEXT), with `key` as its primary key and `extra` column
    definitions after them. Dropped when the block ends; a failed transaction drops it anyway."""
    sqlite = dialect_of(connection) == "sqlite"
    definitions = []
    for column, kind in columns.items():
        if column == key:
            # On SQLite an INTEGER PRIMARY KEY is the row id itself: no second index to fill.
            definitions.append(f"{column} {'INTEGER' if sqlite and kind == 'BIGINT' else kind} PRIMARY KEY")
        else:
            definitions.append(f"{column} {kind} NOT NULL")
    if extra:
        definitions.append(extra)
    execute(connection, f"CREATE TEMP TABLE {name} ({', '.join(definitions)})")
    names = list(columns)
    if sqlite:
        driver(connection).executemany(
            f"INSERT INTO {name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})", values)
    elif values:
        arrays = ", ".join(f"CAST(:{column} AS {_ARRAY_TYPES[kind]})" for column, kind in columns.items())
        execute(connection, f"INSERT INTO {name} ({', '.join(names)}) SELECT * FROM unnest({arrays})",
                {column: [row[i] for row in values] for i, column in enumerate(names)})
    yield name
    execute(connection, f"DROP TABLE {name}")


@contextmanager
def temp_table_as(connection, name: str, select: str, *, index: str | None = None):
    """A temporary table made from a query (with an index on the columns `index` names), for a
    set-based step that reads it several times. Dropped when the block ends. The query takes no
    parameters (PostgreSQL's CREATE TABLE ... AS does not): inline constants."""
    execute(connection, f"CREATE TEMP TABLE {name} AS {select}")
    if index:
        execute(connection, f"CREATE INDEX {name}_index ON {name} ({index})")
    yield name
    execute(connection, f"DROP TABLE {name}")
