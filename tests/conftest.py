"""Shared fixtures: a fresh database per test on each backend, and ways to run the CLI.

SQLite tests use a file in the test's temporary directory. PostgreSQL tests run when
ORDERCLI_TEST_POSTGRES_URL is set (`.ci/run` sets it); each test gets its own schema, dropped
afterwards, so runs never see each other's data.
"""

from __future__ import annotations

import os
import uuid

import pytest

from tests.helpers import CUSTOMER, Cli

POSTGRES_URL = os.environ.get("ORDERCLI_TEST_POSTGRES_URL")


def _psycopg_conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need ORDERCLI_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test)")
    return request.param


@pytest.fixture
def sqlite_target(tmp_path) -> str:
    return str(tmp_path / "orders.db")


@pytest.fixture
def db_target(backend, tmp_path):
    """A database location (path or URL) of the test's backend, empty and private to the test."""
    if backend == "sqlite":
        yield str(tmp_path / "orders.db")
        return
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_psycopg_conninfo(POSTGRES_URL), autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(_psycopg_conninfo(POSTGRES_URL), autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def cli(db_target, tmp_path) -> Cli:
    """The CLI on a database that already exists (created by `db upgrade`), as in daily use."""
    cli = Cli(db_target, tmp_path)
    outcome = cli("db", "upgrade")
    assert outcome.exit_code == 0, outcome
    return cli


@pytest.fixture
def sqlite_cli(tmp_path) -> Cli:
    """The CLI on a new SQLite file (for tests about SQLite itself, or that need speed)."""
    return Cli(str(tmp_path / "orders.db"), tmp_path)


@pytest.fixture
def fresh_cli(db_target, tmp_path) -> Cli:
    """The CLI on a database that does not exist yet."""
    return Cli(db_target, tmp_path)


@pytest.fixture
def make_order(cli):
    """Create an order through the CLI and return its number."""

    def make(*lines: str, extra: tuple[str, ...] = ()) -> int:
        args = [*CUSTOMER]
        for line in lines or ("SETUP:1@40.00:Installation",):
            args += ["--line", line]
        outcome = cli("create", *args, *extra)
        assert outcome.exit_code == 0, outcome
        return int(outcome.stdout.strip())

    return make
