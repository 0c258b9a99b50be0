"""What saves round trips to PostgreSQL gives the same results on both backends: many rows
inserted or copied in, updates by a list of keys, list parameters, pipelined statements."""

from datetime import datetime, timedelta, timezone

import pytest

from ordercli.db import dialect
from ordercli.db.sql import execute, is_unique_violation, pipelined, rows, scalar

AT = datetime(2026, 11, 29, 10, 30, 15, 123456, tzinfo=timezone.utc)
PRODUCT = {"created_at": "TIMESTAMPTZ", "updated_at": "TIMESTAMPTZ", "sku": "TEXT", "name": "TEXT",
           "unit_price_minor": "BIGINT", "currency": "TEXT", "tax_rate_bp": "INTEGER", "kind": "TEXT", "gtin": "TEXT",
           "active": "BOOLEAN"}
ADD = ("INSERT INTO products (sku, name, unit_price_minor, currency, tax_rate_bp, kind, active, created_at, updated_at) "
       "VALUES (:sku, :name, 100, 'EUR', 0, 'physical', true, :at, :at)")


@pytest.fixture
def store(cli):
    database = cli.database()
    yield database
    database.dispose()


def _add_products(transaction, count: int) -> None:
    dialect.insert_rows(transaction, "products", PRODUCT,
                        [(f"P{i:05d}", f"Product {i}", i, "EUR", 1900, "physical", None, i % 2 == 0)
                         for i in range(count)], same={"created_at": AT, "updated_at": AT})


@pytest.mark.parametrize("count", [3, 2_500])  # PostgreSQL: one INSERT ... unnest, or COPY
def test_many_rows_go_in_in_the_order_given_with_their_values(store, count):
    with store.write() as transaction:
        _add_products(transaction, count)
    with store.read() as connection:
        found = rows(connection, "SELECT sku, unit_price_minor, gtin, active, created_at FROM products ORDER BY id")
    assert [r.sku for r in found] == [f"P{i:05d}" for i in range(count)]
    assert [(r.unit_price_minor, r.gtin, r.active) for r in found[:3]] == [(0, None, True), (1, None, False),
                                                                          (2, None, True)]
    assert {r.created_at for r in found} == {AT}


def test_rows_are_updated_by_a_list_of_keys(store):
    later = AT + timedelta(hours=1)
    with store.write() as transaction:
        _add_products(transaction, 1_200)
        dialect.update_where_in(transaction, "products", {"active": False, "updated_at": later}, "sku",
                                [f"P{i:05d}" for i in range(0, 1_200, 3)])
        dialect.update_where_in(transaction, "products", {"active": False}, "sku", [])
    with store.read() as connection:
        found = rows(connection, "SELECT sku, active, updated_at FROM products ORDER BY id")
    changed = [r for r in found if r.updated_at == later]
    assert [r.sku for r in changed] == [f"P{i:05d}" for i in range(0, 1_200, 3)]
    assert not any(r.active for r in changed)
    assert sum(r.active for r in found) == 400  # the even ones not changed: 600 - 200


def test_list_parameters_match_as_in_lists_do(store):
    with store.write() as transaction:
        _add_products(transaction, 5)
    with store.read() as connection:
        def skus(sql: str, params: dict) -> list[str]:
            return [r.sku for r in rows(connection, f"SELECT sku FROM products WHERE {sql} ORDER BY sku", params)]

        assert skus("sku IN :skus", {"skus": ["P00003", "P00001", "NONE"]}) == ["P00001", "P00003"]
        assert skus("sku NOT IN :skus AND unit_price_minor IN :prices",
                    {"skus": ("P00000",), "prices": {0, 1, 2}}) == ["P00001", "P00002"]
        assert skus("sku IN :skus", {"skus": []}) == []


def test_pipelined_statements_run_in_order_and_each_sees_the_ones_before(store):
    with store.write() as transaction, pipelined(transaction):
        execute(transaction, ADD, {"sku": "A", "name": "first", "at": AT})
        execute(transaction, "UPDATE products SET name = 'second' WHERE sku = 'A'")
        assert scalar(transaction, "SELECT name FROM products WHERE sku = 'A'") == "second"
        execute(transaction, ADD, {"sku": "B", "name": "after the read", "at": AT})
    with store.read() as connection:
        assert [(r.sku, r.name) for r in rows(connection, "SELECT sku, name FROM products ORDER BY sku")] == [
            ("A", "second"), ("B", "after the read")]


def test_a_failing_pipelined_statement_raises_and_the_transaction_keeps_nothing(store):
    with pytest.raises(Exception) as caught:
        with store.write() as transaction, pipelined(transaction):
            execute(transaction, ADD, {"sku": "A", "name": "first", "at": AT})
            execute(transaction, ADD, {"sku": "A", "name": "again", "at": AT})
            execute(transaction, ADD, {"sku": "B", "name": "never", "at": AT})
            scalar(transaction, "SELECT count(*) FROM products")
    assert is_unique_violation(caught.value, "uq_products_sku")
    with store.read() as connection:
        assert scalar(connection, "SELECT count(*) FROM products") == 0


def test_a_pipelined_block_sends_its_last_writes_when_it_ends(store):
    with store.write() as transaction:
        with pipelined(transaction):
            execute(transaction, ADD, {"sku": "A", "name": "queued", "at": AT})
        assert scalar(transaction, "SELECT name FROM products WHERE sku = 'A'") == "queued"
