"""The store: schema from migrations, file safety, SQLite settings, refusals, unreachable servers."""

import os
import sqlite3
import stat
import subprocess
import sys

import pytest

from ordercli.db.engine import Database, known_revisions
from tests.helpers import CUSTOMER, Cli


def test_the_migrations_build_exactly_the_schema_of_the_tables(cli):
    """Alembic's autogenerate finds nothing to add: tables and migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import ordercli.db.tables  # noqa: F401 - registers the tables

    database = cli.database()
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    database.dispose()
    assert differences == []


def test_a_blank_database_is_created_at_the_latest_schema_with_its_tables(fresh_cli, backend):
    import json

    before = json.loads(fresh_cli("db", "info", "--json").stdout)
    assert before["schema"] is None and before["up_to_date"] is False
    # reading does not make a database: a mistyped --db must not look like an empty store
    missing = fresh_cli("list")
    assert missing.exit_code == 6 and "a command that writes creates" in missing.stderr
    assert fresh_cli("stock", "check").exit_code == 6
    outcome = fresh_cli("promo", "add", "FIRST", "--percent", "5")
    assert outcome.exit_code == 0, outcome
    expected = "created a new database at" if backend == "sqlite" else "set up a new ordercli schema in"
    assert f"ordercli: {expected}" in outcome.stderr
    info = json.loads(fresh_cli("db", "info", "--json").stdout)
    assert info["schema"] == known_revisions()[-1] and info["up_to_date"] is True
    assert info["orders"] == 0
    database = fresh_cli.database()
    from sqlalchemy import inspect

    tables = set(inspect(database.engine).get_table_names())
    database.dispose()
    assert {"orders", "order_lines", "order_history", "customers", "addresses", "products", "promo_codes"} <= tables


def test_a_new_sqlite_file_is_private_to_its_owner(tmp_path):
    target = tmp_path / "new" / "orders.db"
    cli = Cli(str(target), tmp_path)
    assert cli("create", *CUSTOMER, "--line", "FEE:1@1:Fee").exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    for suffix in ("-wal", "-shm"):
        side = target.with_name(target.name + suffix)
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0


def test_sqlite_is_set_up_for_several_processes(tmp_path):
    from ordercli.db.sql import scalar

    target = tmp_path / "orders.db"
    database = Database(str(target))
    with database.write() as connection:  # the standard library driver
        pragmas = {name: scalar(connection, f"PRAGMA {name}")
                   for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")}
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2, "busy_timeout": 15000}
    with database.engine.connect() as connection:  # SQLAlchemy's, used for migrations
        pragmas = {name: scalar(connection, f"PRAGMA {name}")
                   for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")}
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2, "busy_timeout": 15000}
    database.dispose()


def test_a_database_of_another_program_is_refused(tmp_path):
    target = tmp_path / "other.db"
    with sqlite3.connect(target) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER)")
    outcome = Cli(str(target), tmp_path)("list")
    assert outcome.exit_code == 6
    assert "is not an ordercli database (it has tables but no schema version)" in outcome.stderr


def test_a_database_from_a_newer_ordercli_is_refused(tmp_path):
    target = tmp_path / "orders.db"
    cli = Cli(str(target), tmp_path)
    assert cli("db", "upgrade").exit_code == 0
    with sqlite3.connect(target) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    outcome = cli("list")
    assert outcome.exit_code == 6
    assert "the database schema (9999) is newer than this ordercli knows" in outcome.stderr


def test_an_unreachable_server_exits_6_without_showing_the_password(tmp_path):
    url = "postgresql+psycopg://ops:s3cret-pw@127.0.0.1:1/orders"
    outcome = Cli(url, tmp_path)("list")
    assert outcome.exit_code == 6
    assert "cannot use the database postgresql+psycopg://ops:***@127.0.0.1:1/orders" in outcome.stderr
    assert "s3cret-pw" not in outcome.stderr + outcome.stdout
    info = Cli(url, tmp_path)("db", "info")
    assert "s3cret-pw" not in info.stderr + info.stdout


@pytest.mark.parametrize("target, message", [
    ("mysql://root@localhost/db", "unsupported database"),
    (":memory:", "in-memory SQLite database would be lost"),
    ("/proc/forbidden/orders.db", "cannot create the database"),
    ("{tmp}/notes.txt", "is not a usable SQLite database"),
])
def test_unusable_locations_exit_6(tmp_path, target, message):
    (tmp_path / "notes.txt").write_text("not a database at all\n" * 100)
    target = target.format(tmp=tmp_path)
    for command in (["list"], ["db", "upgrade"]):
        outcome = Cli(target, tmp_path)(*command)
        assert outcome.exit_code == 6
    assert message in outcome.stderr


def test_a_writer_waiting_too_long_gets_exit_6_and_changes_nothing(tmp_path):
    target = tmp_path / "orders.db"
    cli = Cli(str(target), tmp_path)
    assert cli("create", *CUSTOMER, "--line", "FEE:1@1:Fee").exit_code == 0
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         f"c = sqlite3.connect({str(target)!r}, isolation_level=None)\n"
         "c.execute('BEGIN IMMEDIATE')\nprint('locked', flush=True)\ntime.sleep(30)\n"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        from ordercli.db.engine import Database as Db

        database = Db(str(target), busy_timeout=0.5)
        from ordercli.domain.errors import StoreUnavailable
        from ordercli.services.status import change_status
        from ordercli.domain.statuses import Status
        from ordercli.services.views import Stamp
        from datetime import datetime, timezone

        with pytest.raises(StoreUnavailable, match="the database is busy"):
            change_status(database, ["1"], Status.CANCELED, Stamp("t", "status", datetime.now(timezone.utc)))
        database.dispose()
    finally:
        holder.kill()
        holder.wait()
    assert cli.json("show", "1")["status"] == "open"


def test_db_upgrade_is_safe_to_run_twice(cli):
    outcome = cli("db", "upgrade")
    assert outcome.exit_code == 0
    assert outcome.stdout.strip() == known_revisions()[-1]
    assert "the database schema is up to date" in outcome.stderr


def test_sqlalchemy_is_not_loaded_on_sqlite_once_the_database_exists(sqlite_target, tmp_path):
    cli = Cli(sqlite_target, tmp_path)
    assert cli("create", *CUSTOMER, "--line", "FEE:1@1:Fee").exit_code == 0
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['ordercli'] + sys.argv[1:]\n"
        "try:\n    runpy.run_module('ordercli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "loaded = [m for m in ('sqlalchemy', 'sqlmodel', 'alembic', 'fpdf') if m in sys.modules]\n"
        "print('LOADED=' + ','.join(loaded), file=sys.stderr)\n"
    )
    for args in (["--help"], ["--db", sqlite_target, "show", "1"], ["--db", sqlite_target, "list"],
                 ["--db", sqlite_target, "create", *CUSTOMER, "--line", "FEE:1@1:Fee"],
                 ["--db", sqlite_target, "status", "1", "--to", "canceled"]):
        proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True,
                              env={**os.environ, "NO_COLOR": "1"})
        assert "LOADED=\n" in proc.stderr, (args, proc.stderr)
