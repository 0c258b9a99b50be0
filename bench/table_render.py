"""`ordercli list` of 10,000 orders: the table for people against CSV, timed.

Two sets of figures, each the median of a few runs:
- whole process: `ordercli list --limit 0` on a real terminal (a pseudo-terminal of --columns
  columns, as a person sees it), into a pipe (tab-separated values), and `--csv`;
- in process: the same rows (read once) printed by the output kit as a terminal table, as
  tab-separated values and as CSV, so start-up and the query are left out.

Target (issue: operator experience): the table as fast as the CSV path.
Usage: python bench/table_render.py [--orders 10000] [--columns 120] [--runs 3]
"""

from __future__ import annotations

import argparse
import fcntl
import io
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from contextlib import redirect_stdout
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed import seed_orders  # noqa: E402


class Terminal(io.StringIO):
    """A stdout that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def on_terminal(command: list[str], columns: int) -> int:
    """Run `command` with stdout on a pseudo-terminal `columns` wide; returns the bytes it printed."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns)}
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    size = 0
    while True:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # the other end closed: EIO on Linux
            break
        if not chunk:
            break
        size += len(chunk)
    os.close(master)
    if proc.wait() != 0:
        raise SystemExit(f"{command} failed")
    return size


def into_pipe(command: list[str]) -> int:
    proc = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, check=True)
    return len(proc.stdout)


def timed(run, runs: int) -> tuple[float, int]:
    """The median seconds of `runs` calls of `run`, and what the last one returned."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--columns", type=int, default=120)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    target = str(Path(tempfile.mkdtemp(prefix="ordercli-bench-")) / "bench.db")
    from ordercli.db.engine import Database

    database = Database(target)
    seed_orders(database, args.orders, verified=False, now=datetime.now(timezone.utc))
    database.dispose()
    command = [sys.executable, "-m", "ordercli", "--db", target, "--quiet", "list", "--limit", "0"]

    print(f"{args.orders:,} orders, median of {args.runs} runs; whole process (start-up and query included):")
    for label, run in ((f"table on a terminal, {args.columns} columns", lambda: on_terminal(command, args.columns)),
                       ("table into a pipe (tab-separated)", lambda: into_pipe(command)),
                       ("--csv into a pipe", lambda: into_pipe([*command, "--csv"]))):
        seconds, size = timed(run, args.runs)
        print(f"  {label:<40} {seconds:7.2f} s  {size / 1024:8.0f} KiB")

    from ordercli.cli import render, shapes
    from ordercli.cli.output import Format, Output
    from ordercli.services.orders import OrderFilter, list_orders

    database = Database(target)
    rows, _ = list_orders(database, OrderFilter(limit=None))
    database.dispose()
    os.environ["COLUMNS"] = str(args.columns)

    def emit(format: Format, stream: io.StringIO) -> int:
        with redirect_stdout(stream):
            Output(format).emit(rows, shape=shapes.each(shapes.order_summary), table=render.SUMMARIES,
                                csv=shapes.ORDER_SUMMARY_CSV)
        return len(stream.getvalue())

    print("in process (the same rows, printed by the output kit):")
    for label, run in ((f"table for a terminal, {args.columns} columns", lambda: emit(Format.TABLE, Terminal())),
                       ("table into a pipe (tab-separated)", lambda: emit(Format.TABLE, io.StringIO())),
                       ("CSV", lambda: emit(Format.CSV, io.StringIO()))):
        seconds, size = timed(run, args.runs)
        print(f"  {label:<40} {seconds:7.2f} s  {size / 1024:8.0f} KiB")


if __name__ == "__main__":
    main()
