"""Shared fixtures: a private database per test on each backend, and ways to run the CLI.

SQLite tests use a file in the test's temporary directory. PostgreSQL tests run when
ORDERCLI_TEST_POSTGRES_URL is set (`.ci/run` sets it); each test gets a schema of its own (the
URL's `options` set its search_path), dropped afterwards or emptied for a later test of the same
worker (`_SchemaPool`), so runs never see each other's data.

Migrating is the costliest part of setting up a test, so a database that should already exist
(`cli`, `database`) is not migrated per test. Once per session (per xdist worker):
- SQLite: `ordercli db upgrade` makes a template file, closed and fully checkpointed (no -wal
  or -shm beside it); each test gets a copy.
- PostgreSQL: `ordercli db upgrade` migrates a template schema while every statement it sends
  is recorded; each test's schema gets the statements that change something replayed in one
  transaction, in one round trip (they name no schema: the search_path places them). Before
  any test uses it, a replay is compared with the template object by object (tables, columns,
  constraints, indexes, triggers, functions, sequences, rows), so a replay that built anything
  else fails the session. Schema names carry the xdist worker and a per-run id. A test's
  schema is then emptied for the next test rather than dropped (`_SchemaPool`), unless the
  test changed how it is built.
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

from tests.helpers import CUSTOMER, Cli, close_shared_engines

POSTGRES_URL = os.environ.get("ORDERCLI_TEST_POSTGRES_URL")


def _psycopg_conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _schema_url(schema: str) -> str:
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(autouse=True)
def _close_shared_engines():
    """No connection of one test's in-process commands outlives it (tests/helpers.py keeps them
    for the test's next command)."""
    yield
    close_shared_engines()


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


