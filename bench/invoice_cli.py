"""Invoicing from the command line, timed as whole processes (issue 10's targets):

(a) `ordercli invoice --status closed --since today --out DIR`: 1,000 shipped orders (3 lines
    each) issued and rendered as 1,000 PDF files in one call. Target: at most 20 s.
(b) `ordercli invoice N --out DIR` for one shipped order: the whole process, median of --runs.
    Target: at most 1.5 s. Beside it `ordercli show N` (the same start-up, no PDF) and, for
    the reference the issue names, a bare fpdf2 script that builds one invoice with the Unicode
    font (bench/invoices.py measures per-invoice costs in detail).
On a new SQLite file, and on a PostgreSQL schema made for the run unless --sqlite-only.
Usage: python bench/invoice_cli.py [--orders 1000] [--runs 7] [--postgresql URL | --sqlite-only]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratch import postgresql_schema, sqlite_file  # noqa: E402
from seed import seed_catalogue  # noqa: E402
from ship import LINES, ordercli, seed_ready  # noqa: E402

PROFILE = ["profile", "set", "--name", "Northwind Traders GmbH", "--address", "Obere Str. 57", "--postal-code",
           "12209", "--city", "Berlin", "--country", "DE", "--tax-id", "DE123456789", "--payment-days", "14",
           "--footer", "Thank you for your order."]

BARE = """
import sys, time
from fpdf import FPDF
from ordercli.documents import fonts
pdf = FPDF()
pdf.add_font("Noto", "", str(fonts.variable_path()))  # the font as the package ships it
pdf.add_font("Noto", "B", str(fonts.bold_path()))
pdf.add_page()
pdf.set_font("Noto", "B", 16)
pdf.cell(0, 10, "Invoice INV-2026-000001", new_x="LMARGIN", new_y="NEXT")
pdf.set_font("Noto", "", 10)
for i in range(3):
    pdf.cell(0, 6, f"CHAI-{i}  Chai, 10 boxes x 20 bags  1  18.00  19 %  21.42", new_x="LMARGIN", new_y="NEXT")
pdf.output(sys.argv[1])
"""


def shipped_orders(target: str, count: int) -> list[int]:
    """`count` orders of LINES promised lines, shipped (closed): what `fulfilled` invoices."""
    from ordercli.db.engine import Database
    from ordercli.services.fulfillment import ShipEntry, ship_orders
    from ordercli.services.views import Stamp

    database = Database(target)
    now = datetime.now(timezone.utc)
    products = seed_catalogue(database, 200, units=count * LINES // 200 + 2, now=now)
    numbers = seed_ready(database, count, products)
    result = ship_orders(database, [ShipEntry(str(n)) for n in numbers], Stamp("bench", "bench", now))
    assert result.applied, result
    database.dispose()
    return numbers


def median_of(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(target: str, orders: int, runs: int) -> None:
    ordercli(target, *PROFILE)
    start = time.perf_counter()
    numbers = shipped_orders(target, orders + runs + 1)
    print(f"  seeded {len(numbers):,} shipped orders x {LINES} lines in {time.perf_counter() - start:.1f} s",
          flush=True)
    singles = numbers[orders:]
    from ordercli.db.engine import Database
    from ordercli.db.sql import execute

    database = Database(target)
    with database.write() as connection:  # the single orders: closed, but placed before today
        execute(connection, "UPDATE orders SET placed_at = placed_at - interval '2 days' WHERE id IN :ids"
                if database.backend == "postgresql" else
                "UPDATE orders SET placed_at = datetime(placed_at, '-2 days') WHERE id IN :ids", {"ids": singles})
    database.dispose()
    with tempfile.TemporaryDirectory(prefix="ordercli-bench-") as folder:
        elapsed, proc = ordercli(target, "invoice", "--status", "closed", "--since", "today", "--out", folder)
        files = list(Path(folder).glob("*.pdf"))
        size = sum(f.stat().st_size for f in files) / max(len(files), 1)
        print(f"  (a) invoice --status closed --since today, {orders:,} orders: {elapsed:6.2f} s whole process, "
              f"{len(files):,} files of {size / 1024:.0f} KiB  [{proc.stderr.strip().splitlines()[-1]}]  "
              f"target <= 20 s", flush=True)
        if len(files) != orders:
            sys.exit(f"expected {orders} files, found {len(files)}")
        base = [sys.executable, "-m", "ordercli", "--db", target]
        ordercli(target, "invoice", str(singles.pop()), "--out", folder)  # warm caches
        times = []
        for number in singles:
            start = time.perf_counter()
            subprocess.run([*base, "invoice", str(number), "--out", folder], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        one = statistics.median(times)
        show = median_of([*base, "show", str(singles[0])], runs)
        bare = median_of([sys.executable, "-c", BARE, str(Path(folder) / "bare.pdf")], runs)
    print(f"  (b) invoice N (issue + render + write), median of {len(times)}: {one:6.3f} s whole process; "
          f"target <= 1.5 s", flush=True)
    print(f"      show N (same start-up, no PDF):            {show:6.3f} s", flush=True)
    print(f"      bare fpdf2 script, one invoice, Noto Sans:  {bare:6.3f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--postgresql", default=os.environ.get("ORDERCLI_TEST_POSTGRES_URL"))
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
    print("SQLite:", flush=True)
    run(sqlite_file(), args.orders, args.runs)
    if args.postgresql and not args.sqlite_only:
        print("PostgreSQL:", flush=True)
        with postgresql_schema(args.postgresql) as target:
            run(target, args.orders, args.runs)


if __name__ == "__main__":
    main()
