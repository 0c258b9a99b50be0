"""Bulk test data for the benchmarks: many orders written with set-based SQL, fast.

Not a product feature: it writes rows directly, after the schema is created by ordercli
itself. Orders get ad-hoc service lines, or lines of the given catalogue products (which then
hold no stock yet: promising is what the benchmarks measure).
"""

from __future__ import annotations

from datetime import datetime

from ordercli.db.sql import dialect_of, execute, rows, scalar


def seed_orders(database, count: int, *, verified: bool, now: datetime, products: list[tuple[int, str]] | None = None,
                lines_per_order: int = 1) -> list[int]:
    """Insert `count` open orders; returns their numbers. With `products` [(id, sku)], each
    order gets `lines_per_order` physical lines of 1 unit (cycling through the products)."""
    database.ensure_schema()
    with database.write() as connection:
        execute(connection, "INSERT INTO addresses (line1, city, country) VALUES ('Obere Str. 57', 'Berlin', 'DE')")
        address = scalar(connection, "SELECT max(id) FROM addresses")
        execute(connection, "INSERT INTO customers (name, email, billing_address_id, shipping_address_id, created_at, "
                            "updated_at) VALUES ('Bench Customer', :email, :a, :a, :now, :now)",
                {"email": f"bench-{first_free_id(connection)}@example.com", "a": address, "now": now})
        customer = scalar(connection, "SELECT max(id) FROM customers")
        first = (scalar(connection, "SELECT max(id) FROM orders") or 0) + 1
        numbers = list(range(first, first + count))
        order_rows = [{"id": n, "c": customer, "a": address, "now": now, "v": now if verified else None} for n in numbers]
        sql = ("INSERT INTO orders (id, status, channel, currency, customer_id, customer_name, billing_address_id, "
               "shipping_address_id, subtotal_minor, discount_minor, tax_minor, total_minor, placed_at, updated_at, "
               "verified_at, verified_by, verification_method) VALUES (:id, 'open', 'web', 'EUR', :c, 'Bench Customer', "
               ":a, :a, 1000, 0, 190, 1190, :now, :now, :v, "
               + ("'bench', 'automatic')" if verified else "NULL, NULL)"))
        _insert_many(connection, sql, order_rows)
        if products:
            lines = [{"id": n, "no": k + 1, "p": products[(i * lines_per_order + k) % len(products)][0],
                      "sku": products[(i * lines_per_order + k) % len(products)][1]}
                     for i, n in enumerate(numbers) for k in range(lines_per_order)]
            _insert_many(connection, "INSERT INTO order_lines (order_id, line_no, product_id, sku, description, kind, "
                                     "quantity, unit_price_minor, discount_minor, order_discount_minor, tax_rate_bp, "
                                     "net_minor, tax_minor, delivery_method) VALUES (:id, :no, :p, :sku, 'Bench item', "
                                     "'physical', 1, 100, 0, 0, 0, 100, 0, 'ship')", lines)
        else:
            _insert_many(connection, "INSERT INTO order_lines (order_id, line_no, sku, description, kind, quantity, "
                                     "unit_price_minor, discount_minor, order_discount_minor, tax_rate_bp, net_minor, "
                                     "tax_minor, delivery_method) VALUES (:id, 1, 'FEE', 'Service fee', 'service', 1, "
                                     "1000, 0, 0, 1900, 1000, 190, 'service')", [{"id": n} for n in numbers])
        if dialect_of(connection) == "postgresql":
            execute(connection, "SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders))")
    return numbers


def seed_catalogue(database, count: int, *, units: int, now: datetime) -> list[tuple[int, str]]:
    """`count` physical products with `units` on hand each at location `main` (made here)."""
    database.ensure_schema()
    with database.write() as connection:
        if not scalar(connection, "SELECT count(*) FROM locations"):
            execute(connection, "INSERT INTO locations (name, kind, is_default, created_at) "
                                "VALUES ('main', 'warehouse', true, :now)", {"now": now})
        location = scalar(connection, "SELECT id FROM locations WHERE is_default")
        _insert_many(connection, "INSERT INTO products (sku, name, unit_price_minor, currency, tax_rate_bp, kind, "
                                 "active, created_at, updated_at) VALUES (:sku, :sku, 100, 'EUR', 0, 'physical', true, "
                                 ":now, :now)", [{"sku": f"BENCH-{i:05d}", "now": now} for i in range(count)])
        products = [(r.id, r.sku) for r in rows(connection, "SELECT id, sku FROM products WHERE sku LIKE 'BENCH-%' "
                                                           "ORDER BY id")]
        _insert_many(connection, "INSERT INTO stock_levels (product_id, location_id, on_hand, reserved) "
                                 "VALUES (:p, :l, :u, 0)", [{"p": p, "l": location, "u": units} for p, _ in products])
        _insert_many(connection, "INSERT INTO stock_movements (at, actor, command, kind, product_id, location_id, "
                                 "on_hand_delta, reserved_delta) VALUES (:now, 'bench', 'bench', 'received', :p, :l, :u, 0)",
                     [{"p": p, "l": location, "u": units, "now": now} for p, _ in products])
    return products


def first_free_id(connection) -> int:
    return (scalar(connection, "SELECT max(id) FROM customers") or 0) + 1


def _insert_many(connection, sql: str, rows: list[dict], chunk: int = 10_000) -> None:
    for start in range(0, len(rows), chunk):
        execute(connection, sql, rows[start:start + chunk])
