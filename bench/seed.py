"""Bulk test data for the benchmarks: many orders written with set-based SQL, fast.

Not a product feature: it writes rows directly (one customer, one address, N orders with one
ad-hoc line each), after the schema is created by ordercli itself.
"""

from __future__ import annotations

from datetime import datetime

from ordercli.db.sql import dialect_of, execute, scalar


def seed_orders(database, count: int, *, verified: bool, now: datetime) -> list[int]:
    """Insert `count` open orders; returns their numbers."""
    database.ensure_schema()
    with database.write() as connection:
        execute(connection, "INSERT INTO addresses (line1, city, country) VALUES ('Obere Str. 57', 'Berlin', 'DE')")
        address = scalar(connection, "SELECT max(id) FROM addresses")
        execute(connection, "INSERT INTO customers (name, email, billing_address_id, shipping_address_id, created_at, "
                            "updated_at) VALUES ('Bench Customer', :email, :a, :a, :now, :now)",
                {"email": f"bench-{now.timestamp()}@example.com", "a": address, "now": now})
        customer = scalar(connection, "SELECT max(id) FROM customers")
        first = (scalar(connection, "SELECT max(id) FROM orders") or 0) + 1
        numbers = list(range(first, first + count))
        rows = [{"id": n, "c": customer, "a": address, "now": now, "v": now if verified else None} for n in numbers]
        sql = ("INSERT INTO orders (id, status, channel, currency, customer_id, billing_address_id, shipping_address_id, "
               "subtotal_minor, discount_minor, tax_minor, total_minor, placed_at, updated_at, verified_at, verified_by, "
               "verification_method) VALUES (:id, 'open', 'web', 'EUR', :c, :a, :a, 1000, 0, 190, 1190, :now, :now, :v, "
               + ("'bench', 'automatic')" if verified else "NULL, NULL)"))
        _insert_many(connection, sql, rows)
        _insert_many(connection, "INSERT INTO order_lines (order_id, line_no, sku, description, kind, quantity, "
                                 "unit_price_minor, discount_minor, order_discount_minor, tax_rate_bp, net_minor, tax_minor, "
                                 "delivery_method) VALUES (:id, 1, 'FEE', 'Service fee', 'service', 1, 1000, 0, 0, 1900, "
                                 "1000, 190, 'service')", [{"id": n} for n in numbers])
        if dialect_of(connection) == "postgresql":
            execute(connection, "SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders))")
    return numbers


def _insert_many(connection, sql: str, rows: list[dict], chunk: int = 10_000) -> None:
    for start in range(0, len(rows), chunk):
        execute(connection, sql, rows[start:start + chunk])
