"""`ordercli export` of 1,000,000 line rows against `sqlite3 -csv` running the equivalent join on
the same file, side by side in one run (issue 11's targets: at most 2.5x the time of sqlite3,
peak memory under 100 MB), whole processes, with the peak resident memory of each.

Usage: python bench/export.py [--lines 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed import seed_catalogue, seed_orders  # noqa: E402

LINES_PER_ORDER = 3

# The same rows as `export --format lines`, as plain columns: what sqlite3 does without any
# formatting of money, times or text.
REFERENCE = """
SELECT o.id, o.channel, o.channel_ref, o.status, o.placed_at, o.updated_at, o.currency,
       o.customer_name, o.customer_email, o.customer_phone,
       b.name, b.line1, b.line2, b.city, b.region, b.postal_code, b.country,
       s.name, s.line1, s.line2, s.city, s.region, s.postal_code, s.country,
       p.code, o.note, o.subtotal_minor, o.discount_minor, o.shipping_minor, o.shipping_tax_rate_bp,
       o.shipping_tax_minor, o.tax_minor, o.total_minor,
       l.line_no, l.sku, l.description, l.kind, l.delivery_method, l.quantity, l.unit_price_minor,
       l.discount_minor, l.order_discount_minor, l.tax_rate_bp, l.net_minor, l.tax_minor,
       l.net_minor + l.tax_minor, COALESCE(shipped.units, 0)
FROM orders o JOIN addresses b ON b.id = o.billing_address_id JOIN addresses s ON s.id = o.shipping_address_id
LEFT JOIN promo_codes p ON p.id = o.promo_code_id JOIN order_lines l ON l.order_id = o.id
LEFT JOIN (SELECT sl.order_line_id, SUM(sl.quantity) AS units FROM shipment_lines sl
           JOIN shipments sh ON sh.id = sl.shipment_id
           WHERE sh.deleted_at IS NULL AND sh.stage IN ('handed_over', 'delivered')
           GROUP BY sl.order_line_id) shipped ON shipped.order_line_id = l.id
ORDER BY o.id, l.line_no
"""


def timed(command: list[str], stdout=None) -> tuple[float, int | None]:
    """Seconds and peak resident memory (MB) of one whole process. The memory comes from GNU
    time (`/usr/bin/time -f %M`): getrusage's children figure would count the pages a child
    shares with this process (which holds the seeded data) between fork and exec."""
    measure = ["/usr/bin/time", "-f", "maxrss_kb=%M"] if Path("/usr/bin/time").exists() else []
    start = time.perf_counter()
    done = subprocess.run([*measure, *command], check=True, stdout=stdout or subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"}, text=False)
    elapsed = time.perf_counter() - start
    found = [line for line in done.stderr.decode(errors="replace").splitlines() if line.startswith("maxrss_kb=")]
    return elapsed, (int(found[-1].split("=")[1]) // 1024 if found else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("sqlite3") is None:
        sys.exit("this bench needs the sqlite3 command (Debian: apt-get install sqlite3)")
    from ordercli.db.engine import Database

    folder = Path(tempfile.mkdtemp(prefix="ordercli-bench-"))
    target = str(folder / "export.db")
    database = Database(target)
    now = datetime.now(timezone.utc)
    start = time.perf_counter()
    products = seed_catalogue(database, 500, units=1, now=now)
    seed_orders(database, args.lines // LINES_PER_ORDER, verified=True, now=now, products=products,
                lines_per_order=LINES_PER_ORDER)
    database.dispose()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}; seeded {args.lines:,} lines in "
          f"{time.perf_counter() - start:.1f} s", flush=True)
    ours, theirs, memory = [], [], []
    for _ in range(args.runs):
        seconds, peak = timed([sys.executable, "-m", "ordercli", "--db", target, "export", "--out",
                               str(folder / "export.csv")])
        ours.append(seconds)
        memory.append(peak)
    for _ in range(args.runs):
        with open(folder / "reference.csv", "wb") as sink:
            seconds, reference_peak = timed(["sqlite3", "-csv", "-header", target, REFERENCE], stdout=sink)
        theirs.append(seconds)
    rows = sum(1 for _ in open(folder / "export.csv", encoding="utf-8")) - 1
    size = (folder / "export.csv").stat().st_size / 2**20
    reference_size = (folder / "reference.csv").stat().st_size / 2**20
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(f"{'what':<58}{'median s':>10}{'peak MB':>9}")
    print(f"{f'sqlite3 -csv, the same join, raw columns ({reference_size:.0f} MiB)':<58}"
          f"{statistics.median(theirs):>10.2f}{reference_peak or '?':>9}")
    print(f"{f'ordercli export --out FILE, {rows:,} rows ({size:.0f} MiB)':<58}{statistics.median(ours):>10.2f}"
          f"{max(memory):>9}")
    print(f"\nratio {ratio:.2f}x (target at most 2.5x); peak memory {max(memory)} MB (target under 100 MB)")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
