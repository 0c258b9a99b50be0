"""Everything that differs between SQLite and PostgreSQL, so that services never ask which
database they are on.

- Row locks: on PostgreSQL a write transaction locks the rows it will change, always in a
  fixed order (orders, then products, each by id) so that two transactions cannot deadlock.
  FOR NO KEY UPDATE conflicts with itself but not with the KEY SHARE locks that foreign keys
  take, so inserting rows that refer to a locked row (history, ledger, lines) never waits.
  On SQLite, BEGIN IMMEDIATE already holds the whole database's write lock: no row locks.
  A transaction remembers the rows it locked by id and does not ask for them again.
- The import turn (`import_turn`): an import of orders locks customers and products a chunk
  of its file at a time, so across chunks out of that order; it runs alone among the
  transactions that lock products or place orders, which take the turn shared first.
- Round trips: on PostgreSQL every statement waits for the server; in a `sql.pipelined` block
  the writes go with the next read (psycopg's pipeline mode). SQLite runs in-process.
- Batch tables: a temporary table of input rows (order numbers, say) that one set-based
  statement joins against. Filled with one `unnest` on PostgreSQL, `executemany` on SQLite.
- Many rows at once (`insert_rows`): one statement on PostgreSQL, where each statement is a
  round trip to the server; executemany on SQLite, in-process.
"""

from __future__ import annotations

from contextlib import contextmanager

from ordercli.db.sql import Transaction, copy_rows, dialect_of, driver, execute, pipelined, rows, stored

# The lock a write takes on the rows it changes (see the module docstring).
_ROW_LOCK = "FOR NO KEY UPDATE"


def for_update(connection, of: str | None = None) -> str:
    """The clause that ends a SELECT to lock its rows until commit: empty on SQLite."""
    if dialect_of(connection) == "sqlite":
        return ""
    return f" {_ROW_LOCK}" + (f" OF {of}" if of else "")


def lock_rows(connection, select: str, params: dict | None = None, *, of: str | None = None,
              table: str | None = None) -> None:
    """Lock the rows `select` finds (it must order them, by id), on PostgreSQL only. With
    `table`, the select returns ids of that table: the transaction remembers them as locked
    (products: the import turn is taken first, see `import_turn`)."""
    if dialect_of(connection) == "sqlite":
        return
    with pipelined(connection):  # the import turn goes with the lock
        if table == "products":
            import_turn(connection)
        if table and isinstance(connection, Transaction):
            found = rows(connection, select + for_update(connection, of), params)
            connection.locked.setdefault(table, set()).update(row[0] for row in found)
        else:
            execute(connection, select + for_update(connection, of), params)


# The advisory lock of the import turn has two keys (so it is none that another program takes
# with one bigint key): "ordc" in ASCII, and the OID of the schema ordercli's tables are in, so
# that ordercli databases in other schemas of the same PostgreSQL database never wait for it.
IMPORT_TURN_KEY = 0x6F726463


def import_turn_sql(*, alone: bool) -> str:
    """The statement that takes the import turn (alone, or shared) in the current schema."""
    function = "pg_advisory_xact_lock" if alone else "pg_advisory_xact_lock_shared"
    return (f"SELECT {function}({IMPORT_TURN_KEY}, "
            "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())::int)")


def import_turn(connection, *, alone: bool = False) -> None:
    """Take the import turn (PostgreSQL; SQLite's write lock already makes every writer wait).

    An import of orders locks the customers of a chunk of its file, then the products the chunk
    promises from, then the next chunk's customers and products: across chunks that is not the
    order everyone else locks in (a customer before its products, products by id), so a `create`
    or a `ship` running meanwhile could deadlock with it and the server would abort one of the
    two, as likely the import of a whole file as the other. So an import takes the turn `alone`
    before it locks anything, and every transaction that locks products or places an order takes
    it shared before its first such lock: they run side by side, and an import waits for them
    to end, they for the import (bounded by lock_timeout, the busy timeout, like any lock).
    Held until the transaction ends; taken once per transaction (an import asks for it alone
    before anything takes it shared)."""
    if dialect_of(connection) == "sqlite":
        return
    if isinstance(connection, Transaction):
        if connection.turn is not None:
            if alone and connection.turn != "alone":
                raise RuntimeError("the import turn is taken alone before anything takes it shared")
            return
        connection.turn = "alone" if alone else "shared"
    # its result is not read: in a `pipelined` block it goes with the next read
    execute(connection, import_turn_sql(alone=alone))


