"""Shared fixtures: a private database per test on each backend, and ways to run the CLI.

SQLite tests use a file in the test's temporary directory. PostgreSQL tests run when
ORDERCLI_TEST_POSTGRES_URL is set (`.ci/run` sets it); each test gets its own schema (the
URL's `options` set its search_path), dropped afterwards, so runs never see each other's data.

Migrating is the costliest part of setting up a test, so a database that should already exist
(`cli`, `database`) is not migrated per test. Once per session (per xdist worker):
- SQLite: `ordercli db upgrade` makes a template file, closed and fully checkpointed (no -wal
  or -shm beside it); each test gets a copy.
- PostgreSQL: `ordercli db upgrade` migrates a template schema while every statement it sends
  is recorded; each test's schema gets the statements that change something replayed in one
  transaction, in one round trip (they name no schema: the search_path places them). Before
  any test uses it, a replay is compared with the template object by object (tables, columns,
  constraints, indexes, triggers, functions, sequences, rows), so a replay that built anything
  else fails the session. Schema names carry the xdist worker and a per-run id.
Tests about creating or upgrading a database (`fresh_cli`, `sqlite_cli`, `db_target`) start
from nothing and run the real migrations.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import CUSTOMER, Cli

POSTGRES_URL = os.environ.get("ORDERCLI_TEST_POSTGRES_URL")


def _psycopg_conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _schema_url(schema: str) -> str:
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need ORDERCLI_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test)")
    return request.param


@pytest.fixture(scope="session")
def session_name() -> str:
    """A name for this worker's database objects: unique to the xdist worker and to the run,
    so neither parallel workers nor someone else's run on the same server collide."""
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"


# -- SQLite --------------------------------------------------------------------------------


@pytest.fixture
def sqlite_target(tmp_path) -> str:
    return str(tmp_path / "orders.db")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file made by `ordercli db upgrade`, closed, with nothing left in a -wal file."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "orders.db"
    outcome = Cli(str(path), folder)("db", "upgrade")
    assert outcome.exit_code == 0, outcome
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0, "the template is still in use"
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # as a real one is
    finally:
        connection.close()  # the last connection: SQLite removes the -wal and -shm files
    leftovers = [p.name for p in folder.iterdir() if p.name != path.name]
    assert leftovers == [], leftovers
    return path


def _copy_sqlite_template(template: Path, target: Path) -> str:
    shutil.copy(template, target)  # content and mode (0600, as ordercli makes it)
    return str(target)


# -- PostgreSQL ----------------------------------------------------------------------------


class _Postgres:
    """One worker's connection for making and dropping schemas (reopened if a test broke it).
    Every schema it names starts with the worker's `session_name`."""

    def __init__(self, session_name: str) -> None:
        self.session_name = session_name
        self._connection = None

    @property
    def connection(self):
        import psycopg

        if self._connection is None or self._connection.closed or self._connection.broken:
            self._connection = psycopg.connect(_psycopg_conninfo(POSTGRES_URL), autocommit=True)
        return self._connection

    def create_schema(self, schema: str, statements: str | None = None) -> None:
        connection = self.connection
        with connection.transaction():
            connection.execute(f"CREATE SCHEMA {schema}")
            if statements:
                connection.execute(f"SET LOCAL search_path TO {schema}")
                connection.execute(statements)

    def drop_schema(self, schema: str) -> None:
        self.connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    def new_schema_name(self) -> str:
        return f"t_{self.session_name}_{uuid.uuid4().hex[:12]}"

    @contextmanager
    def private_schema(self, statements: str | None = None, *, name: str | None = None):
        """A new schema (with `statements` run in it), dropped when the block ends; yields its URL."""
        name = name or self.new_schema_name()
        self.create_schema(name, statements)
        try:
            yield _schema_url(name)
        finally:
            self.drop_schema(name)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


@pytest.fixture(scope="session")
def postgres(session_name):
    server = _Postgres(session_name)
    yield server
    server.close()


