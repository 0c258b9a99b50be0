"""Statements and round trips per command, SQLite and PostgreSQL side by side.

Each command runs as the CLI runs it (the same service call, one transaction) on a database
made for the run, and what it sends to the database is counted:
- PostgreSQL: libpq's own protocol trace of every connection. A round trip is one wait for the
  server: what the client sends before the server's answer comes back (an executemany, or the
  statements of a pipeline, go out together: many statements, one round trip). A statement is
  one Query or Execute message.
- SQLite: every statement ordercli hands to sqlite3 (its connections are made with a counting
  subclass; an executemany counts each row). SQLite's trace callback would count a row's
  trigger again (order_history and stock_movements have one), so it is not used. SQLite has no
  round trips: a statement is a call into the library in the same process.

Commands: `create` (one order, 1 line and N lines, promised), `promise` (the lines of a stored
order, as bench/promise.py times it), `status` (a batch of N verified orders to ready_to_ship),
`release` (cancel N orders that each hold stock), `receive` (stock received that N waiting
lines are promised from), and `connect` (opening the first connection of a process).
Usage: python bench/round_trips.py [--lines 10] [--postgresql URL] [--show COMMAND]
(the PostgreSQL side runs in a schema of its own, dropped at the end; without --postgresql,
ORDERCLI_TEST_POSTGRES_URL is used if set, else SQLite alone)
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import sqlite3
import sys
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratch import postgresql_schema, sqlite_file  # noqa: E402
from seed import seed_orders  # noqa: E402

_MESSAGE = re.compile(r'^F\t\d+\t(\w+)\t? ?(?:"([^"]*)"?)? ?(?:"((?:[^"]|"")*)"?)?')


class Counter:
    """What a database was sent since `start()`: statements (and round trips on PostgreSQL)."""

    def __init__(self) -> None:
        self.sqlite_statements: list[str] = []
        self.trace = tempfile.TemporaryFile()
        self.offset = 0
        self.prepared: dict[str, str] = {}
        self.traced: set[int] = set()

    def attach_postgresql(self, dbapi_connection) -> None:
        """Trace a psycopg connection's protocol messages into the counter's file."""
        if id(dbapi_connection) in self.traced:
            return
        import psycopg

        self.traced.add(id(dbapi_connection))
        dbapi_connection.pgconn.trace(self.trace.fileno())
        dbapi_connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE)

    @contextmanager
    def counting_sqlite(self):
        """Every sqlite3 connection made in the block counts the statements it runs."""
        counter = self

        class CountingCursor(sqlite3.Cursor):
            def execute(self, sql, parameters=(), /):
                counter.sqlite_statements.append(sql)
                return super().execute(sql, parameters)

            def executemany(self, sql, parameters, /):
                parameters = list(parameters)
                counter.sqlite_statements.extend([sql] * len(parameters))
                return super().executemany(sql, parameters)

        class CountingConnection(sqlite3.Connection):
            # Connection.execute makes its cursor through self.cursor() but runs it in C, not
            # through the cursor's execute: count here, and in the cursor for direct use.
            def execute(self, sql, parameters=(), /):
                counter.sqlite_statements.append(sql)
                return super().execute(sql, parameters)

            def executemany(self, sql, parameters, /):
                parameters = list(parameters)
                counter.sqlite_statements.extend([sql] * len(parameters))
                return super().executemany(sql, parameters)

            def cursor(self, factory=CountingCursor):
                return super().cursor(factory)

        connect = sqlite3.connect
        sqlite3.connect = functools.partial(connect, factory=CountingConnection)
        try:
            yield
        finally:
            sqlite3.connect = connect

    def start(self) -> None:
        self.sqlite_statements.clear()
        self._scan()

    def read(self, sqlite: bool) -> tuple[int, int | None, list[str]]:
        """(statements, round trips or None on SQLite, the statements' text) since `start()`."""
        if sqlite:
            return len(self.sqlite_statements), None, list(self.sqlite_statements)
        return self._scan()

    def _scan(self) -> tuple[int, int, list[str]]:
        """Statements and round trips in the trace since the last scan (statements prepared
        earlier are remembered, to name what a Bind runs)."""
        self.trace.seek(self.offset)
        data = self.trace.read()
        self.offset += len(data)
        text = data.decode("utf-8", "replace")
        messages: list[str] = []  # a statement's own newlines continue its message on the next lines
        for line in text.splitlines():
            if line.startswith(("F\t", "B\t")) or not messages:
                messages.append(line)
            else:
                messages[-1] += " " + line
        texts, round_trips, bound, sending = [], 0, "", False
        for message in messages:
            if not message.startswith("F\t"):
                sending = False
                continue
            if not sending:  # the client sends, then waits for what the server sends back
                sending = True
                round_trips += 1
            match = _MESSAGE.match(message)
            if match is None:
                continue
            kind, first, second = match.groups()
            if kind == "Query":
                texts.append(first or "")
            elif kind == "Parse":  # Parse "statement name" "text"
                self.prepared[first] = second or ""
            elif kind == "Bind":  # Bind "portal" "statement name"
                bound = self.prepared.get(second or "", "")
            elif kind == "Execute":
                texts.append(bound)
        return len(texts), round_trips, texts


def _counted_database(target: str, counter: Counter):
    from ordercli.db.engine import Database

    database = Database(target)
    if not database.is_sqlite:
        from sqlalchemy import event

        # first_connect runs SQLAlchemy's own set-up queries before "connect" listeners: trace both.
        event.listen(database.engine, "first_connect", lambda c, _r: counter.attach_postgresql(c), insert=True)
        event.listen(database.engine, "connect", lambda c, _r: counter.attach_postgresql(c), insert=True)
    return database


def _request(lines: list[tuple[str, int]], *, backorder: bool = False, email: str = "maria@example.com"):
    from ordercli.domain.orders import AddressRequest, LineRequest, OrderRequest

    return OrderRequest(name="Maria Anders", email=email,
                        billing=AddressRequest(line1="Obere Str. 57", city="Berlin", postal_code="12209", country="DE"),
                        lines=[LineRequest(sku, quantity) for sku, quantity in lines], backorder=backorder)


def measure(target: str, n: int) -> dict[str, tuple[int, int | None, list[str]]]:
    """Statements (and round trips) of each command on the database `target`."""
    counter = Counter()
    with counter.counting_sqlite():
        return _measure(target, n, counter)


def _measure(target: str, n: int, counter: Counter) -> dict[str, tuple[int, int | None, list[str]]]:
    from ordercli.db.sql import execute, rows, scalar
    from ordercli.domain.orders import AddressRequest
    from ordercli.domain.statuses import Status
    from ordercli.services.catalog import ProductFields, add_product
    from ordercli.services.inventory.movements import receive
    from ordercli.services.inventory.promising import PromiseLine, promise_new_order
    from ordercli.services.locations import add_location
    from ordercli.services.orders import create_order
    from ordercli.services.status import change_status
    from ordercli.services.views import Stamp

    now = datetime.now(timezone.utc)
    stamp = Stamp("bench", "bench", now)
    database = _counted_database(target, counter)
    add_location(database, "main", "warehouse", AddressRequest(), stamp)
    add_location(database, "north", "warehouse", AddressRequest(), stamp)
    skus = [f"P{i:03d}" for i in range(n)]
    for sku in skus + ["WAIT"]:
        add_product(database, ProductFields(sku, name=sku, price="1.50"), stamp)
    add_product(database, ProductFields("FEE", name="Service fee", price="5.00", kind="service"), stamp)
    for sku in skus:
        receive(database, sku, 10 * n, None, None, stamp)
        receive(database, sku, 10 * n, "north", None, stamp)
    with database.read() as connection:
        product_ids = {r.id: r.sku for r in rows(connection, "SELECT id, sku FROM products WHERE sku IN :skus",
                                                 {"skus": skus})}
    found = {}

    def count(label: str, action):
        counter.start()
        result = action()
        found[label] = counter.read(database.is_sqlite)
        return result

    lines = [(sku, 2) for sku in skus]
    create_order(database, _request(lines), stamp)  # warm: prepared statements, caches
    count("create, 1 line", lambda: create_order(database, _request(lines[:1]), stamp))
    count(f"create, {n} lines", lambda: create_order(database, _request(lines), stamp))
    # a line taken from two locations: more than the default location has
    count(f"create, {n} lines, split", lambda: create_order(database, _request([(s, 10 * n + 1) for s in skus]),
                                                              stamp))

    # what bench/promise.py times: promising the lines of an order stored without promises
    number = seed_orders(database, 1, verified=True, now=now, products=list(product_ids.items()),
                         lines_per_order=n)[0]
    with database.read() as connection:
        promise_lines = [PromiseLine(r.id, number, r.product_id, r.sku, r.quantity) for r in rows(
            connection, "SELECT id, product_id, sku, quantity FROM order_lines WHERE order_id = :n", {"n": number})]

    def promise() -> None:
        with database.write() as transaction:
            promise_new_order(transaction, promise_lines, stamp, backorder=False)

    count(f"promise, {n} lines", promise)

    def orders(count_: int, lines_of) -> list[str]:
        return [str(create_order(database, _request(lines_of(i), email=f"c{i}@example.com"), stamp).order.number)
                for i in range(count_)]

    services = orders(n, lambda i: [("FEE", 1)])
    with database.write() as transaction:  # verified, so that they may move to ready_to_ship
        execute(transaction, "UPDATE orders SET verified_at = :at, verified_by = 'bench', "
                             "verification_method = 'automatic' WHERE id IN :ids",
                {"at": now, "ids": [int(s) for s in services]})
    count(f"status, {n} orders", lambda: change_status(database, services, Status.READY_TO_SHIP, stamp))
    holding = orders(n, lambda i: [(skus[i % n], 1)])
    count(f"release, {n} orders", lambda: change_status(database, holding, Status.CANCELED, stamp))
    waiting = [create_order(database, _request([("WAIT", 1)], backorder=True, email=f"w{i}@example.com"), stamp).order
               for i in range(n)]
    assert all(line.waiting for order in waiting for line in order.lines)
    count(f"receive, {n} waiting", lambda: receive(database, "WAIT", n, None, None, stamp))
    database.dispose()

    fresh = _counted_database(target, counter)
    counter.start()
    with fresh.read() as connection:
        scalar(connection, "SELECT 1")
    found["connect + 1 read"] = counter.read(fresh.is_sqlite)
    fresh.dispose()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10, help="lines of an order, orders of a batch (default 10)")
    parser.add_argument("--postgresql", default=os.environ.get("ORDERCLI_TEST_POSTGRES_URL"),
                        help="a PostgreSQL URL (a schema is made there for the run)")
    parser.add_argument("--show", metavar="COMMAND", help="print the statements of commands starting with this")
    args = parser.parse_args()
    results = {"SQLite": measure(sqlite_file(), args.lines)}
    if args.postgresql:
        with postgresql_schema(args.postgresql) as url:
            results["PostgreSQL"] = measure(url, args.lines)
    header = f"{'command':<26}" + "".join(f"{name + ' statements':>24}" for name in results)
    if "PostgreSQL" in results:
        header += f"{'PostgreSQL round trips':>25}"
    print(header)
    for label in results["SQLite"]:
        row = f"{label:<26}" + "".join(f"{found[label][0]:>24}" for found in results.values())
        if "PostgreSQL" in results:
            row += f"{results['PostgreSQL'][label][1]:>25}"
        print(row)
    if args.show is not None:
        for name, found in results.items():
            for label, (_, _, texts) in found.items():
                if label.startswith(args.show):
                    print(f"\n-- {name}: {label}")
                    for text in texts:
                        print("  " + " ".join(text.split())[:160])


if __name__ == "__main__":
    main()