# What a schema is made of, as one digest, for `_SchemaPool`: every object in it (found from
# pg_depend's index, not by scanning catalogs that a long life of CREATE/DROP SCHEMA bloats)
# with its owner and grants, the columns, defaults, constraints, indexes, triggers (and whether
# they are enabled), rules, policies, sequence parameters, functions, types, comments and default
# privileges. Also whether another session holds a lock in it, and how many bytes its tables take.
_STRUCTURE = r"""
WITH top AS (SELECT classid, objid FROM pg_depend
             WHERE refclassid = 'pg_namespace'::regclass AND refobjid = %(s)s::regnamespace),
rels AS (SELECT c.* FROM pg_class c JOIN top ON top.classid = 'pg_class'::regclass AND top.objid = c.oid),
idx AS (SELECT i.indexrelid AS oid FROM pg_index i JOIN rels ON i.indrelid = rels.oid),
cons AS (SELECT k.* FROM pg_constraint k JOIN rels ON k.conrelid = rels.oid)
SELECT md5(concat_ws(E'\n',
  (SELECT format('%%s %%s', nspowner, nspacl) FROM pg_namespace WHERE oid = %(s)s::regnamespace),
  (SELECT string_agg(format('%%s %%s', o.type, o.identity), ' ' ORDER BY 1)
   FROM top, pg_identify_object(top.classid, top.objid, 0) o),
  (SELECT string_agg(format('%%s %%s %%s %%s %%s %%s %%s %%s %%s', relname, relkind, relowner, relacl, reloptions,
                            relpersistence, relrowsecurity, relforcerowsecurity, relreplident), ' ' ORDER BY 1) FROM rels),
  (SELECT string_agg(format('%%s %%s %%s %%s %%s %%s %%s %%s %%s %%s %%s', a.attrelid::regclass, a.attnum, a.attname,
                            a.atttypid::regtype, a.atttypmod, a.attnotnull, a.attisdropped, a.attacl, a.attidentity,
                            a.attgenerated, pg_get_expr(d.adbin, d.adrelid)), ' ' ORDER BY 1)
   FROM pg_attribute a JOIN rels ON a.attrelid = rels.oid
   LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attnum > 0),
  (SELECT string_agg(format('%%s %%s %%s %%s', k.conrelid::regclass, k.conname, k.convalidated,
                            pg_get_constraintdef(k.oid)), ' ' ORDER BY 1) FROM cons k),
  (SELECT string_agg(format('%%s %%s %%s', c.relname, c.relacl, pg_get_indexdef(idx.oid)), ' ' ORDER BY 1)
   FROM idx JOIN pg_class c ON c.oid = idx.oid),
  (SELECT string_agg(format('%%s %%s %%s', t.tgname, t.tgenabled, pg_get_triggerdef(t.oid)), ' ' ORDER BY 1)
   FROM pg_trigger t JOIN rels ON t.tgrelid = rels.oid),
  (SELECT string_agg(format('%%s %%s %%s', r.rulename, r.ev_enabled, pg_get_ruledef(r.oid)), ' ' ORDER BY 1)
   FROM pg_rewrite r JOIN rels ON r.ev_class = rels.oid),
  (SELECT string_agg(format('%%s %%s %%s %%s %%s %%s', p.polname, p.polrelid::regclass, p.polcmd, p.polroles,
                            pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)), ' ' ORDER BY 1)
   FROM pg_policy p JOIN rels ON p.polrelid = rels.oid),
  (SELECT string_agg(format('%%s %%s %%s %%s %%s %%s %%s %%s', s.seqrelid::regclass, s.seqtypid, s.seqstart,
                            s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle), ' ' ORDER BY 1)
   FROM pg_sequence s JOIN rels ON s.seqrelid = rels.oid),
  (SELECT string_agg(format('%%s %%s %%s %%s', p.oid::regprocedure, p.proowner, p.proacl,
                            CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END), ' ' ORDER BY 1)
   FROM pg_proc p JOIN top ON top.classid = 'pg_proc'::regclass AND top.objid = p.oid),
  (SELECT string_agg(format('%%s %%s %%s %%s', t.typname, t.typowner, t.typacl,
                            (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e
                             WHERE e.enumtypid = t.oid)), ' ' ORDER BY 1)
   FROM pg_type t JOIN top ON top.classid = 'pg_type'::regclass AND top.objid = t.oid),
  (SELECT string_agg(format('%%s %%s %%s %%s', d.classoid::regclass, d.objoid, d.objsubid, d.description), ' ' ORDER BY 1)
   FROM pg_description d WHERE d.objoid IN (SELECT objid FROM top UNION ALL SELECT oid FROM idx
                                           UNION ALL SELECT oid FROM cons UNION ALL SELECT %(s)s::regnamespace::oid)),
  (SELECT string_agg(format('%%s %%s %%s', a.defaclrole, a.defaclobjtype, a.defaclacl), ' ' ORDER BY 1)
   FROM pg_default_acl a WHERE a.defaclnamespace = %(s)s::regnamespace)
)),
EXISTS (SELECT 1 FROM pg_locks l JOIN rels ON l.relation = rels.oid WHERE l.pid <> pg_backend_pid()),
(SELECT coalesce(sum(pg_relation_size(oid)), 0) FROM rels WHERE relkind = 'r')
"""


