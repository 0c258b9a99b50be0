"""Shipping, timed as whole processes: a batch of ready orders in one `ordercli ship -` call,
and `ship ORDER` for one order against `status ORDER --to ...` for one order.

(a) 10,000 ready_to_ship orders x 3 lines, every unit promised, shipped by one
    `ordercli ship - --carrier DHL` reading their numbers from stdin (start-up, reading stdin,
    checking, writing), on a new SQLite file and on a PostgreSQL schema made for the run.
    Targets (issue 9): at most 10 s on SQLite; PostgreSQL at most 3x the SQLite time.
(b) `ordercli ship N` (one order, 3 promised lines) against `ordercli status N --to
    ready_to_ship` (one verified order), alternating, median of --runs runs each, on both
    backends. Target: ship within 1.2x of status.
Usage: python bench/ship.py [--orders 10000] [--runs 9] [--postgresql URL | --sqlite-only]
(the PostgreSQL URL defaults to ORDERCLI_TEST_POSTGRES_URL; its schema is dropped at the end)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratch import postgresql_schema, sqlite_file  # noqa: E402
from seed import seed_catalogue, seed_orders  # noqa: E402

LINES = 3
ENV = {**os.environ, "NO_COLOR": "1"}


def ordercli(target: str, *args: str, stdin: str | None = None) -> tuple[float, subprocess.CompletedProcess]:
    """Run one ordercli process; (seconds, the finished process). A failure ends the bench."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ordercli", "--db", target, *args], input=stdin,
                          capture_output=True, text=True, env=ENV)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"ordercli {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed, proc


def seed_ready(database, count: int, products: list[tuple[int, str]]) -> list[int]:
    """`count` verified orders of LINES one-unit lines, every unit promised, ready to ship
    (moved there by the status service, as `ordercli status` does)."""
    from ordercli.db.sql import execute
    from ordercli.domain.statuses import Status
    from ordercli.services.inventory.promising import fill_backorders
    from ordercli.services.status import change_status
    from ordercli.services.views import Stamp

    now = datetime.now(timezone.utc)
    numbers = seed_orders(database, count, verified=True, now=now, products=products, lines_per_order=LINES)
    stamp = Stamp("bench", "bench", now)
    with database.write() as connection:  # promise every line, as receiving stock does
        execute(connection, "UPDATE order_lines SET backordered = true WHERE order_id >= :first", {"first": numbers[0]})
        fill_backorders(connection, {p for p, _ in products}, stamp)
    result = change_status(database, [str(n) for n in numbers], Status.READY_TO_SHIP, stamp)
    assert result.applied and result.changed == count, result
    return numbers


def counts(database) -> dict[str, int]:
    from ordercli.db.sql import scalar

    with database.read() as connection:
        return {"closed": scalar(connection, "SELECT count(*) FROM orders WHERE status = 'closed'"),
                "shipments": scalar(connection, "SELECT count(*) FROM shipments"),
                "shipped units": -(scalar(connection, "SELECT COALESCE(SUM(on_hand_delta), 0) FROM stock_movements "
                                                      "WHERE kind = 'shipped'")),
                "reserved": scalar(connection, "SELECT COALESCE(SUM(reserved), 0) FROM stock_levels")}


