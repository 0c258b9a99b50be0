"""Creating an order with 50 lines, whole process (`ordercli create` as a script runs it),
against one line, on a catalogue of 50 products with stock at two locations.

Usage: python bench/create_order.py [--runs 10] [--db URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--db", help="database path or URL (default: a new SQLite file)")
    args = parser.parse_args()
    target = args.db or str(Path(tempfile.mkdtemp(prefix="ordercli-bench-")) / "bench.db")
    env = {**os.environ, "NO_COLOR": "1"}
    ordercli = [sys.executable, "-m", "ordercli", "--db", target]

    def run(*command: str) -> float:
        start = time.perf_counter()
        proc = subprocess.run([*ordercli, *command], capture_output=True, text=True, env=env)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"failed: {' '.join(command[:3])}...: {proc.stderr}")
        return elapsed

    run("location", "add", "main")
    run("location", "add", "north")
    csv_path = Path(tempfile.mkdtemp()) / "products.csv"
    csv_path.write_text("sku,name,price,tax_rate\n" + "".join(f"P{i:02d},Product {i},{i}.50,19\n" for i in range(50)))
    run("product", "import", str(csv_path))
    for i in range(50):
        run("stock", "receive", f"P{i:02d}", "10000")
        run("stock", "receive", f"P{i:02d}", "10000", "--at", "north")
    customer = ["--name", "Maria Anders", "--email", "maria@example.com", "--address", "Obere Str. 57",
                "--city", "Berlin", "--postal-code", "12209", "--country", "DE"]
    fifty = [arg for i in range(50) for arg in ("--line", f"P{i:02d}:3")]
    run("create", *customer, *fifty)  # warm caches
    results = {}
    for label, lines in (("1 line", ["--line", "P00:3"]), ("50 lines", fifty)):
        results[label] = statistics.median(run("create", *customer, *lines) for _ in range(args.runs))
    print(f"ordercli create, whole process, median of {args.runs} ({'SQLite' if '://' not in target else target.split(':')[0]})")
    for label, seconds in results.items():
        print(f"  {label:<9} {seconds * 1000:7.0f} ms")
    print(f"  a line costs about {(results['50 lines'] - results['1 line']) / 49 * 1000:.1f} ms more")


if __name__ == "__main__":
    main()