class _SchemaPool:
    """Migrated PostgreSQL schemas for one worker, each used by one test at a time and made
    empty again for the next, which is much cheaper than making and dropping a schema per test.

    A schema goes back to the pool only if, after the test, `_STRUCTURE` finds it built exactly
    as when it was made (a test that changed a table, a grant or an owner gets its schema
    dropped), no other session holds a lock in it, and its tables are small (DELETE leaves dead
    rows: a test that wrote many rows gets its schema dropped rather than slow the next one
    down). Then, in one transaction, every table's rows are deleted (with triggers and foreign
    keys off, as `session_replication_role = replica` does for the superuser, so the append-only
    guards stay in place), the seed's rows are copied back and every sequence is set to the
    seed's position. The seed is a replay of the checked migration (`postgres_migration`), made
    once and never handed out. So a test sees what a new replayed schema holds, and its
    order numbers start at 1 again. Without the superuser's rights every schema is dropped."""

    MAX_TABLE_BYTES = 1 << 20

    def __init__(self, postgres: _Postgres, script: str) -> None:
        self.postgres = postgres
        self.script = script
        self.seed = "seed" + postgres.new_schema_name().removeprefix("t")
        postgres.create_schema(self.seed, script)
        connection = postgres.connection
        kinds = connection.execute("SELECT relname, relkind FROM pg_class WHERE relnamespace = %s::regnamespace "
                                   "AND relkind IN ('r', 'S') ORDER BY relname", (self.seed,)).fetchall()
        self.tables = [name for name, kind in kinds if kind == "r"]
        self.sequences = [name for name, kind in kinds if kind == "S"]
        self.seeded = [table for table in self.tables
                       if connection.execute(f"SELECT EXISTS (SELECT 1 FROM {self.seed}.{table})").fetchone()[0]]
        self.free: list[str] = []
        self.structure: dict[str, str] = {}  # schema -> its digest when it was made
        self.reusable = True

    @contextmanager
    def schema(self):
        """A migrated, empty schema private to the block; yields its URL."""
        name = self.free.pop() if self.free else self._make()
        try:
            yield _schema_url(name)
        finally:
            if self._emptied(name):
                self.free.append(name)
            else:
                self.structure.pop(name, None)
                self.postgres.drop_schema(name)

    def _make(self) -> str:
        name = self.postgres.new_schema_name()
        self.postgres.create_schema(name, self.script)
        self.structure[name] = self.postgres.connection.execute(_STRUCTURE, {"s": name}).fetchone()[0]
        return name

    def _emptied(self, name: str) -> bool:
        import psycopg

        if not self.reusable:
            return False
        connection = self.postgres.connection
        try:
            structure, locked, table_bytes = connection.execute(_STRUCTURE, {"s": name}).fetchone()
            if structure != self.structure[name] or locked or table_bytes > self.MAX_TABLE_BYTES:
                return False
            with connection.transaction():
                connection.execute(self._emptying(name))
        except psycopg.errors.InsufficientPrivilege:
            self.reusable = False
            return False
        except psycopg.Error:
            return False
        return True

    def _emptying(self, name: str) -> str:
        statements = ["SET LOCAL session_replication_role = replica"]
        statements += [f"DELETE FROM {name}.{table}" for table in self.tables]
        statements += [f"INSERT INTO {name}.{table} SELECT * FROM {self.seed}.{table}" for table in self.seeded]
        statements += [f"SELECT setval('{name}.{sequence}', last_value, is_called) FROM {self.seed}.{sequence}"
                       for sequence in self.sequences]
        return ";\n".join(statements)

    def close(self) -> None:
        for name in [*self.free, self.seed]:
            self.postgres.drop_schema(name)


@pytest.fixture(scope="session")
def postgres_pool(postgres, postgres_migration):
    pool = _SchemaPool(postgres, postgres_migration)
    yield pool
    pool.close()


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
    SQLite template in `folder`, or a PostgreSQL schema with the migration replayed (given back
    to the pool, emptied, or dropped when the block ends). For fixtures of any scope."""
    if backend == "sqlite":
        yield _copy_sqlite_template(request.getfixturevalue("sqlite_template"), folder / "orders.db")
        return
    with request.getfixturevalue("postgres_pool").schema() as url:
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


# -- printing ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def private_cups():
    """A CUPS scheduler of this worker's own, with a queue `PDF` that prints through cups-pdf
    (tests/cups.py says where the output lands and how to wait for it). Point CUPS's commands
    at it with `monkeypatch.setenv` of each of `private_cups.client_env()`, or give a
    subprocess `private_cups.env()`. Skips when CUPS or cups-pdf is missing or cupsd cannot start."""
    from tests.cups import CupsUnavailable, PrivateCups, missing_tools

    missing = missing_tools()
    if missing:
        pytest.skip(f"printing through CUPS: {missing}")
    cups = PrivateCups()
    try:
        cups.start()
        cups.add_pdf_queue("PDF")
    except CupsUnavailable as error:
        cups.stop()
        pytest.skip(f"printing through CUPS: {error}")
    except BaseException:
        cups.stop()
        raise
    yield cups
    cups.stop()
