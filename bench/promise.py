"""Promising and releasing stock at scale, in one process: reservations per second.

1. promise 100,000 order lines (10,000 orders of 10 lines, one transaction per order, the
   same code `ordercli create` runs: plan, conditional UPDATEs, ledger rows);
2. release them all by canceling the 10,000 orders in one `status` batch (set-based);
3. promise 100,000 waiting (backordered) lines in one go, as receiving stock does.
Usage: python bench/promise.py [--orders 10000] [--lines 10] [--db URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed import seed_catalogue, seed_orders  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--db", help="database path or URL (default: a new SQLite file)")
    args = parser.parse_args()
    from ordercli.db.engine import Database
    from ordercli.db.sql import execute, rows, scalar
    from ordercli.domain.statuses import Status
    from ordercli.services.status import change_status
    from ordercli.services.inventory.promising import PromiseLine, fill_backorders, promise_new_order
    from ordercli.services.views import Stamp

    target = args.db or str(Path(tempfile.mkdtemp(prefix="ordercli-bench-")) / "bench.db")
    database = Database(target)
    now = datetime.now(timezone.utc)
    stamp = Stamp("bench", "bench", now)
    total_lines = args.orders * args.lines
    products = seed_catalogue(database, 1000, units=10 * total_lines // 1000, now=now)
    numbers = seed_orders(database, args.orders, verified=True, now=now, products=products, lines_per_order=args.lines)
    with database.read() as connection:
        by_order = defaultdict(list)
        for r in rows(connection, "SELECT id, order_id, product_id, sku, quantity FROM order_lines "
                                  "WHERE order_id >= :first ORDER BY order_id, line_no", {"first": numbers[0]}):
            by_order[r.order_id].append(PromiseLine(r.id, r.order_id, r.product_id, r.sku, r.quantity))
    print(f"backend {database.backend}; {len(products):,} products; {args.orders:,} orders x {args.lines} lines")

    start = time.perf_counter()
    for number in numbers:
        with database.write() as connection:
            promise_new_order(connection, by_order[number], stamp, backorder=False)
    elapsed = time.perf_counter() - start
    print(f"promise {total_lines:,} lines, one transaction per order: {elapsed:6.2f} s  "
          f"({total_lines / elapsed:,.0f} reservations/s, {args.orders / elapsed:,.0f} orders/s)")

    start = time.perf_counter()
    result = change_status(database, [str(n) for n in numbers], Status.CANCELED, stamp)
    elapsed = time.perf_counter() - start
    assert result.applied and result.changed == args.orders
    print(f"release {total_lines:,} lines by canceling {args.orders:,} orders in one batch: {elapsed:6.2f} s  "
          f"({total_lines / elapsed:,.0f} releases/s)")

    waiting = seed_orders(database, args.orders, verified=True, now=now, products=products, lines_per_order=args.lines)
    with database.write() as connection:
        execute(connection, "UPDATE order_lines SET backordered = true WHERE order_id >= :first", {"first": waiting[0]})
    start = time.perf_counter()
    with database.write() as connection:
        promised = fill_backorders(connection, {p for p, _ in products}, stamp)
    elapsed = time.perf_counter() - start
    print(f"promise {total_lines:,} waiting lines in one transaction (as `stock receive` does): {elapsed:6.2f} s  "
          f"({total_lines / elapsed:,.0f} reservations/s; {len(promised):,} orders)")
    with database.read() as connection:
        reserved = scalar(connection, "SELECT SUM(reserved) FROM stock_levels")
        ledger = scalar(connection, "SELECT SUM(reserved_delta) FROM stock_movements")
    print(f"check: reserved {reserved:,} = ledger {ledger:,} = {total_lines:,} waiting lines promised")
    database.dispose()


if __name__ == "__main__":
    main()
