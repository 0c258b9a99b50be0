"""A batch status change of 100,000 orders read from stdin in one `ordercli status` call,
history included, timed as a whole process (start-up, reading stdin, checking, writing).

Target (issue: foundation): at most 3 s on SQLite. A second run cancels 100,000 orders that
each hold stock (one promised line), so the same call also releases 100,000 reservations.
Usage: python bench/batch_status.py [--orders 100000] [--db URL]   (default: a new SQLite file)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed import seed_catalogue, seed_orders  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--db", help="database path or URL (default: a new SQLite file)")
    args = parser.parse_args()
    target = args.db or str(Path(tempfile.mkdtemp(prefix="ordercli-bench-")) / "bench.db")
    from ordercli.db.engine import Database

    database = Database(target)
    start = time.perf_counter()
    numbers = seed_orders(database, args.orders, verified=True, now=datetime.now(timezone.utc))
    seeded = time.perf_counter() - start
    database.dispose()
    print(f"backend {database.backend}; seeded {len(numbers):,} verified open orders in {seeded:.1f} s")
    stdin = "\n".join(str(n) for n in numbers) + "\n"
    env = {**os.environ, "NO_COLOR": "1"}
    for target_status in ("ready_to_ship", "canceled"):
        start = time.perf_counter()
        # --yes: a script moving more than 100 orders to a final status must say so
        proc = subprocess.run([sys.executable, "-m", "ordercli", "--db", target, "status", "-", "--to", target_status,
                               "--yes"], input=stdin, capture_output=True, text=True, env=env)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"status failed ({proc.returncode}): {proc.stderr[-2000:]}")
        print(f"ordercli status - --to {target_status:<14} {len(numbers):,} orders: {elapsed:6.2f} s whole process "
              f"({len(numbers) / elapsed:,.0f} orders/s)  [{proc.stderr.strip().splitlines()[-1]}]")
    database = Database(target)
    from ordercli.db.sql import execute, scalar
    from ordercli.services.inventory.promising import fill_backorders
    from ordercli.services.views import Stamp

    with database.read() as connection:
        history = scalar(connection, "SELECT count(*) FROM order_history WHERE event = 'status'")
    print(f"history entries written: {history:,} (expected {2 * len(numbers):,}); target: at most 3 s per batch")

    now = datetime.now(timezone.utc)
    products = seed_catalogue(database, 1000, units=args.orders // 1000 + 1, now=now)
    holding = seed_orders(database, args.orders, verified=True, now=now, products=products)
    with database.write() as connection:  # promise every line, as receiving stock does
        execute(connection, "UPDATE order_lines SET backordered = true WHERE order_id >= :first", {"first": holding[0]})
        fill_backorders(connection, {p for p, _ in products}, Stamp("bench", "bench", now))
        held = scalar(connection, "SELECT SUM(reserved) FROM stock_levels")
    database.dispose()
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ordercli", "--db", target, "status", "-", "--to", "canceled", "--yes"],
                          input="\n".join(str(n) for n in holding) + "\n", capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"status failed ({proc.returncode}): {proc.stderr[-2000:]}")
    database = Database(target)
    with database.read() as connection:
        left = scalar(connection, "SELECT SUM(reserved) FROM stock_levels")
    database.dispose()
    print(f"ordercli status - --to canceled, {len(holding):,} orders holding stock: {elapsed:6.2f} s whole process, "
          f"{held:,} reservations released ({left} left)")


if __name__ == "__main__":
    main()
