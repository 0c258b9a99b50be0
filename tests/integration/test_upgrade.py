"""A database made by the first version of ordercli is upgraded on open, keeping its data."""

from datetime import datetime, timezone

from ordercli.db.engine import Database, known_revisions
from ordercli.db.migrate import upgrade
from ordercli.db.sql import execute, scalar
from tests.helpers import query

AT = datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc)


def make_first_version_database(target: str) -> None:
    """Schema 0001 with real data in it, written the way ordercli 0001 wrote it."""
    database = Database(target)
    before, after = upgrade(database, "0001")
    assert (before, after) == (None, "0001")
    with database.engine.begin() as connection:
        run = lambda sql, params=None: execute(connection, sql, params)  # noqa: E731
        run("INSERT INTO addresses (id, line1, city, postal_code, country) VALUES (1, 'Obere Str. 57', 'Berlin', '12209', 'DE')")
        run("INSERT INTO customers (id, name, email, billing_address_id, shipping_address_id, created_at, updated_at) "
            "VALUES (1, 'Maria Anders', 'maria@example.com', 1, 1, :at, :at)", {"at": AT})
        run("INSERT INTO products (id, sku, name, unit_price_minor, currency, tax_rate_bp, kind, created_at, updated_at) "
            "VALUES (1, 'CHAI', 'Chai', 1800, 'EUR', 700, 'physical', :at, :at), "
            "(2, 'EBOOK', 'Tea e-book', 500, 'EUR', 700, 'digital', :at, :at)", {"at": AT})
        for number, status in ((1, "open"), (2, "canceled"), (3, "ready_to_ship")):
            run("INSERT INTO orders (id, status, channel, currency, customer_id, billing_address_id, shipping_address_id, "
                "subtotal_minor, discount_minor, tax_minor, total_minor, placed_at, updated_at) VALUES "
                "(:n, :s, 'web', 'EUR', 1, 1, 1, 4100, 0, 287, 4387, :at, :at)", {"n": number, "s": status, "at": AT})
            run("INSERT INTO order_lines (order_id, line_no, product_id, sku, description, kind, quantity, unit_price_minor, "
                "discount_minor, order_discount_minor, tax_rate_bp, net_minor, tax_minor, delivery_method) VALUES "
                "(:n, 1, 1, 'CHAI', 'Chai', 'physical', 2, 1800, 0, 0, 700, 3600, 252, 'ship'), "
                "(:n, 2, 2, 'EBOOK', 'Tea e-book', 'digital', 1, 500, 0, 0, 700, 500, 35, 'download')", {"n": number})
            run("INSERT INTO order_history (order_id, at, actor, command, event, from_status, to_status, reason) "
                "VALUES (:n, :at, 'anna', 'create', 'created', NULL, 'open', 'web order')", {"n": number, "at": AT})
    database.dispose()


def test_a_first_version_database_is_upgraded_on_open_and_keeps_its_data(fresh_cli):
    make_first_version_database(fresh_cli.target)

    outcome = fresh_cli("list", "--json", "--sort", "number")
    assert outcome.exit_code == 0, outcome
    assert f"ordercli: upgraded the database schema from 0001 to {known_revisions()[-1]}" in outcome.stderr
    import json

    orders = json.loads(outcome.stdout)
    assert [(o["number"], o["status"], o["totals"]["total"]["amount"]) for o in orders] == [
        (1, "open", "43.87"), (2, "canceled", "43.87"), (3, "ready_to_ship", "43.87")]
    order = fresh_cli.json("show", "1")
    assert order["customer"]["email"] == "maria@example.com"
    assert order["history"][0]["actor"] == "anna"
    # physical lines of orders still holding stock now wait for it; digital lines never do
    assert [(l["sku"], l["waiting"]) for l in order["lines"]] == [("CHAI", 2), ("EBOOK", 0)]
    assert [l["waiting"] for l in fresh_cli.json("show", "2")["lines"]] == [0, 0]
    assert fresh_cli.json("product", "show", "CHAI")["active"] is True

    # stock arrives: the oldest waiting order first (1, then 3); the canceled one gets nothing
    assert fresh_cli("location", "add", "main").exit_code == 0
    assert fresh_cli("stock", "receive", "CHAI", "3").exit_code == 0
    assert [l["promised"] for l in fresh_cli.json("show", "1")["lines"]][0] == [{"location": "main", "quantity": 2}]
    third = fresh_cli.json("show", "3")["lines"][0]
    assert (third["promised"], third["waiting"]) == ([{"location": "main", "quantity": 1}], 1)
    assert fresh_cli("stock", "check").exit_code == 0

    # a second open is already up to date
    again = fresh_cli("list")
    assert again.exit_code == 0 and "upgraded" not in again.stderr


