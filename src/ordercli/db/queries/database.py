"""The database as a whole: which tables it holds, how many rows each, which server and role."""

from __future__ import annotations

from ordercli.db.sql import dialect_of, rows, scalar


def table_names(connection) -> list[str]:
    """The tables of the database (on PostgreSQL: of the current schema), by name; SQLite's own
    tables (sqlite_sequence, sqlite_stat1) left out."""
    if dialect_of(connection) == "sqlite":
        sql = ("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
               "ORDER BY name")
    else:
        sql = ("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() "
               "ORDER BY table_name")
    return [row.name for row in rows(connection, sql)]


def table_sizes(connection) -> list[tuple[str, int]]:
    """(table, rows) for every table of the database, by name, but Alembic's record of the
    schema version."""
    return [(name, scalar(connection, f'SELECT count(*) FROM "{name}"')) for name in table_names(connection)
            if name != "alembic_version"]


def holds_rows(connection, table: str) -> bool:
    """Whether `table` holds at least one row (without counting them all)."""
    return scalar(connection, f'SELECT 1 FROM "{table}" LIMIT 1') is not None


def server_facts(connection) -> tuple[str | None, str | None]:
    """PostgreSQL's version and the role this connection acts as (None, None on SQLite)."""
    if dialect_of(connection) == "sqlite":
        return None, None
    found = rows(connection, "SELECT current_setting('server_version') AS version, current_user AS role")[0]
    return found.version, found.role


def current_schema(connection) -> str | None:
    """PostgreSQL: the schema new tables go to (the first of the search_path that exists), or
    None when none of it exists. SQLite: "main"."""
    if dialect_of(connection) == "sqlite":
        return "main"
    return scalar(connection, "SELECT current_schema()")
