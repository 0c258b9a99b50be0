"""Promising one order per transaction on PostgreSQL: what ordercli takes, and the least any
client could take on this machine, side by side with SQLite.

Each order of 10 lines is promised in a transaction of its own, as `ordercli create` does it
(bench/promise.py's first step): on SQLite and on PostgreSQL as ordercli runs it, and then, on
the same PostgreSQL schema and data, by minimal clients that do only what any client must
(raw psycopg, fixed SQL text, nothing of ordercli or SQLAlchemy between the statements):
- two round trips: BEGIN, the product locks and the availability read in one pipeline; the
  domain's plan (plan_promises); the reservations, their ledger rows and COMMIT in another.
  This is the least a promise planned by the client (ordercli's design) can take;
- one round trip: BEGIN, the locks, the reservations, the ledger rows and COMMIT in one
  pipeline, the plan known beforehand and nothing read. This is less than a promise moved
  into the server could take (it would still read and plan there);
- each again with the commit not waiting for its flush to disk (synchronous_commit off: a
  crash may lose the last commits), and without the ledger's foreign keys: what those two
  guarantees cost here.
Then the costs underneath: a round trip (SELECT 1), and a one-row INSERT with BEGIN and COMMIT
in one round trip. SQLite runs as ordercli sets it up (WAL, synchronous=FULL: every commit is
flushed to disk too).

A second part times a set-based batch the same way: --batch orders of 10 lines that each hold
their stock, canceled in one `status` batch by ordercli's code (every reservation released,
with its ledger row and a history entry per order), on SQLite, on PostgreSQL, and on
PostgreSQL without the foreign keys of the two append-only tables (stock_movements,
order_history): each of their rows checks its parents one row at a time.

Every figure is the median of --repeat rounds (the variants alternate within a round), in ms
per order (seconds per batch in the second part), with the throughput as a share of SQLite's
(SQLite's time / the other's).
Usage: python bench/pg_floor.py [--orders 1000] [--batch 2000] [--repeat 3] [--postgresql URL]
(without --postgresql, ORDERCLI_TEST_POSTGRES_URL is used; a schema is made for the run and
dropped at the end)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratch import postgresql_schema, sqlite_file  # noqa: E402
from seed import seed_catalogue, seed_orders  # noqa: E402

LINES = 10
LOCK = "SELECT id FROM products WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE"
AVAILABLE = ("SELECT loc.id, s.product_id, s.on_hand - s.reserved FROM locations loc LEFT JOIN stock_levels s "
             "ON s.location_id = loc.id AND s.product_id = ANY(%s) ORDER BY loc.is_default DESC, loc.id")
RESERVE = """
    WITH taken AS (
        UPDATE stock_levels s SET reserved = s.reserved + w.units
        FROM unnest(%(products)s::int[], %(locations)s::int[], %(units)s::int[]) AS w(product_id, location_id, units)
        WHERE s.product_id = w.product_id AND s.location_id = w.location_id)
    INSERT INTO stock_movements (at, actor, command, kind, product_id, location_id, on_hand_delta, reserved_delta,
                                 order_id, order_line_id)
    SELECT %(at)s, 'bench', 'bench', 'reserved', a.product_id, a.location_id, 0, a.units, %(order)s, a.line_id
    FROM unnest(%(a_products)s::int[], %(a_locations)s::int[], %(a_units)s::int[], %(a_lines)s::int[])
         AS a(product_id, location_id, units, line_id)"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="orders promised by each variant in each round")
    parser.add_argument("--batch", type=int, default=2000, help="orders canceled in one batch (second part)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgresql", default=os.environ.get("ORDERCLI_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.postgresql:
        sys.exit("give --postgresql URL (or set ORDERCLI_TEST_POSTGRES_URL)")
    figures: dict[str, list[float]] = defaultdict(list)
    sqlite = Bench(sqlite_file(), args.orders * args.repeat)
    with postgresql_schema(args.postgresql) as url:
        pg = Bench(url, args.orders * args.repeat * 7)
        raw = pg.raw_connection()
        print(f"{args.orders:,} orders of {LINES} lines per variant and round, {args.repeat} rounds", flush=True)
        for _ in range(args.repeat):
            figures["SQLite, ordercli"].append(sqlite.ordercli(args.orders))
            figures["PostgreSQL, ordercli"].append(pg.ordercli(args.orders))
            for keys in (True, False):
                if not keys and not pg.keys_dropped:
                    pg.drop_keys(raw)
                for flush in (True, False):
                    if not keys and not flush:
                        continue
                    raw.execute(f"SET synchronous_commit = {'on' if flush else 'off'}")
                    guarantees = ("ledger keys" if keys else "no ledger keys") + (", flush" if flush else ", no flush")
                    for trips in (2, 1):
                        trip_s = "round trip" + ("s" if trips > 1 else "")
                        label = f"PostgreSQL, least possible: {trips} {trip_s}, {guarantees}"
                        figures[label].append(pg.least(raw, args.orders, trips))
            pg.restore_keys(raw)
            raw.execute("SET synchronous_commit = on")
        floor = underneath(raw)
        raw.close()
        pg.dispose()
    sqlite.dispose()
    base = statistics.median(figures["SQLite, ordercli"])
    print(f"\n{'promise an order of 10 lines, its own transaction':<78} {'ms/order':>9} {'vs SQLite':>10}")
    for label, values in figures.items():
        median = statistics.median(values)
        print(f"{label:<78} {median:>9.3f} {base / median:>9.2f}x")
    print(f"\nunderneath: a round trip (SELECT 1) {floor['round trip']:.3f} ms; BEGIN, a one-row INSERT and COMMIT "
          f"in one round trip {floor['insert']:.3f} ms ({floor['insert, no flush']:.3f} ms with "
          "synchronous_commit off)")
    print(f"half of SQLite's throughput would be {2 * base:.3f} ms per order")
    released = batches(args)
    base = statistics.median(released["SQLite, ordercli"])
    print(f"\n{f'cancel {args.batch:,} orders x {LINES} lines holding stock, one batch':<78} {'seconds':>9} "
          f"{'vs SQLite':>10}")
    for label, values in released.items():
        median = statistics.median(values)
        print(f"{label:<78} {median:>9.3f} {base / median:>9.2f}x")


BARE = "PostgreSQL, ordercli, no keys on stock_movements and order_history"


def batches(args) -> dict[str, list[float]]:
    """Seconds of canceling --batch orders that hold stock, per round, on each variant."""
    figures: dict[str, list[float]] = defaultdict(list)
    sqlite = Bench(sqlite_file(), args.batch * args.repeat)
    with postgresql_schema(args.postgresql) as url, postgresql_schema(args.postgresql) as bare_url:
        pg = Bench(url, args.batch * args.repeat)
        bare = Bench(bare_url, args.batch * args.repeat)
        raw = bare.raw_connection()
        bare.drop_keys(raw, ("stock_movements", "order_history"))
        raw.close()
        for bench in (sqlite, pg, bare):
            bench.promise_all()
        print(f"\n{args.batch:,} orders of {LINES} lines holding stock per variant and round, canceled in one batch",
              flush=True)
        for _ in range(args.repeat):
            figures["SQLite, ordercli"].append(sqlite.cancel(args.batch))
            figures["PostgreSQL, ordercli"].append(pg.cancel(args.batch))
            figures[BARE].append(bare.cancel(args.batch))
        pg.dispose()
        bare.dispose()
    sqlite.dispose()
    return figures


class Bench:
    """A database seeded with 1,000 products and `count` orders of 10 lines, each order promised
    at most once by whichever variant takes it next."""

    def __init__(self, target: str, count: int) -> None:
        from ordercli.db.engine import Database
        from ordercli.db.sql import rows
        from ordercli.services.inventory.promising import PromiseLine

        self.database = Database(target)
        self.now = datetime.now(timezone.utc)
        products = seed_catalogue(self.database, 1000, units=count * LINES, now=self.now)
        numbers = seed_orders(self.database, count, verified=True, now=self.now, products=products,
                              lines_per_order=LINES)
        self.lines: dict[int, list] = defaultdict(list)
        with self.database.read() as connection:
            for r in rows(connection, "SELECT id, order_id, product_id, sku, quantity FROM order_lines "
                                      "WHERE order_id >= :first ORDER BY order_id, line_no", {"first": numbers[0]}):
                self.lines[r.order_id].append(PromiseLine(r.id, r.order_id, r.product_id, r.sku, r.quantity))
        self.waiting = list(numbers)
        self.keys_dropped: list[str] = []

    def take(self, count: int) -> list[int]:
        taken, self.waiting = self.waiting[:count], self.waiting[count:]
        return taken

    def ordercli(self, count: int) -> float:
        """ms per order, promised by ordercli's own code (a transaction each)."""
        from ordercli.services.inventory.promising import promise_new_order
        from ordercli.services.views import Stamp

        stamp = Stamp("bench", "bench", self.now)
        numbers = self.take(count)
        start = time.perf_counter()
        for number in numbers:
            with self.database.write() as connection:
                promise_new_order(connection, self.lines[number], stamp, backorder=False)
        return (time.perf_counter() - start) * 1000 / count

    def raw_connection(self):
        """A psycopg connection to the bench's schema, in autocommit mode: the minimal clients
        send BEGIN and COMMIT themselves, in their pipelines."""
        import psycopg

        plain = self.database.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return psycopg.connect(plain, autocommit=True)

    def least(self, connection, count: int, trips: int) -> float:
        """ms per order, promised by a minimal client in `trips` round trips."""
        from ordercli.domain.stock import Need, plan_promises

        numbers = self.take(count)
        location = connection.execute("SELECT id FROM locations WHERE is_default").fetchone()[0]
        start = time.perf_counter()
        for number in numbers:
            lines = self.lines[number]
            products = sorted({line.product_id for line in lines})
            if trips == 2:
                with connection.pipeline():
                    connection.execute("BEGIN")
                    connection.execute(LOCK, (products,))
                    found = connection.execute(AVAILABLE, (products,))
                available = {(p, loc): units for loc, p, units in found.fetchall() if p is not None}
                plan = plan_promises([Need(l.line_id, l.product_id, l.quantity) for l in lines], available,
                                     list(dict.fromkeys(loc for _, loc in available)))
                allocations = [(a.product_id, a.location_id, a.quantity, a.key) for a in plan.allocations]
                with connection.pipeline():
                    connection.execute(RESERVE, _reserve_params(allocations, number, self.now))
                    connection.execute("COMMIT")
            else:
                allocations = [(line.product_id, location, line.quantity, line.line_id) for line in lines]
                with connection.pipeline():
                    connection.execute("BEGIN")
                    connection.execute(LOCK, (products,))
                    connection.execute(RESERVE, _reserve_params(allocations, number, self.now))
                    connection.execute("COMMIT")
        return (time.perf_counter() - start) * 1000 / count

    def promise_all(self) -> None:
        """Promise every order's lines at once (as receiving stock does), untimed."""
        from ordercli.db.sql import execute
        from ordercli.services.inventory.promising import fill_backorders
        from ordercli.services.views import Stamp

        with self.database.write() as connection:
            execute(connection, "UPDATE order_lines SET backordered = true WHERE order_id >= :first",
                    {"first": self.waiting[0]})
            fill_backorders(connection, {line.product_id for lines in self.lines.values() for line in lines},
                            Stamp("bench", "bench", self.now))

    def cancel(self, count: int) -> float:
        """Seconds to cancel `count` orders in one batch by ordercli's code (releasing their stock)."""
        from ordercli.domain.statuses import Status
        from ordercli.services.status import change_status
        from ordercli.services.views import Stamp

        numbers = self.take(count)
        start = time.perf_counter()
        result = change_status(self.database, [str(n) for n in numbers], Status.CANCELED,
                               Stamp("bench", "bench", self.now))
        elapsed = time.perf_counter() - start
        assert result.changed == count and result.released == count * LINES, result
        return elapsed

    def drop_keys(self, connection, tables=("stock_movements",)) -> None:
        """Drop the foreign keys of `tables` in the bench's schema (put back by `restore_keys`)."""
        found = connection.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                                   "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) AND contype = 'f'",
                                   (list(tables),)).fetchall()
        for table, name, _ in found:
            connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        self.keys_dropped = found

    def restore_keys(self, connection) -> None:
        for table, name, definition in self.keys_dropped:
            connection.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        self.keys_dropped = []

    def dispose(self) -> None:
        self.database.dispose()


def _reserve_params(allocations: list[tuple[int, int, int, int]], order: int, at: datetime) -> dict:
    takes: dict[tuple[int, int], int] = defaultdict(int)
    for product, location, units, _ in allocations:
        takes[(product, location)] += units
    return {"products": [p for p, _ in takes], "locations": [loc for _, loc in takes], "units": list(takes.values()),
            "at": at, "order": order, "a_products": [a[0] for a in allocations],
            "a_locations": [a[1] for a in allocations], "a_units": [a[2] for a in allocations],
            "a_lines": [a[3] for a in allocations]}


def underneath(connection, count: int = 2000) -> dict[str, float]:
    """ms of a round trip, and of BEGIN + a one-row INSERT + COMMIT in one round trip."""
    connection.execute("CREATE TABLE bench_floor (id serial PRIMARY KEY, v int)")

    def timed(run) -> float:
        for _ in range(100):
            run()
        start = time.perf_counter()
        for _ in range(count):
            run()
        return (time.perf_counter() - start) * 1000 / count

    def insert() -> None:
        with connection.pipeline():
            connection.execute("BEGIN")
            connection.execute("INSERT INTO bench_floor (v) VALUES (1)")
            connection.execute("COMMIT")

    figures = {"round trip": timed(lambda: connection.execute("SELECT 1").fetchone()), "insert": timed(insert)}
    connection.execute("SET synchronous_commit = off")
    figures["insert, no flush"] = timed(insert)
    connection.execute("SET synchronous_commit = on")
    return figures


if __name__ == "__main__":
    main()
