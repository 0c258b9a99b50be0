"""Helpers for tests: run the CLI, read the database, arrange states."""

from __future__ import annotations

import functools
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
        """The command in this process, with stdin, stdout, stderr and the environment swapped
        as typer's CliRunner swaps them, on the click command `app_command()` built once."""
        from typer.testing import CliRunner

        command = app_command()
        runner = CliRunner()
        with runner.isolation(input=input, env={"NO_COLOR": "1", **(env or {})}) as (stdout, stderr, _), \
                _shared_postgresql_engines():
            try:
                command.main(args=["--db", self.target, *args], prog_name=runner.get_default_prog_name(command))
                exit_code = 0
            except SystemExit as error:  # as CliRunner.invoke reads it; other exceptions propagate
                exit_code = error.code if error.code is not None else 0
                if not isinstance(exit_code, int):
                    sys.stdout.write(f"{exit_code}\n")
                    exit_code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            out, err = stdout.getvalue(), stderr.getvalue()
        return Outcome(exit_code, _text(out, runner.charset), _text(err, runner.charset))

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


@functools.cache
def app_command():
    """ordercli's click command, built from the Typer app once per test process, as a real
    process builds it once: typer's CliRunner builds it again on every call, and that (typer
    reads every command's signature and type hints) cost more than most commands take to run.
    Click commands keep no state between invocations (click's own test runner reuses them)."""
    import typer.main

    from ordercli.cli.app import app

    return typer.main.get_command(app)


# PostgreSQL engines of the in-process commands of the running test, by URL and lock timeout.
_ENGINES: dict[tuple[str, float], object] = {}


@contextmanager
def _shared_postgresql_engines():
    """While a command runs in this process, a PostgreSQL database it opens takes its engine (and
    the engine's open connections) from `_ENGINES`, and leaves it there when it is disposed.

    A real process connects once and runs one command; in process, each command would connect
    again and SQLAlchemy would query the server's settings again on the first connection. Here
    the next command of the same test reuses the connection instead: ordercli keeps no session
    state on it (settings are per transaction or given when connecting, and the engine is keyed
    on everything it connects with), and every command still checks the schema itself.
    `close_shared_engines` disposes of them all after each test (tests/conftest.py)."""
    from ordercli.db.engine import Database

    make, dispose = Database._postgresql_engine, Database.dispose

    def shared(database):
        key = (database.url.render_as_string(hide_password=False), database.busy_timeout)
        if key not in _ENGINES:
            _ENGINES[key] = make(database)
        return _ENGINES[key]

    def keep_shared(database):
        if database._engine is not None and database._engine in _ENGINES.values():
            database._engine = None  # left open for the test's next command
        dispose(database)

    Database._postgresql_engine, Database.dispose = shared, keep_shared
    try:
        yield
    finally:
        Database._postgresql_engine, Database.dispose = make, dispose


def close_shared_engines() -> None:
    """Close the connections the test's in-process commands kept open (`_shared_postgresql_engines`)."""
    engines = list(_ENGINES.values())
    _ENGINES.clear()
    for engine in engines:
        engine.dispose()


def _text(output: bytes, charset: str) -> str:
    return output.decode(charset, "replace").replace("\r\n", "\n")  # as typer's Result decodes


CUSTOMER = [
    "--name", "Maria Anders", "--email", "maria@example.com", "--phone", "030-0074321",
    "--address", "Obere Str. 57", "--city", "Berlin", "--postal-code", "12209", "--country", "DE",
]


def table_count(where, table: str) -> int:
    return query(where, f"SELECT count(*) AS n FROM {table}")[0].n


@contextmanager
def _opened(where):
    """The database of a Cli (opened here and closed after, on the connections its commands
    use: `_shared_postgresql_engines`), or a Database the caller owns."""
    if isinstance(where, Cli):
        with _shared_postgresql_engines():
            database = where.database()
            try:
                yield database
            finally:
                database.dispose()
    else:
        yield where


@contextmanager
def arranging(cli: Cli, command: str = "arrange"):
    """Arrange a test through the services rather than one command each (for data that the test
    is not about): yields the Cli's database and a Stamp (actor `tester`, `command`, now)."""
    from datetime import datetime, timezone

    from ordercli.services.views import Stamp

    with _opened(cli) as database:
        yield database, Stamp("tester", command, datetime.now(timezone.utc))


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
