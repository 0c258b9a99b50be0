"""SQLite and PostgreSQL side by side: each bench on both, back to back, with the ratio.

Runs bench/promise.py (creating with promising, releasing, promising waiting lines),
bench/batch_status.py (batch status, releasing by status) and bench/create_order.py (`ordercli
create`, whole process) on a new SQLite file and then on a schema of its own on the PostgreSQL
server, `--repeat` times, alternating. Every timed step the benches print is shown with the
median seconds on each backend and PostgreSQL's throughput as a share of SQLite's (SQLite's
time / PostgreSQL's: the same work on both), with the lowest and highest of the repeats.
Usage: python bench/side_by_side.py --postgresql URL [--repeat 3] [--only promise,batch_status]
       [--promise-orders 10000] [--status-orders 100000] [--create-runs 10]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratch import postgresql_schema, sqlite_file  # noqa: E402

HERE = Path(__file__).resolve().parent
# A timed step: its label, then seconds or milliseconds.
_STEP = re.compile(r"^\s*(?P<label>.+?):?\s+(?P<value>[\d.]+) (?P<unit>s|ms)\b")
# Lines with a time that is no step: set-up, targets, differences.
_NOT_STEPS = ("seeded", "target:", "costs about")


def steps(output: str) -> dict[str, float]:
    """Label -> seconds of each timed step a bench printed."""
    found = {}
    for line in output.splitlines():
        match = _STEP.match(line)
        if match and not any(words in line for words in _NOT_STEPS):
            label = " ".join(match.group("label").split())
            found[label] = float(match.group("value")) / (1000 if match.group("unit") == "ms" else 1)
    return found


def run(script: str, target: str, args: list[str]) -> dict[str, float]:
    proc = subprocess.run([sys.executable, str(HERE / script), "--db", target, *args], capture_output=True,
                          text=True, env={**os.environ, "NO_COLOR": "1"})
    if proc.returncode != 0:
        sys.exit(f"{script} failed on {target.split('?')[0]}:\n{proc.stdout}{proc.stderr[-3000:]}")
    print(proc.stdout.rstrip(), flush=True)
    return steps(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", default=os.environ.get("ORDERCLI_TEST_POSTGRES_URL"), required=False,
                        help="a PostgreSQL URL (a schema is made there for each run)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="promise,batch_status,create_order")
    parser.add_argument("--promise-orders", default="10000")
    parser.add_argument("--status-orders", default="100000")
    parser.add_argument("--create-runs", default="10")
    args = parser.parse_args()
    if not args.postgresql:
        sys.exit("give --postgresql URL (or set ORDERCLI_TEST_POSTGRES_URL)")
    benches = {"promise": ("promise.py", ["--orders", args.promise_orders]),
               "batch_status": ("batch_status.py", ["--orders", args.status_orders]),
               "create_order": ("create_order.py", ["--runs", args.create_runs])}
    seconds: dict[tuple[str, str], dict[str, list[float]]] = {}
    for round_ in range(args.repeat):
        for name in args.only.split(","):
            script, bench_args = benches[name]
            print(f"\n== {name}, round {round_ + 1} of {args.repeat}: SQLite, then PostgreSQL", flush=True)
            for backend in ("SQLite", "PostgreSQL"):
                if backend == "SQLite":
                    found = run(script, sqlite_file(), bench_args)
                else:
                    with postgresql_schema(args.postgresql) as url:
                        found = run(script, url, bench_args)
                for label, value in found.items():
                    seconds.setdefault((name, label), {}).setdefault(backend, []).append(value)
    print(f"\n{'step':<92} {'SQLite s':>9} {'PG s':>8} {'PG/SQLite':>10} {'(min-max)':>12}")
    for (name, label), by_backend in seconds.items():
        lite, pg = by_backend.get("SQLite", []), by_backend.get("PostgreSQL", [])
        if not lite or not pg:
            continue
        ratios = [a / b for a, b in zip(lite, pg)]
        print(f"{name + ': ' + label:<92.92} {statistics.median(lite):>9.2f} {statistics.median(pg):>8.2f} "
              f"{statistics.median(ratios):>9.2f}x {min(ratios):>5.2f}-{max(ratios):.2f}")


if __name__ == "__main__":
    main()