def lock_ids(connection, table: str, ids) -> None:
    """Lock rows of `table` by id, in id order (PostgreSQL; SQLite holds its write lock). Rows
    this transaction locked before are not asked for again: a lock is held until it ends.
    Products: the import turn is taken first (`import_turn`)."""
    if dialect_of(connection) == "sqlite":
        return
    held = connection.locked.setdefault(table, set()) if isinstance(connection, Transaction) else set()
    wanted = sorted(set(ids) - held)
    if wanted:  # its result is not read: in a `pipelined` block it goes with the next read
        with pipelined(connection):  # and the import turn with it
            if table == "products":
                import_turn(connection)
            execute(connection, f"SELECT id FROM {table} WHERE id IN :ids ORDER BY id{for_update(connection)}",
                    {"ids": wanted})
        held.update(wanted)


def lock_table(connection, table: str) -> None:
    """Make writers of a small table take turns (rare changes with a rule across rows, such as
    exactly one default location); readers are not blocked. SQLite: its write lock does it."""
    if dialect_of(connection) != "sqlite":
        execute(connection, f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def update_where_in(connection, table: str, values: dict, column: str, keys) -> None:
    """Set columns of `table` (`values`: column -> value) in the rows whose `column` is one of
    `keys`: one statement on PostgreSQL (the keys as one array); on SQLite one per key
    (executemany), as a long IN (...) list makes SQLite slow down quadratically."""
    keys = list(keys)
    if not keys:
        return
    if dialect_of(connection) == "sqlite":
        shared = tuple(stored(value, True) for value in values.values())
        driver(connection).executemany(
            f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in values)} WHERE {column} = ?",
            [(*shared, key) for key in keys])
        return
    execute(connection, f"UPDATE {table} SET {', '.join(f'{c} = :set_{c}' for c in values)} WHERE {column} IN :keys",
            {**{f"set_{c}": value for c, value in values.items()}, "keys": keys})


def insert_rows(connection, table: str, columns: dict[str, str], values: list[tuple], *, same: dict | None = None,
                returning: str | None = None) -> list | None:
    """Insert rows, in the order given. `columns` maps each column to its SQL type (BIGINT,
    INTEGER, TEXT, BOOLEAN or TIMESTAMPTZ); `same` gives the value of the columns equal in every
    row; each tuple of `values` holds the other columns, in the order of `columns`.

    PostgreSQL: one INSERT ... SELECT FROM unnest(arrays) whatever the number of rows (psycopg's
    executemany runs the statement once per row), returning the typed rows of RETURNING
    `returning`; many rows without RETURNING go in by COPY (see `copies`). SQLite: executemany
    on the driver (no round trips to save there), returning None: the caller reads what it
    needs afterwards.
    """
    same = same or {}
    if dialect_of(connection) == "sqlite":
        varying = [kind for column, kind in columns.items() if column not in same]
        times = {i for i, kind in enumerate(varying) if kind == "TIMESTAMPTZ"}
        if times:
            values = [tuple(stored(v, True) if i in times else v for i, v in enumerate(row)) for row in values]
        if same:
            shared = tuple(stored(value, True) for value in same.values())
            values = [shared + tuple(row) for row in values]
        names = list(same) + [column for column in columns if column not in same]
        driver(connection).executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})", values)
        return None
    if not values:
        return [] if returning else None
    if not returning and copies(len(values)):
        shared = tuple(same.values())
        copy_rows(connection, table, list(same) + [c for c in columns if c not in same],
                  (shared + tuple(row) for row in values))
        return None
    sql, params = unnest_insert(table, columns, values, same)
    if returning:
        return rows(connection, f"{sql} RETURNING {returning}", params)
    execute(connection, sql, params)
    return None


# From this many rows on, COPY is the faster way in on PostgreSQL: 100,000 rows of two integers
# took 95 ms by COPY, 280 ms as unnest() of two array parameters (which the server parses).
# Fewer rows go by unnest: one statement, which can join a pipelined round trip.
_COPY_FROM = 1000


def copies(rows_: int) -> bool:
    """Whether `insert_rows` copies this many rows in (PostgreSQL) rather than inserting them."""
    return rows_ >= _COPY_FROM


