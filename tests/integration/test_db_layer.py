"""The database layer: typed rows, streaming, transactions that roll back, batch tables, and
unique constraints named alike on both backends."""

from datetime import datetime, timezone

import pytest

from ordercli.db import dialect
from ordercli.db.queries import orders
from ordercli.db.sql import UNIQUE_COLUMNS, execute, first, is_unique_violation, rows, scalar, stream
from ordercli.domain.statuses import ready_to_ship_blockers
from tests.helpers import query

AT = datetime(2026, 11, 29, 10, 30, 15, 123456, tzinfo=timezone.utc)


@pytest.fixture
def database(cli):
    database = cli.database()
    yield database
    database.dispose()


def _add_products(transaction, count: int, *, start: int = 0) -> None:
    execute(transaction, "INSERT INTO products (sku, name, unit_price_minor, currency, tax_rate_bp, kind, active, "
                         "created_at, updated_at) VALUES (:sku, 'P', 100, 'EUR', 0, 'physical', :active, :at, :at)",
            [{"sku": f"P{i:05d}", "active": i % 2 == 0, "at": AT} for i in range(start, start + count)])


def test_rows_read_times_as_aware_utc_and_flags_as_bools(database):
    with database.write() as transaction:
        _add_products(transaction, 2)
    with database.read() as connection:
        found = rows(connection, "SELECT sku, active, created_at, updated_at FROM products ORDER BY sku")
        single = first(connection, "SELECT created_at, active FROM products WHERE sku = 'P00001'")
    assert [(r.sku, r.active) for r in found] == [("P00000", True), ("P00001", False)]
    assert all(type(r.active) is bool for r in found)
    assert found[0].created_at == AT and found[0].created_at.tzinfo is not None
    assert found[0].created_at.utcoffset().total_seconds() == 0
    assert (single.created_at, single.active) == (AT, False)


def test_stream_reads_every_row_typed_a_batch_at_a_time(database):
    with database.write() as transaction:
        _add_products(transaction, 2_500)
    with database.read() as connection:
        streamed = stream(connection, "SELECT sku, active, created_at FROM products ORDER BY sku", batch=1000)
        first_row = next(streamed)
        rest = list(streamed)
    assert (first_row.sku, first_row.active, first_row.created_at) == ("P00000", True, AT)
    assert len(rest) == 2_499 and rest[-1].sku == "P02499" and rest[-1].active is False


def test_a_rolled_back_transaction_keeps_nothing_and_a_plain_one_commits(database):
    with database.write() as transaction:
        _add_products(transaction, 3)
        transaction.rollback()
    with database.write() as transaction:
        _add_products(transaction, 1, start=10)
    with database.read() as connection:
        assert [r.sku for r in rows(connection, "SELECT sku FROM products")] == ["P00010"]


def test_a_failing_transaction_keeps_nothing(database):
    with pytest.raises(ZeroDivisionError):
        with database.write() as transaction:
            _add_products(transaction, 3)
            1 / 0
    with database.read() as connection:
        assert scalar(connection, "SELECT count(*) FROM products") == 0


def test_batch_tables_compose_within_one_transaction(database):
    """Two batches one after the other in one transaction: the table is made and dropped each time."""
    with database.write() as transaction:
        for numbers in ([(5, 0), (7, 1)], [(9, 0)]):
            with dialect.batch_table(transaction, "status_batch", {"number": "BIGINT", "pos": "INTEGER"}, numbers,
                                     key="number", extra="skip INTEGER NOT NULL DEFAULT 0") as batch:
                assert [tuple(r) for r in rows(transaction, f"SELECT number, pos, skip FROM {batch} ORDER BY pos")] \
                    == [(n, p, 0) for n, p in numbers]
        with pytest.raises(Exception):
            execute(transaction, "SELECT count(*) FROM status_batch")
        transaction.rollback()


# A statement that, run twice, breaks each unique constraint (the order ones: see below).
DUPLICATES = {
    "uq_customers_email": "INSERT INTO customers (name, email, created_at, updated_at) VALUES ('a', 'x@y.z', :at, :at)",
    "uq_products_sku": "INSERT INTO products (sku, name, unit_price_minor, currency, tax_rate_bp, kind, created_at, "
                       "updated_at) VALUES ('S', 'n', 1, 'EUR', 0, 'physical', :at, :at)",
    "uq_products_gtin": "INSERT INTO products (sku, name, unit_price_minor, currency, tax_rate_bp, kind, gtin, "
                        "created_at, updated_at) VALUES (:sku, 'n', 1, 'EUR', 0, 'physical', '4006381333931', :at, :at)",
    "uq_locations_name": "INSERT INTO locations (name, kind, is_default, created_at) VALUES ('main', 'store', false, :at)",
    "uq_locations_one_default": "INSERT INTO locations (name, kind, is_default, created_at) VALUES (:sku, 'store', true, :at)",
    "uq_promo_codes_code": "INSERT INTO promo_codes (code, percent_bp, uses, created_at) VALUES ('C', 100, 0, :at)",
    "uq_carriers_name": "INSERT INTO carriers (name, created_at) VALUES ('DHL', :at)",
    "uq_resources_name": "INSERT INTO resources (name, kind, created_at) VALUES ('tom', 'technician', :at)",
}