def test_upgrading_twice_at_once_migrates_once(fresh_cli):
    """Two processes opening an old database at the same moment: one migrates, one waits."""
    import subprocess
    import sys

    make_first_version_database(fresh_cli.target)
    procs = [subprocess.Popen([sys.executable, "-m", "ordercli", "--db", fresh_cli.target, "list", "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert sum("upgraded the database schema" in err for _, err in results) == 1
    database = Database(fresh_cli.target)
    with database.read() as connection:
        assert scalar(connection, "SELECT version_num FROM alembic_version") == known_revisions()[-1]
        assert scalar(connection, "SELECT count(*) FROM orders") == 3
    database.dispose()
    assert query(fresh_cli, "SELECT count(*) AS n FROM order_lines WHERE backordered")[0].n == 2


def test_a_0003_database_with_orders_in_every_status_is_upgraded_to_shipments(fresh_cli):
    """Schema 0003 (before shipments) with an order in each status: after the upgrade every order
    keeps its status and lines, none has a shipment, and a ready one ships."""
    from ordercli.domain.statuses import Status

    database = Database(fresh_cli.target)
    assert upgrade(database, "0003") == (None, "0003")
    with database.engine.begin() as connection:
        run = lambda sql, params=None: execute(connection, sql, params)  # noqa: E731
        run("INSERT INTO addresses (id, line1, city, country) VALUES (1, 'Obere Str. 57', 'Berlin', 'DE')")
        run("INSERT INTO customers (id, name, email, billing_address_id, shipping_address_id, created_at, updated_at) "
            "VALUES (1, 'Maria Anders', 'maria@example.com', 1, 1, :at, :at)", {"at": AT})
        run("INSERT INTO products (id, sku, name, unit_price_minor, currency, tax_rate_bp, kind, created_at, updated_at) "
            "VALUES (1, 'CHAI', 'Chai', 1800, 'EUR', 700, 'physical', :at, :at)", {"at": AT})
        run("INSERT INTO locations (id, name, kind, is_default, created_at) VALUES (1, 'main', 'warehouse', true, :at)",
            {"at": AT})
        run("INSERT INTO stock_levels (product_id, location_id, on_hand, reserved) VALUES (1, 1, 20, 2)")
        run("INSERT INTO stock_movements (at, actor, command, kind, product_id, location_id, on_hand_delta, "
            "reserved_delta) VALUES (:at, 'anna', 'stock receive', 'received', 1, 1, 20, 0)", {"at": AT})
        for number, status in enumerate(Status, start=1):
            run("INSERT INTO orders (id, status, channel, currency, customer_id, customer_name, customer_email, "
                "billing_address_id, shipping_address_id, subtotal_minor, discount_minor, tax_minor, total_minor, "
                "placed_at, updated_at, verified_at, verified_by, verification_method) VALUES "
                "(:n, :s, 'web', 'EUR', 1, 'Maria Anders', 'maria@example.com', 1, 1, 3600, 0, 252, 3852, :at, :at, "
                ":at, 'anna', 'phone')", {"n": number, "s": status.value, "at": AT})
            run("INSERT INTO order_lines (order_id, line_no, product_id, sku, description, kind, quantity, "
                "unit_price_minor, discount_minor, order_discount_minor, tax_rate_bp, net_minor, tax_minor, "
                "delivery_method) VALUES (:n, 1, 1, 'CHAI', 'Chai', 'physical', 2, 1800, 0, 0, 700, 3600, 252, 'ship')",
                {"n": number})
        ready = [s.value for s in Status].index("ready_to_ship") + 1
        run("INSERT INTO stock_movements (at, actor, command, kind, product_id, location_id, on_hand_delta, "
            "reserved_delta, order_id, order_line_id) VALUES (:at, 'anna', 'create', 'reserved', 1, 1, 0, 2, :n, "
            "(SELECT id FROM order_lines WHERE order_id = :n))", {"at": AT, "n": ready})
    database.dispose()

    listed = fresh_cli.json("list", "--sort", "number")
    assert [o["status"] for o in listed] == [s.value for s in Status]
    for number in range(1, len(Status) + 1):
        order = fresh_cli.json("show", str(number))
        assert order["shipments"] == [] and [(l["sku"], l["shipped"]) for l in order["lines"]] == [("CHAI", 0)]
    assert query(fresh_cli, "SELECT count(*) AS n FROM shipments")[0].n == 0
    assert fresh_cli("ship", str(ready)).exit_code == 0
    assert fresh_cli.json("show", str(ready))["status"] == "closed"
    assert fresh_cli("stock", "check").exit_code == 0