def unnest_insert(table: str, columns: dict[str, str], values: list[tuple], same: dict | None = None,
                  prefix: str = "") -> tuple[str, dict]:
    """The PostgreSQL statement of `insert_rows` and its parameters (named after `prefix` and
    the columns), for a larger statement to include."""
    same = same or {}
    varying = [column for column in columns if column not in same]
    params = {f"{prefix}{column}": value for column, value in same.items()}
    params.update({f"{prefix}{column}": [row[i] for row in values] for i, column in enumerate(varying)})
    selected = [f"CAST(:{prefix}{column} AS {columns[column]})" for column in same] + [f"u.{c}" for c in varying]
    arrays = ", ".join(f"CAST(:{prefix}{column} AS {columns[column]}[])" for column in varying)
    return (f"INSERT INTO {table} ({', '.join(list(same) + varying)}) SELECT {', '.join(selected)} "
            f"FROM unnest({arrays}) WITH ORDINALITY AS u({', '.join(varying)}, row_number) "
            "ORDER BY u.row_number"), params


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
    insert_rows(connection, name, columns, values)
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


# -- text for CSV, made by the database (export streams rows without touching each value) ------

def csv_time(connection, column: str) -> str:
    """SQL for a stored UTC time as ISO 8601 to the second: 2026-11-29T10:15:00Z."""
    if dialect_of(connection) == "sqlite":  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC
        return f"(substr({column}, 1, 10) || 'T' || substr({column}, 12, 8) || 'Z')"
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"


def matches(connection, expression: str, pattern: str) -> str:
    """SQL: `expression` matches the pattern bound as `:{pattern}_glob` (SQLite's GLOB) or
    `:{pattern}_regex` (PostgreSQL's regular expressions): the caller binds both."""
    if dialect_of(connection) == "sqlite":
        return f"({expression} GLOB :{pattern}_glob)"
    return f"({expression} ~ :{pattern}_regex)"


def settle_changes(connection) -> None:
    """Wait until every transaction that is adding to the order history has committed, and
    keep new ones out until this transaction ends (PostgreSQL; SQLite's writers take turns
    anyway). Then the highest history id read here has no uncommitted id below it: an
    incremental export that reads up to it loses no change that commits later."""
    if dialect_of(connection) != "sqlite":
        execute(connection, "LOCK TABLE order_history IN SHARE MODE")


# -- time arithmetic in SQL ------------------------------------------------------------------------

# The periods `period_start` knows: a day, an ISO week (Monday to Sunday), a calendar month; UTC.
PERIODS = ("day", "week", "month")


def period_start(connection, column: str, by: str) -> str:
    """SQL for the first day of the day, ISO week (from Monday) or month in which the time in
    `column` falls, in UTC, as text 'YYYY-MM-DD' on both backends (so it sorts and compares
    alike). SQLite keeps times as UTC text; PostgreSQL truncates the UTC wall time, whatever
    the session's time zone."""
    if by not in PERIODS:
        raise ValueError(f"no period {by!r}: one of {', '.join(PERIODS)}")
    if dialect_of(connection) == "sqlite":
        whole = _whole_seconds(column)
        return {"day": f"date({whole})",
                "week": f"date({whole}, 'weekday 0', '-6 days')",  # the Sunday it ends on, less six days
                "month": f"strftime('%Y-%m-01', {whole})"}[by]
    return f"to_char(date_trunc('{by}', {column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


def epoch_seconds(connection, column: str) -> str:
    """SQL for the whole seconds from 1970-01-01 UTC to the time in `column` (its fraction of a
    second dropped), an integer on both backends: differences of two of them are the same
    whole numbers on SQLite and PostgreSQL, where fractions of days in floating point are not."""
    if dialect_of(connection) == "sqlite":
        return f"CAST(strftime('%s', {_whole_seconds(column)}) AS INTEGER)"
    return f"CAST(floor(EXTRACT(EPOCH FROM {column})) AS BIGINT)"


def _whole_seconds(column: str) -> str:
    """A stored SQLite time ('YYYY-MM-DD HH:MM:SS.ffffff', UTC) without its fraction: SQLite's
    date functions round to milliseconds, and 23:59:59.9996 would count as the next midnight."""
    return f"substr({column}, 1, 19)"