def batch(target: str, orders: int) -> float:
    """(a): seconds for one `ship -` of `orders` ready orders, checked afterwards."""
    from ordercli.db.engine import Database

    database = Database(target)
    start = time.perf_counter()
    products = seed_catalogue(database, 1000, units=orders * LINES // 1000 + 1, now=datetime.now(timezone.utc))
    numbers = seed_ready(database, orders, products)
    seeded = time.perf_counter() - start
    database.dispose()
    ordercli(target, "carrier", "add", "DHL")
    print(f"  backend {database.backend}: seeded {len(numbers):,} ready orders x {LINES} promised lines "
          f"in {seeded:.1f} s", flush=True)
    elapsed, proc = ordercli(target, "ship", "-", "--carrier", "DHL", stdin="\n".join(map(str, numbers)) + "\n")
    database = Database(target)
    found = counts(database)
    database.dispose()
    expected = {"closed": orders, "shipments": orders, "shipped units": orders * LINES, "reserved": 0}
    if found != expected:
        sys.exit(f"the batch left {found}, expected {expected}")
    check = subprocess.run([sys.executable, "-m", "ordercli", "--db", target, "stock", "check"], capture_output=True,
                           text=True, env=ENV)
    if check.returncode != 0:
        sys.exit(f"stock check failed after the batch: {check.stderr[-2000:]}")
    print(f"  ordercli ship - --carrier DHL, {orders:,} orders: {elapsed:6.2f} s whole process "
          f"({orders / elapsed:,.0f} orders/s)  [{proc.stderr.strip().splitlines()[-1]}]", flush=True)
    return elapsed


def single(target: str, runs: int) -> tuple[float, float]:
    """(b): median seconds of `ship N` and of `status N --to ready_to_ship`, one order each,
    alternating (the same machine load for both)."""
    from ordercli.db.engine import Database

    from ordercli.services.inventory.movements import receive
    from ordercli.services.views import Stamp

    database = Database(target)
    now = datetime.now(timezone.utc)
    products = _products(database)[:LINES] or seed_catalogue(database, LINES, units=0, now=now)
    for _, sku in products:  # one unit of each per order
        receive(database, sku, runs + 1, None, None, Stamp("bench", "bench", now))
    ready = seed_ready(database, runs + 1, products)
    verified = seed_orders(database, runs + 1, verified=True, now=datetime.now(timezone.utc))
    database.dispose()
    ordercli(target, "ship", str(ready.pop()))  # warm the file cache and .pyc files
    ordercli(target, "status", str(verified.pop()), "--to", "ready_to_ship")
    ship_times, status_times = [], []
    for number, other in zip(ready, verified):
        ship_times.append(ordercli(target, "ship", str(number))[0])
        status_times.append(ordercli(target, "status", str(other), "--to", "ready_to_ship")[0])
    return statistics.median(ship_times), statistics.median(status_times)


def _products(database) -> list[tuple[int, str]]:
    from ordercli.db.sql import rows

    database.ensure_schema()
    with database.read() as connection:
        return [(r.id, r.sku) for r in rows(connection, "SELECT id, sku FROM products WHERE sku LIKE 'BENCH-%' "
                                                        "ORDER BY id")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9, help="runs of each single-order command (median)")
    parser.add_argument("--postgresql", default=os.environ.get("ORDERCLI_TEST_POSTGRES_URL"),
                        help="a PostgreSQL URL (a schema is made there for the run and dropped)")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--only", choices=("batch", "single"), help="run one part only")
    args = parser.parse_args()
    backends = ["SQLite"] + ([] if args.sqlite_only or not args.postgresql else ["PostgreSQL"])
    batches: dict[str, float] = {}
    singles: dict[str, tuple[float, float]] = {}
    for backend in backends:
        print(f"== {backend}", flush=True)
        if backend == "SQLite":
            target = sqlite_file()
            if args.only != "single":
                batches[backend] = batch(target, args.orders)
            if args.only != "batch":
                singles[backend] = single(target, args.runs)
        else:
            with postgresql_schema(args.postgresql) as target:
                if args.only != "single":
                    batches[backend] = batch(target, args.orders)
                if args.only != "batch":
                    singles[backend] = single(target, args.runs)
    print(f"\n{os.cpu_count()} cores, Python {sys.version.split()[0]}, whole processes")
    if batches:
        print(f"\n(a) one `ship -` of {args.orders:,} ready orders x {LINES} lines")
        print(f"{'backend':<12}{'seconds':>9}{'orders/s':>10}  target")
        lite = batches.get("SQLite")
        for backend, seconds in batches.items():
            if backend == "SQLite":
                verdict = f"<= 10 s {'ok' if seconds <= 10 else 'MISSED'}"
            else:
                ratio = seconds / lite
                verdict = f"<= 3x SQLite ({ratio:.2f}x) {'ok' if ratio <= 3 else 'MISSED'}"
            print(f"{backend:<12}{seconds:>9.2f}{args.orders / seconds:>10,.0f}  {verdict}")
    if singles:
        print(f"\n(b) one order, median of {args.runs} runs each, alternating")
        print(f"{'backend':<12}{'ship ms':>9}{'status ms':>11}{'ratio':>8}  target")
        for backend, (ship, status) in singles.items():
            ratio = ship / status
            print(f"{backend:<12}{ship * 1000:>9.0f}{status * 1000:>11.0f}{ratio:>8.2f}  "
                  f"<= 1.2x {'ok' if ratio <= 1.2 else 'MISSED'}")


if __name__ == "__main__":
    main()