def _record_statements(run) -> list[tuple[str, object]]:
    """Every statement SQLAlchemy sends while `run()` runs, with its parameters, as it was sent."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    sent: list[tuple[str, object]] = []

    def record(connection, cursor, statement, parameters, context, executemany):
        for one in (parameters if executemany else [parameters]):
            sent.append((statement, one))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    return sent


def _as_script(sent: list[tuple[str, object]]) -> str:
    """The statements that change something, parameters bound in, as one script (one round trip).

    Reads are left out: the migration runner's probes (is there an alembic_version table?), and
    the advisory lock that serializes concurrent migrations (each replay has a schema of its
    own). The first replay is compared with the template (`postgres_migration`), so a read that
    did change something would show."""
    import psycopg

    with psycopg.connect(_psycopg_conninfo(POSTGRES_URL)) as connection:
        cursor = psycopg.ClientCursor(connection)
        bound = [cursor.mogrify(statement, parameters) for statement, parameters in sent
                 if not statement.lstrip().upper().startswith("SELECT")]
        connection.rollback()
    return ";\n".join(statement.strip().rstrip(";") for statement in bound)


_SCHEMA_OBJECTS = [
    "SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace",
    "SELECT table_name, ordinal_position, column_name, data_type, character_maximum_length, is_nullable, "
    "column_default FROM information_schema.columns WHERE table_schema = current_schema()",
    "SELECT t.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
    "JOIN pg_class t ON t.oid = k.conrelid WHERE k.connamespace = current_schema()::regnamespace",
    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE c.relnamespace = current_schema()::regnamespace",
    "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal",
    "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace",
    "SELECT s.relname, q.seqtypid::regtype, q.seqstart, q.seqincrement FROM pg_sequence q "
    "JOIN pg_class s ON s.oid = q.seqrelid WHERE s.relnamespace = current_schema()::regnamespace",
    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()",
    # the rows of every table, counted
    "SELECT table_name, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', "
    "table_schema, table_name), false, true, '')))[1]::text FROM information_schema.tables "
    "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    "SELECT version_num FROM alembic_version",
]


def _schema_objects(schema: str) -> list[list[tuple]]:
    """What a schema holds, with its own name written as <schema>: tables, columns, constraints,
    indexes, triggers, functions, sequences and their positions, rows per table, the revision."""
    import psycopg

    with psycopg.connect(_psycopg_conninfo(POSTGRES_URL), options=f"-csearch_path={schema}") as connection:
        found = [sorted(tuple(str(v).replace(schema, "<schema>") for v in row)
                        for row in connection.execute(sql).fetchall())
                 for sql in _SCHEMA_OBJECTS]
        connection.rollback()
    return found


@pytest.fixture(scope="session")
def postgres_migration(postgres, session_name) -> str:
    """The statements `ordercli db upgrade` sends to migrate an empty schema, as one script;
    checked once: replayed into a new schema they build exactly what the migration built."""
    template = f"tpl_{session_name}"
    check = f"chk_{session_name}"
    postgres.create_schema(template)
    try:
        def migrate():
            outcome = Cli(_schema_url(template), Path.cwd())("db", "upgrade")
            assert outcome.exit_code == 0, outcome

        script = _as_script(_record_statements(migrate))
        with postgres.private_schema(script, name=check):
            assert _schema_objects(check) == _schema_objects(template), "replaying the migration built another schema"
    finally:
        postgres.drop_schema(template)
    return script


# -- a database per test -------------------------------------------------------------------


@pytest.fixture
def db_target(backend, tmp_path, request):
    """A database location (path or URL) of the test's backend, empty and private to the test."""
    if backend == "sqlite":
        yield str(tmp_path / "orders.db")
        return
    with request.getfixturevalue("postgres").private_schema() as url:
        yield url


@contextmanager
def migrated_location(backend: str, folder: Path, request):
    """A new database location at the latest schema, empty, private to its user: a copy of the
    SQLite template in `folder`, or a PostgreSQL schema with the migration replayed (dropped
    when the block ends). For fixtures of any scope."""
    if backend == "sqlite":
        yield _copy_sqlite_template(request.getfixturevalue("sqlite_template"), folder / "orders.db")
        return
    script = request.getfixturevalue("postgres_migration")
    with request.getfixturevalue("postgres").private_schema(script) as url:
        yield url


@pytest.fixture
def migrated_target(backend, tmp_path, request):
    """A database location of the test's backend, private to the test, at the latest schema and
    empty: what `ordercli db upgrade` makes (copied or replayed, see the module's docstring)."""
    with migrated_location(backend, tmp_path, request) as target:
        yield target


@pytest.fixture
def cli(migrated_target, tmp_path) -> Cli:
    """The CLI on a database that already exists (as `db upgrade` makes it), as in daily use."""
    return Cli(migrated_target, tmp_path)


@pytest.fixture
def database(migrated_target):
    """The services' view of an existing, empty database: `ordercli.db.engine.Database`."""
    from ordercli.db.engine import Database

    database = Database(migrated_target)
    yield database
    database.dispose()


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
