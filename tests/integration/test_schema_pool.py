"""A PostgreSQL schema that tests/conftest.py hands to a test goes back to its worker's pool
afterwards and is handed to a later test (`_SchemaPool`): nothing a test left may reach the
next one, and a schema whose build a test changed is dropped, never handed out again."""

from __future__ import annotations

import re

import pytest

from tests.conftest import POSTGRES_URL, _schema_objects, _SchemaPool
from tests.helpers import CUSTOMER, Cli, close_shared_engines

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="the schema pool is PostgreSQL's (ORDERCLI_TEST_POSTGRES_URL)")


@pytest.fixture(scope="module")
def pool(postgres, postgres_migration):
    """A pool of its own, so that the schemas spoiled here are never the session's."""
    pool = _SchemaPool(postgres, postgres_migration)
    yield pool
    pool.close()


def name_of(url: str) -> str:
    return re.search(r"search_path%3D(\w+)", url).group(1)


def contents(postgres, schema: str, pool: _SchemaPool) -> dict:
    """Every table's rows and every sequence's position."""
    connection = postgres.connection
    found = {table: connection.execute(f"SELECT * FROM {schema}.{table} ORDER BY 1").fetchall() for table in pool.tables}
    found |= {sequence: connection.execute(f"SELECT last_value, is_called FROM {schema}.{sequence}").fetchone()
              for sequence in pool.sequences}
    return found


def fill(cli: Cli) -> None:
    """Rows in most tables, the order history and the stock ledger (append-only) among them."""
    for args in (("location", "add", "main"), ("product", "add", "TEA", "--name", "Tea", "--price", "2.00"),
                 ("stock", "receive", "TEA", "5"), ("create", *CUSTOMER, "--line", "TEA:2"),
                 ("verify", "1", "--by", "anna"), ("status", "1", "--to", "canceled")):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    close_shared_engines()


def test_a_schema_given_back_holds_what_a_new_one_holds_and_numbers_start_at_1_again(pool, postgres, tmp_path):
    with pool.schema() as url:
        fill(Cli(url, tmp_path))
        used = name_of(url)
    assert pool.free[-1] == used
    with pool.schema() as url:
        assert name_of(url) == used
        assert contents(postgres, used, pool) == contents(postgres, pool.seed, pool)
        assert _schema_objects(used) == _schema_objects(pool.seed)
        fill(Cli(url, tmp_path))
        assert Cli(url, tmp_path).json("show", "1")["status"] == "canceled"


@pytest.mark.parametrize("change", [
    "ALTER TABLE {s}.orders ADD COLUMN extra integer",
    "ALTER TABLE {s}.orders ALTER COLUMN note SET DEFAULT 'x'",
    "CREATE TABLE {s}.extra (id integer)",
    "CREATE INDEX extra ON {s}.orders (note)",
    "ALTER TABLE {s}.order_history DISABLE TRIGGER ALL",
    "GRANT SELECT ON {s}.orders TO PUBLIC",
    "COMMENT ON TABLE {s}.orders IS 'changed'",
    "ALTER SEQUENCE {s}.orders_id_seq INCREMENT BY 2",
    "DROP TABLE {s}.alembic_version",
    "CREATE FUNCTION {s}.extra() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
])
def test_a_schema_whose_build_a_test_changed_is_dropped(pool, postgres, change):
    with pool.schema() as url:
        used = name_of(url)
        postgres.connection.execute(change.format(s=used))
    assert used not in pool.free
    assert postgres.connection.execute("SELECT to_regnamespace(%s)", (used,)).fetchone() == (None,)


def test_a_schema_whose_tables_grew_large_is_dropped(pool, postgres):
    with pool.schema() as url:
        used = name_of(url)
        postgres.connection.execute(f"INSERT INTO {used}.addresses (line1, city, country) "
                                    "SELECT repeat('x', 200), 'Berlin', 'DE' FROM generate_series(1, 10000)")
    assert used not in pool.free
    assert postgres.connection.execute("SELECT to_regnamespace(%s)", (used,)).fetchone() == (None,)
