"""Helpers for tests: run the CLI, read the database, arrange states."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"Outcome(exit_code={self.exit_code}, stdout={self.stdout[:2000]!r}, stderr={self.stderr[:2000]!r})"


class Cli:
    """Runs `ordercli --db TARGET ...` in process (fast) or as a real subprocess."""

    def __init__(self, target: str, tmp_path: Path):
        self.target = target
        self.tmp_path = tmp_path

    def __call__(self, *args: str, input: str | bytes | None = None, env: dict | None = None) -> Outcome:
        from typer.testing import CliRunner

        from ordercli.cli.app import app

        runner = CliRunner()
        result = runner.invoke(app, ["--db", self.target, *args], input=input, env={"NO_COLOR": "1", **(env or {})},
                               catch_exceptions=False)
        return Outcome(result.exit_code, result.stdout, result.stderr)

    def run(self, *args: str, input: str | None = None, env: dict | None = None, timeout: float = 120) -> Outcome:
        """A real process, as a shell script would run it."""
        proc = subprocess.run(
            [sys.executable, "-m", "ordercli", "--db", self.target, *args],
            input=input, capture_output=True, text=True, timeout=timeout,
            env={**os.environ, "NO_COLOR": "1", **(env or {})},
        )
        return Outcome(proc.returncode, proc.stdout, proc.stderr)

    def json(self, *args: str, input: str | None = None):
        import json

        outcome = self(*args, "--json", input=input)
        assert outcome.exit_code == 0, outcome
        return json.loads(outcome.stdout)

    def database(self):
        from ordercli.db.engine import Database

        return Database(self.target)


CUSTOMER = [
    "--name", "Maria Anders", "--email", "maria@example.com", "--phone", "030-0074321",
    "--address", "Obere Str. 57", "--city", "Berlin", "--postal-code", "12209", "--country", "DE",
]


def table_count(where, table: str) -> int:
    return query(where, f"SELECT count(*) AS n FROM {table}")[0].n


@contextmanager
def _opened(where):
    """The database of a Cli (opened here and closed after), or a Database the caller owns."""
    if isinstance(where, Cli):
        database = where.database()
        try:
            yield database
        finally:
            database.dispose()
    else:
        yield where


def force_status(where, number: int, status: str) -> None:
    """Arrange a test: put an order in any status directly (bypassing the transition table).
    `where` is a Cli or a Database."""
    from ordercli.db.sql import execute

    with _opened(where) as database, database.write() as connection:
        execute(connection, "UPDATE orders SET status = :s WHERE id = :n", {"s": status, "n": number})


def query(where, sql: str, params: dict | None = None) -> list:
    """Rows of a statement, read in a transaction of its own; `where` is a Cli or a Database."""
    from ordercli.db.sql import rows

    with _opened(where) as database, database.read() as connection:
        return rows(connection, sql, params)


def race(scripts: list[list[str]], timeout: float = 600) -> list[str]:
    """Start Python scripts (`python -c SCRIPT ARGS...`) that print "ready" and then wait for
    a line on stdin; release them all at once; return what each printed. Each must exit 0."""
    procs = [subprocess.Popen([sys.executable, "-c", *script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for script in scripts]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err
        outputs.append(out)
    return outputs
