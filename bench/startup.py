"""Whole-process start-up: `ordercli --help` and `ordercli show N` against the reference
`python -c "import typer, rich.console, sqlmodel, fpdf"`, measured side by side in one run.

Targets (issue: foundation): --help at most 0.25x and show at most 0.6x of the reference.
Usage: python bench/startup.py [--runs 15]
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


def median_seconds(command: list[str], runs: int, env: dict) -> float:
    subprocess.run(command, capture_output=True, env=env, check=True)  # warm the file cache and .pyc files
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ordercli-bench-"))
    env = {**os.environ, "ORDERCLI_DB": str(folder / "bench.db"), "NO_COLOR": "1"}
    ordercli = [sys.executable, "-m", "ordercli"]
    subprocess.run(
        [*ordercli, "create", "--name", "Maria Anders", "--email", "maria@example.com", "--address", "Obere Str. 57",
         "--city", "Berlin", "--postal-code", "12209", "--country", "DE", "--line", "SETUP:1@120:Installation",
         "--line", "CABLE:3@4.50:Cable"],
        capture_output=True, env=env, check=True,
    )
    reference = median_seconds([sys.executable, "-c", "import typer, rich.console, sqlmodel, fpdf"], args.runs, env)
    rows = [("python -c 'import typer, rich.console, sqlmodel, fpdf'", reference, None)]
    for label, command, target in [
        ("ordercli --help", [*ordercli, "--help"], 0.25),
        ("ordercli show 1", [*ordercli, "show", "1"], 0.6),
        ("ordercli show 1 --json", [*ordercli, "show", "1", "--json"], 0.6),
    ]:
        rows.append((label, median_seconds(command, args.runs, env), target))
    print(f"median of {args.runs} runs each, whole process, {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"{'command':<58}{'ms':>8}{'ratio':>8}{'target':>8}")
    for label, seconds, target in rows:
        ratio = seconds / reference
        verdict = "" if target is None else f"<={target:g}x {'ok' if ratio <= target else 'MISSED'}"
        print(f"{label:<58}{seconds * 1000:>8.0f}{ratio:>8.2f}  {verdict}")


if __name__ == "__main__":
    main()