def test_every_unique_constraint_is_exercised_here():
    # orders and invoices need rows they refer to: tested below and in test_invoice_numbering.py
    assert set(DUPLICATES) | {"uq_orders_channel_ref", "uq_order_lines_order_line_no", "uq_invoices_number",
                              "uq_invoices_kind_year_seq"} == set(UNIQUE_COLUMNS)


@pytest.mark.parametrize("constraint", sorted(DUPLICATES))
def test_a_unique_violation_is_known_by_its_constraint_name_on_both_backends(database, constraint):
    with database.write() as transaction:
        execute(transaction, DUPLICATES[constraint], {"at": AT, "sku": "FIRST"})
    with pytest.raises(Exception) as caught:
        with database.write() as transaction:
            execute(transaction, DUPLICATES[constraint], {"at": AT, "sku": "SECOND"})
    assert is_unique_violation(caught.value, constraint)
    assert not is_unique_violation(caught.value, *[name for name in UNIQUE_COLUMNS if name != constraint])


def test_the_same_channel_reference_twice_is_refused_by_name(cli, make_order, database):
    make_order(extra=("--channel", "web", "--ref", "W-1"))
    with pytest.raises(Exception) as caught:
        with database.write() as transaction:
            execute(transaction, "INSERT INTO orders (status, channel, channel_ref, currency, customer_id, customer_name, "
                                 "billing_address_id, shipping_address_id, subtotal_minor, discount_minor, tax_minor, "
                                 "total_minor, placed_at, updated_at) SELECT status, channel, channel_ref, currency, "
                                 "customer_id, customer_name, billing_address_id, shipping_address_id, subtotal_minor, "
                                 "discount_minor, tax_minor, total_minor, placed_at, updated_at FROM orders")
    assert is_unique_violation(caught.value, "uq_orders_channel_ref")
    assert not is_unique_violation(caught.value, "uq_products_sku", "uq_order_lines_order_line_no")
    with pytest.raises(Exception) as caught:
        with database.write() as transaction:
            execute(transaction, "INSERT INTO order_lines (order_id, line_no, sku, description, kind, quantity, "
                                 "unit_price_minor, discount_minor, order_discount_minor, tax_rate_bp, net_minor, "
                                 "tax_minor, delivery_method) SELECT order_id, line_no, sku, description, kind, quantity, "
                                 "unit_price_minor, discount_minor, order_discount_minor, tax_rate_bp, net_minor, "
                                 "tax_minor, delivery_method FROM order_lines")
    assert is_unique_violation(caught.value, "uq_order_lines_order_line_no")
    assert not is_unique_violation(caught.value, "uq_orders_channel_ref")


def test_the_unique_constraint_table_matches_the_schema():
    """Every unique constraint and unique index of the tables is known by its columns."""
    from sqlalchemy import UniqueConstraint
    from sqlmodel import SQLModel

    import ordercli.db.tables  # noqa: F401 - registers the tables

    found = {}
    for table in SQLModel.metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                found[constraint.name] = ", ".join(f"{table.name}.{c.name}" for c in constraint.columns)
        for index in table.indexes:
            if index.unique:
                found[index.name] = ", ".join(f"{table.name}.{c.name}" for c in index.columns)
    assert found == UNIQUE_COLUMNS


def test_the_not_ready_query_agrees_with_the_domain_rule(cli, database):
    """`batch_not_ready` restates ready_to_ship_blockers in SQL: both say the same for every
    combination of verified and waiting lines."""
    assert cli("location", "add", "main").exit_code == 0
    assert cli("product", "add", "W", "--name", "Widget", "--price", "1.00").exit_code == 0
    from tests.helpers import CUSTOMER

    cases = {}
    for verified in (False, True):
        for waiting in (0, 1, 2):
            args = ["create", *CUSTOMER, "--backorder"]
            args += ["--line", "FEE:1@1.00:Fee"] + ["--line", "W:1"] * waiting
            outcome = cli(*args)
            assert outcome.exit_code == 0, outcome
            number = int(outcome.stdout)
            if verified:
                assert cli("verify", str(number), "--by", "anna").exit_code == 0
            cases[number] = (verified, waiting)
    with database.write() as transaction:
        with dialect.batch_table(transaction, "status_batch", {"number": "BIGINT", "pos": "INTEGER"},
                                 [(n, i) for i, n in enumerate(cases)], key="number",
                                 extra="skip INTEGER NOT NULL DEFAULT 0") as batch:
            sql = {r.number: ready_to_ship_blockers(r.verified, r.unpromised)
                   for r in orders.batch_not_ready(transaction, batch, "ready_to_ship", [])}
        transaction.rollback()
    domain = {n: ready_to_ship_blockers(v, w) for n, (v, w) in cases.items()}
    assert {n: b for n, b in domain.items() if b} == sql
    assert query(cli, "SELECT count(*) AS n FROM order_lines WHERE backordered")[0].n == 6
