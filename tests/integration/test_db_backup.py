"""`ordercli db backup FILE`: a consistent snapshot of a SQLite database taken while other
processes write (SQLite's online backup API), put in place only when complete; refusals that
change nothing; and on PostgreSQL, the pg_dump command that does the job there. Also `db info`'s
table sizes, server and role."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL
from tests.helpers import Cli, query

WRITER = textwrap.dedent("""
    import sys
    from datetime import datetime, timezone
    from pathlib import Path
    from ordercli.db.engine import Database
    from ordercli.services.inventory.movements import adjust, receive
    from ordercli.services.views import Stamp

    database, stop = Database(sys.argv[1]), Path(sys.argv[2])
    for i in range(200_000):  # bounded: the test stops it long before
        stamp = Stamp("writer", "test", datetime.now(timezone.utc))
        receive(database, "CHAI", "3", None, None, stamp)
        adjust(database, "CHAI", "-1", None, "counted", stamp)
        if i == 20:
            print("ready", flush=True)
        if stop.exists():
            break
    print(i, flush=True)
""")


def ok(outcome):
    assert outcome.exit_code == 0, outcome
    return outcome


@pytest.fixture
def shop(tmp_path) -> Cli:
    """A SQLite database with stock and a few thousand orders (a file worth a few MB)."""
    cli = Cli(str(tmp_path / "orders.db"), tmp_path)
    ok(cli("location", "add", "main"))
    ok(cli("product", "add", "CHAI", "--name", "Chai", "--price", "18.00"))
    ok(cli("stock", "receive", "CHAI", "100"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from datetime import datetime, timezone

    from seed import seed_orders

    database = cli.database()
    seed_orders(database, 5_000, verified=True, now=datetime.now(timezone.utc))
    database.dispose()
    return cli


def on_hand(target: str) -> int:
    return query(Cli(target, Path()), "SELECT on_hand FROM stock_levels")[0].on_hand


def test_a_backup_taken_while_others_write_is_consistent(shop, tmp_path):
    stop = tmp_path / "stop"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, shop.target, str(stop)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for writer in writers:
            assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
        backups = []
        for n in range(3):
            backup = tmp_path / f"backup-{n}.db"
            outcome = shop.run("db", "backup", str(backup))
            assert outcome.exit_code == 0, outcome
            assert outcome.stdout == ""
            assert outcome.stderr.startswith(f"backed up {shop.target} (schema "), outcome
            backups.append(backup)
    finally:
        stop.touch()
        counts = [int(writer.communicate(timeout=120)[0].split()[-1]) for writer in writers]
    assert all(writer.returncode == 0 for writer in writers)
    assert min(counts) > 20
    final = on_hand(shop.target)
    seen = []
    for backup in backups:
        connection = sqlite3.connect(backup)
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        connection.close()
        assert oct(backup.stat().st_mode & 0o777) == "0o600"
        check = Cli(str(backup), tmp_path).run("stock", "check")
        assert (check.exit_code, check.stdout, check.stderr) == (0, "", "every stock counter equals its ledger\n"), check
        seen.append(on_hand(str(backup)))
        assert query(Cli(str(backup), tmp_path), "SELECT count(*) AS n FROM orders")[0].n == 5_000
    # the writers were at work while the backups were taken: each saw more stock than the last
    assert 100 < seen[0] < seen[1] < seen[2] < final, (seen, final)
    assert sorted(p.name for p in tmp_path.iterdir() if "backup" in p.name) == [b.name for b in backups]


def test_an_existing_file_is_replaced_only_with_force(shop, tmp_path):
    backup = tmp_path / "backup.db"
    backup.write_text("yesterday's backup\n")
    refused = shop("db", "backup", str(backup))
    assert refused.exit_code == 4, refused
    assert refused.stderr == f"ordercli: {backup} exists: give another name, or --force to replace it; nothing was changed\n"
    assert backup.read_text() == "yesterday's backup\n"
    ok(shop("db", "backup", str(backup), "--force"))
    assert on_hand(str(backup)) == 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.db", "orders.db", "orders.db-shm", "orders.db-wal"] \
        or sorted(p.name for p in tmp_path.iterdir()) == ["backup.db", "orders.db"]


@pytest.mark.parametrize("where, code, message", [
    ("missing/backup.db", 5, "ordercli: cannot write the backup {tmp}/missing/backup.db: the folder {tmp}/missing does "
                             "not exist"),
    (".", 5, "ordercli: {tmp} is a folder: give the name of the backup file to write"),
    ("orders.db", 4, "ordercli: {tmp}/orders.db is the database itself: give another file for the backup"),
    ("-", 2, "ordercli: FILE must be a file path: a backup is a SQLite database, not sent to stdout (see ordercli db "
             "backup --help)"),
])
def test_a_bad_backup_file_is_refused_and_nothing_is_written(shop, tmp_path, where, code, message):
    before = sorted(p.name for p in tmp_path.iterdir())
    outcome = shop("db", "backup", where if where == "-" else str(tmp_path / where), "--force")
    assert outcome.exit_code == code, outcome
    assert outcome.stderr == message.format(tmp=tmp_path) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert on_hand(shop.target) == 100


def test_a_missing_database_is_not_backed_up_and_not_made(tmp_path):
    outcome = Cli(str(tmp_path / "none.db"), tmp_path)("db", "backup", str(tmp_path / "backup.db"))
    assert outcome.exit_code == 6, outcome
    assert outcome.stderr == f"ordercli: no database at {tmp_path / 'none.db'}\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_on_postgresql_it_gives_the_pg_dump_command_without_the_password(migrated_target, tmp_path):
    secret = migrated_target.replace("postgres@", "postgres:Hunter2Secret@", 1)
    outcome = Cli(secret, tmp_path)("db", "backup", str(tmp_path / "backup.db"))
    assert outcome.exit_code == 4, outcome
    schema = migrated_target.rsplit("%3D", 1)[1]
    server = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    assert outcome.stderr == (
        "ordercli: db backup copies SQLite files; back up PostgreSQL with pg_dump: pg_dump --format=custom "
        f"--file=ordercli.dump --schema={schema} {server} (restore with pg_restore), or take a SQLite copy with "
        "ordercli db copy --to FILE\n")
    assert list(tmp_path.iterdir()) == []
    # and the command works as written
    dump = subprocess.run(["pg_dump", "--format=plain", f"--schema={schema}", server], capture_output=True, text=True,
                          timeout=120)
    assert dump.returncode == 0 and "CREATE TABLE" in dump.stdout and "orders" in dump.stdout, dump.stderr


# -- db info -------------------------------------------------------------------------------------


def test_db_info_shows_the_rows_of_each_table_and_on_postgresql_the_server_and_role(cli):
    ok(cli("location", "add", "main"))
    ok(cli("product", "add", "CHAI", "--name", "Chai", "--price", "18.00"))
    ok(cli("stock", "receive", "CHAI", "7"))
    info = cli.json("db", "info")
    tables = {t["table"]: t["rows"] for t in info["tables"]}
    assert (tables["locations"], tables["products"], tables["stock_levels"], tables["stock_movements"],
            tables["orders"]) == (1, 1, 1, 1, 0)
    assert "alembic_version" not in tables and list(tables) == sorted(tables)
    if cli.target.endswith(".db"):
        assert (info["server"], info["role"]) == (None, None)
    else:
        assert info["role"] == "postgres" and info["server"].split(".")[0].isdigit(), info
    text = ok(cli("db", "info")).stdout.splitlines()
    assert [line.split() for line in text if "stock_movements" in line] == [["stock_movements", "1"]]
    assert next(line for line in text if line.startswith("tables")).split()[1] == info["tables"][0]["table"]
    assert json.loads(ok(cli("db", "info", "--json")).stdout)["orders"] == 0
