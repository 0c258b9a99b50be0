"""The order history and the stock ledger cannot be rewritten by any statement, whoever sends it.

Each statement runs on a plain connection of the database's own driver, as another program
would send it (no ordercli settings such as SQLite's recursive_triggers).
"""

import sqlite3

import pytest

from tests.conftest import POSTGRES_URL, _psycopg_conninfo
from tests.helpers import query

MESSAGES = {"order_history": "order history is append-only", "stock_movements": "the stock ledger is append-only"}

# (name, statement) per backend; {t} is the table, row 1 exists, {cols}/{vals} re-insert row 1.
SQLITE_STATEMENTS = [
    ("update", "UPDATE {t} SET actor = 'mallory'"),
    ("update or replace", "UPDATE OR REPLACE {t} SET actor = 'mallory' WHERE id = 1"),
    ("delete one", "DELETE FROM {t} WHERE id = 1"),
    ("delete all", "DELETE FROM {t}"),
    ("replace into", "REPLACE INTO {t} ({cols}) VALUES ({vals})"),
    ("insert or replace", "INSERT OR REPLACE INTO {t} ({cols}) VALUES ({vals})"),
    ("upsert", "INSERT INTO {t} ({cols}) VALUES ({vals}) ON CONFLICT (id) DO UPDATE SET actor = 'mallory'"),
    ("upsert do nothing is still no rewrite", "INSERT INTO {t} ({cols}) VALUES ({vals}) ON CONFLICT DO NOTHING"),
]
POSTGRES_STATEMENTS = [
    ("update", "UPDATE {t} SET actor = 'mallory'"),
    ("delete all", "DELETE FROM {t}"),
    ("upsert", "INSERT INTO {t} ({cols}) VALUES ({vals}) ON CONFLICT (id) DO UPDATE SET actor = 'mallory'"),
    ("merge", "MERGE INTO {t} AS x USING (SELECT 1 AS id) AS s ON x.id = s.id "
              "WHEN MATCHED THEN UPDATE SET actor = 'mallory'"),
    ("truncate", "TRUNCATE {t}"),
    ("truncate restart identity", "TRUNCATE {t} RESTART IDENTITY"),
    ("truncate through cascade", "TRUNCATE orders, products CASCADE"),
]


@pytest.fixture
def filled(cli, make_order):
    """A database with one history entry and one ledger entry (id 1 in each) and more after."""
    for args in (("location", "add", "main"), ("product", "add", "TEA", "--name", "Tea", "--price", "2.00"),
                 ("stock", "receive", "TEA", "5")):
        assert cli(*args).exit_code == 0
    make_order("TEA:1")
    assert cli("verify", "1", "--by", "Anna").exit_code == 0
    return cli


def _row_one(cli, table: str) -> tuple[str, str]:
    """Column list and SQL literals that re-insert row 1 of `table` with a different actor."""
    row = query(cli, f"SELECT * FROM {table} WHERE id = 1")[0]
    columns = row._fields
    values = []
    for name in columns:
        value = getattr(row, name)
        if name == "actor":
            value = "mallory"
        if value is None:
            values.append("NULL")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            values.append(str(value))
        else:
            values.append("'" + str(value).replace("'", "''") + "'")
    return ", ".join(columns), ", ".join(values)


def _snapshot(cli, table: str) -> list:
    return [tuple(r) for r in query(cli, f"SELECT * FROM {table} ORDER BY id")]


def _run_elsewhere(cli, backend: str, statement: str) -> None:
    """Run one statement the way another program would; raises what the driver raises."""
    if backend == "sqlite":
        connection = sqlite3.connect(cli.target, isolation_level=None)
        try:
            connection.execute("BEGIN")
            try:
                connection.execute(statement)
            finally:
                connection.execute("ROLLBACK") if connection.in_transaction else None
        finally:
            connection.close()
        return
    import psycopg
    from sqlalchemy.engine import make_url

    options = make_url(cli.target).query["options"]
    with psycopg.connect(_psycopg_conninfo(POSTGRES_URL), options=options) as connection:
        try:
            connection.execute(statement)
        finally:
            connection.rollback()


@pytest.mark.parametrize("table", sorted(MESSAGES))
def test_no_statement_rewrites_an_append_only_table(filled, backend, table):
    cli = filled
    before = _snapshot(cli, table)
    assert len(before) >= 2
    columns, values = _row_one(cli, table)
    statements = SQLITE_STATEMENTS if backend == "sqlite" else POSTGRES_STATEMENTS
    for name, template in statements:
        statement = template.format(t=table, cols=columns, vals=values)
        with pytest.raises(Exception, match=MESSAGES[table] if "cascade" not in name else "append-only") as caught:
            _run_elsewhere(cli, backend, statement)
        assert caught.value is not None, name
        assert _snapshot(cli, table) == before, name


def test_new_rows_are_still_appended(filled, backend):
    """The guards refuse rewrites only: ordinary appends (and their ids) work as before."""
    cli = filled
    before = len(_snapshot(cli, "order_history"))
    assert cli("status", "1", "--to", "canceled", "--reason", "test").exit_code == 0
    assert len(_snapshot(cli, "order_history")) == before + 1
    assert cli("stock", "check").exit_code == 0
