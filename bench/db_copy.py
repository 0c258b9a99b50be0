"""`ordercli db copy` of a large SQLite database to PostgreSQL, timed as a whole process.

Seeds a new SQLite file with 100,000 orders x 3 lines, each line promised (a `reserved` ledger
row) and each order with its history (created, verified, ready to ship), then copies it into a
new PostgreSQL schema with `ordercli db copy --to URL` and prints the time, rows per second and
the check of each table. Target (issue 13): at most 60 s here. The schema is dropped afterwards.
Usage: python bench/db_copy.py [--orders 100000] [--postgres URL]
       (default URL: ORDERCLI_TEST_POSTGRES_URL, else postgresql+psycopg://postgres@127.0.0.1:5432/test)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed import seed_catalogue, seed_orders  # noqa: E402


def seed(target: str, orders: int) -> None:
    """Orders with promised lines, their ledger rows and a history of three entries each."""
    from ordercli.db.engine import Database
    from ordercli.db.sql import execute, scalar

    database = Database(target)
    now = datetime.now(timezone.utc)
    products = seed_catalogue(database, 1000, units=orders, now=now)
    seed_orders(database, orders, verified=True, now=now, products=products, lines_per_order=3)
    with database.write() as connection:
        location = scalar(connection, "SELECT id FROM locations WHERE is_default")
        # each line promised at the one location: a ledger row, and the counters to match
        execute(connection, "INSERT INTO stock_movements (at, actor, command, kind, product_id, location_id, "
                            "on_hand_delta, reserved_delta, order_id, order_line_id) SELECT :now, 'bench', 'create', "
                            "'reserved', product_id, :l, 0, quantity, order_id, id FROM order_lines ORDER BY id",
                {"now": now, "l": location})
        execute(connection, "UPDATE stock_levels SET reserved = (SELECT coalesce(sum(quantity), 0) FROM order_lines "
                            "WHERE product_id = stock_levels.product_id)")
        for event, before, after in (("created", None, "open"), ("verified", None, None),
                                     ("status", "open", "ready_to_ship")):
            execute(connection, "INSERT INTO order_history (order_id, at, actor, command, event, from_status, "
                                "to_status) SELECT id, :now, 'bench', 'bench', :e, :f, :t FROM orders ORDER BY id",
                    {"now": now, "e": event, "f": before, "t": after})
        execute(connection, "UPDATE orders SET status = 'ready_to_ship'")
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("ORDERCLI_TEST_POSTGRES_URL",
                                                             "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    import psycopg

    folder = Path(tempfile.mkdtemp(prefix="ordercli-bench-"))
    source = str(folder / "bench.db")
    start = time.perf_counter()
    seed(source, args.orders)
    print(f"seeded {args.orders:,} orders x 3 lines with history and ledger in {time.perf_counter() - start:.1f} s "
          f"({Path(source).stat().st_size / 2**20:.0f} MiB of SQLite)")
    schema = f"bench_copy_{uuid.uuid4().hex[:8]}"
    server = args.postgres.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    target = f"{args.postgres}{'&' if '?' in args.postgres else '?'}options=-csearch_path%3D{schema}"
    try:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "ordercli", "--db", source, "db", "copy", "--to", target, "--json"],
                              capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"db copy failed ({proc.returncode}): {proc.stderr[-2000:]}")
        report = json.loads(proc.stdout)
        rows = report["rows"]
        print(f"ordercli db copy SQLite -> PostgreSQL: {elapsed:.1f} s whole process, {rows:,} rows "
              f"({rows / elapsed:,.0f} rows/s), every table {'matches' if report['match'] else 'DOES NOT match'}; "
              "target: at most 60 s")
        for table in report["tables"]:
            print(f"  {table['table']:<16}{table['rows']:>10,}  {table['checksum'][:16]}  "
                  f"{'match' if table['match'] else 'MISMATCH'}")
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
