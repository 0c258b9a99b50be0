"""Getting at the database when something is in the way: a lock held by another process, a
read-only file, folder or file system, an empty --db; and the modes of what ordercli creates.

Tests run as root, and root ignores permission bits. Read-only media are made for real with a
read-only bind mount in a private mount namespace (`unshare`), so the mount is seen by that one
command and never outlives it; read-only files and folders are tested as the unprivileged user
nobody (`setpriv`). Each skips, saying why, where the mechanism is not available.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ordercli.db.dialect import IMPORT_TURN_KEY, import_turn_sql
from ordercli.db.engine import Database, known_revisions
from ordercli.db.migrate import upgrade
from tests.helpers import CUSTOMER, Cli, Outcome, query

FAST = {"ORDERCLI_BUSY_TIMEOUT": "0.3"}
BUSY = ("ordercli: the database is busy: another process held its lock for more than 0.3 s; "
        "nothing was changed, try again")
NOBODY = 65534


def ok(outcome):
    assert outcome.exit_code == 0, outcome
    return outcome


def one_line(outcome) -> str:
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome
    return lines[0]


# -- a lock held by another process: exit 6, one line, nothing changed --------------------------


def _conninfo(target: str) -> str:
    return target.replace("postgresql+psycopg://", "postgresql://", 1)


def pg_snapshot(target: str) -> dict[str, str]:
    """A digest of every table's rows in the test's schema."""
    import psycopg

    with psycopg.connect(_conninfo(target), autocommit=True) as connection:
        tables = [r[0] for r in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY 1")]
        return {t: connection.execute(f"SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "
                                      f"FROM {t} x").fetchone()[0] for t in tables}


@pytest.fixture
def pg_store(cli, tmp_path):
    """Two locations, CHAI with 10 units, order 1 (open, holding 2) and order 2 (open, placed two
    days ago, so `expire --older-than 1d` would abandon it)."""
    ok(cli("location", "add", "main"))
    ok(cli("location", "add", "north"))
    ok(cli("product", "add", "CHAI", "--name", "Chai", "--price", "18.00", "--tax-rate", "7"))
    ok(cli("stock", "receive", "CHAI", "10"))
    ok(cli("create", *CUSTOMER, "--line", "CHAI:2"))
    ok(cli("create", *CUSTOMER, "--line", "CHAI:1"))
    import psycopg

    with psycopg.connect(_conninfo(cli.target), autocommit=True) as connection:
        connection.execute("UPDATE orders SET placed_at = placed_at - interval '2 days' WHERE id = 2")
    (tmp_path / "products.csv").write_text("sku,name,price,currency,tax_rate,kind,gtin,active\n"
                                           "CHAI,Chai tea,19.00,EUR,7,physical,,yes\n")
    (tmp_path / "orders.jsonl").write_text(
        '{"order": "I-1", "channel": "web", "channel_ref": "I-1", "customer": {"name": "Ana Trujillo", '
        '"email": "ana@example.com"}, "billing_address": {"line1": "Avda. 2222", "city": "Madrid", '
        '"country": "ES"}, "lines": [{"sku": "CHAI", "quantity": 1}]}\n')
    return cli


ORDER_1 = "SELECT id FROM orders WHERE id = 1 FOR UPDATE"
IMPORTING = import_turn_sql(alone=True)  # an import running holds it alone
PLACING = import_turn_sql(alone=False)  # an order being placed, or stock work, holds it shared
CHAI = "SELECT id FROM products WHERE sku = 'CHAI' FOR UPDATE"
PG_WRITES = {
    "create": (["create", *CUSTOMER, "--line", "CHAI:1"], "LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE"),
    "status": (["status", "1", "--to", "canceled"], ORDER_1),
    "status-batch": (["status", "-", "--to", "canceled"], ORDER_1),
    "verify": (["verify", "1", "--by", "anna"], ORDER_1),
    "expire": (["expire", "--older-than", "1d"], "SELECT id FROM orders WHERE id = 2 FOR UPDATE"),
    "product-add": (["product", "add", "CHANG", "--name", "Chang", "--price", "19.00"],
                    "LOCK TABLE products IN SHARE ROW EXCLUSIVE MODE"),
    "product-update": (["product", "update", "CHAI", "--name", "Chai tea"], CHAI),
    "product-import": (["product", "import", "{tmp}/products.csv"], CHAI),
    "stock-receive": (["stock", "receive", "CHAI", "5"], CHAI),
    "stock-adjust": (["stock", "adjust", "CHAI", "-1", "--reason", "damaged"], CHAI),
    "stock-transfer": (["stock", "transfer", "CHAI", "1", "--from", "main", "--to", "north"], CHAI),
    "location-add": (["location", "add", "south"], "LOCK TABLE locations IN SHARE ROW EXCLUSIVE MODE"),
    "location-set-default": (["location", "set-default", "north"], "SELECT id FROM locations FOR UPDATE"),
    "promo-add": (["promo", "add", "TEN", "--percent", "10"], "LOCK TABLE promo_codes IN SHARE ROW EXCLUSIVE MODE"),
    # an import running (it holds the import turn alone): placing an order and stock work wait
    "create-during-import": (["create", *CUSTOMER, "--line", "CHAI:1"], IMPORTING),
    "cancel-during-import": (["status", "1", "--to", "canceled"], IMPORTING),
    "stock-receive-during-import": (["stock", "receive", "CHAI", "5"], IMPORTING),
    "product-import-during-import": (["product", "import", "{tmp}/products.csv"], IMPORTING),
    # an order being placed (the turn shared): an import waits for it
    "import-during-create": (["import", "{tmp}/orders.jsonl"], PLACING),
}


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("command", PG_WRITES, ids=list(PG_WRITES))
def test_every_write_waiting_past_the_lock_timeout_on_postgresql_exits_6(pg_store, tmp_path, command):
    import psycopg

    args, lock = PG_WRITES[command]
    args = [a.format(tmp=tmp_path) for a in args]
    before = pg_snapshot(pg_store.target)
    holder = psycopg.connect(_conninfo(pg_store.target))
    try:
        holder.execute(lock)
        outcome = pg_store(*args, input="1\n", env=FAST)
    finally:
        holder.rollback()
        holder.close()
    assert outcome.exit_code == 6, outcome
    assert one_line(outcome) == BUSY
    assert pg_snapshot(pg_store.target) == before
    ok(pg_store(*args, input="1\n"))  # with the lock gone the same command goes through


# While an import runs, these wait for its turn before they lock anything an import may be
# waiting for (else the two could deadlock): a customer, a product, a stock level, a promo code
# or an address. Orders come first in everyone's lock order, so an order's own lock may be held.
TURN_FIRST = {
    "create": ["create", *CUSTOMER, "--line", "CHAI:1", "--promo", "TEN"],
    "create-by-phone": ["create", "--name", "Pat Doe", "--phone", "+49 30 1234567", "--address", "Hauptstr. 1",
                        "--city", "Berlin", "--country", "DE", "--line", "CHAI:1"],
    "cancel": ["status", "1", "--to", "canceled", "--reason", "wrong", "--yes"],
    "stock-receive": ["stock", "receive", "CHAI", "5"],
    "stock-transfer": ["stock", "transfer", "CHAI", "1", "--from", "main", "--to", "north"],
    "product-update": ["product", "update", "CHAI", "--name", "Chai tea"],
    "product-import": ["product", "import", "{tmp}/products.csv"],
}
WANTED_BY_AN_IMPORT = ["customers", "products", "stock_levels", "promo_codes", "addresses"]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("command", TURN_FIRST, ids=list(TURN_FIRST))
def test_while_an_import_runs_a_command_waits_for_its_turn_before_it_locks_anything(pg_store, tmp_path, command):
    import time

    import psycopg

    ok(pg_store("promo", "add", "TEN", "--percent", "10"))
    args = [a.format(tmp=tmp_path) for a in TURN_FIRST[command]]
    holder = psycopg.connect(_conninfo(pg_store.target))
    watcher = psycopg.connect(_conninfo(pg_store.target), autocommit=True)
    schema = watcher.execute("SELECT oid::int FROM pg_namespace WHERE nspname = current_schema()").fetchone()[0]
    try:
        holder.execute(IMPORTING)
        proc = subprocess.Popen([sys.executable, "-m", "ordercli", "--db", pg_store.target, *args],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "NO_COLOR": "1", "ORDERCLI_BUSY_TIMEOUT": "120"})
        waiting, deadline = None, time.monotonic() + 90
        while waiting is None and proc.poll() is None and time.monotonic() < deadline:
            found = watcher.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                                    "AND classid = %s AND objid = %s", (IMPORT_TURN_KEY, schema)).fetchone()
            waiting = found[0] if found else None
            time.sleep(0.02)
        held = watcher.execute(
            "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = %s "
            "AND l.granted AND l.mode <> 'AccessShareLock' AND c.relname = ANY(%s) ORDER BY 1",
            (waiting, WANTED_BY_AN_IMPORT)).fetchall()
    finally:
        holder.rollback()
        holder.close()
    out, err = proc.communicate(timeout=120)
    watcher.close()
    assert waiting is not None, f"it never waited for the import's turn: {err}"
    assert held == [], f"it locked {held} before waiting for the import's turn"
    assert proc.returncode == 0, err  # and once the import is done, it goes through


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_db_upgrade_waiting_for_another_migration_on_postgresql_exits_6(fresh_cli):
    import psycopg

    from ordercli.db.migrate import _MIGRATION_LOCK

    holder = psycopg.connect(_conninfo(fresh_cli.target))
    try:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        outcome = fresh_cli("db", "upgrade", env=FAST)
    finally:
        holder.rollback()
        holder.close()
    assert outcome.exit_code == 6, outcome
    assert one_line(outcome) == BUSY
    assert pg_snapshot(fresh_cli.target) == {}


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_read_waiting_past_the_lock_timeout_on_postgresql_exits_6(pg_store):
    import psycopg

    holder = psycopg.connect(_conninfo(pg_store.target))
    try:
        holder.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        outcome = pg_store("show", "1", env=FAST)
    finally:
        holder.rollback()
        holder.close()
    assert outcome.exit_code == 6, outcome
    assert one_line(outcome) == BUSY


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_raw_driver_error_of_a_lock_timeout_is_translated_at_service_level(pg_store):
    """`status` reads through the driver's own cursor (sql.tuples): psycopg's LockNotAvailable
    arrives unwrapped by SQLAlchemy and must still be StoreUnavailable, not a crash."""
    from datetime import datetime, timezone

    import psycopg

    from ordercli.domain.errors import StoreUnavailable
    from ordercli.domain.statuses import Status
    from ordercli.services.status import change_status
    from ordercli.services.views import Stamp

    database = Database(pg_store.target, busy_timeout=0.2)
    holder = psycopg.connect(_conninfo(pg_store.target))
    try:
        holder.execute(ORDER_1)
        with pytest.raises(StoreUnavailable, match="more than 0.2 s") as raised:
            change_status(database, ["1"], Status.CANCELED, Stamp("t", "status", datetime.now(timezone.utc)))
        assert type(raised.value.__cause__).__name__ == "LockNotAvailable"
    finally:
        holder.rollback()
        holder.close()
        database.dispose()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_server_errors_that_mean_not_now_are_translated_on_both_statement_paths(db_target):
    """Real server errors with each SQLSTATE, raised through SQLAlchemy (wrapped) and through the
    driver's own cursor (raw psycopg errors); other errors still reach the code that handles them."""
    from ordercli.db.sql import execute, tuples
    from ordercli.domain.errors import StoreUnavailable

    database = Database(db_target, busy_timeout=0.5)
    expected = {
        "55P03": "the database is busy: another process held its lock for more than 0.5 s",
        "40P01": "the database broke a deadlock with another process; nothing was changed, try again",
        "40001": "the database could not serialize this change with another made at the same time",
        "57014": "the database canceled the statement (a statement timeout, or an administrator)",
        "25006": "is read-only (a standby server, or read-only transactions by default); nothing was changed",
        "53300": f"cannot use the database {database.display}: simulated 53300",
        "08006": f"cannot use the database {database.display}: simulated 08006",
    }
    try:
        for run in (execute, tuples):
            for state, message in expected.items():
                with pytest.raises(StoreUnavailable) as raised:
                    with database.write() as connection:
                        run(connection, f"DO $$ BEGIN RAISE EXCEPTION 'simulated {state}' USING ERRCODE = '{state}'; "
                                        "END $$")
                assert message in str(raised.value), (run.__name__, state, raised.value)
                assert len(str(raised.value).splitlines()) == 1
            with pytest.raises(Exception) as raised:  # a unique violation is for the service to judge
                with database.write() as connection:
                    run(connection, "DO $$ BEGIN RAISE EXCEPTION 'taken' USING ERRCODE = '23505'; END $$")
            assert not isinstance(raised.value, StoreUnavailable)
            assert getattr(getattr(raised.value, "orig", raised.value), "sqlstate", None) == "23505"
    finally:
        database.dispose()


@pytest.mark.parametrize("args", [
    ["create", *CUSTOMER, "--line", "FEE:1@1:Fee"],
    ["status", "1", "--to", "canceled"],
    ["verify", "1", "--by", "anna"],
    ["promo", "add", "TEN", "--percent", "10"],
    ["location", "add", "south"],
], ids=["create", "status", "verify", "promo-add", "location-add"])
def test_a_write_waiting_past_the_busy_timeout_on_sqlite_exits_6(sqlite_cli, args):
    ok(sqlite_cli("create", *CUSTOMER, "--line", "FEE:1@1:Fee"))
    path = Path(sqlite_cli.target)
    holder = sqlite3.connect(path, isolation_level=None)
    before = "\n".join(holder.iterdump())
    holder.execute("BEGIN IMMEDIATE")  # another program's write lock
    try:
        outcome = sqlite_cli(*args, env=FAST)
    finally:
        holder.execute("ROLLBACK")
    assert outcome.exit_code == 6, outcome
    assert one_line(outcome) == BUSY
    assert "\n".join(holder.iterdump()) == before
    holder.close()


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf", "99999"])
def test_a_bad_busy_timeout_setting_is_refused(sqlite_cli, value):
    outcome = sqlite_cli("create", *CUSTOMER, "--line", "FEE:1@1:Fee", env={"ORDERCLI_BUSY_TIMEOUT": value})
    assert outcome.exit_code == 5, outcome
    assert one_line(outcome) == (f"ordercli: ORDERCLI_BUSY_TIMEOUT must be a number of seconds from 0 to 3600, "
                                 f"not {value!r}")
    assert not Path(sqlite_cli.target).exists()


def test_ordercli_busy_timeout_sets_the_wait_and_an_explicit_one_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("ORDERCLI_BUSY_TIMEOUT", "2.5")
    database = Database(str(tmp_path / "orders.db"))
    from ordercli.db.sql import scalar

    with database.write() as connection:
        assert scalar(connection, "PRAGMA busy_timeout") == 2500
    database.dispose()
    assert Database(str(tmp_path / "orders.db"), busy_timeout=1).busy_timeout == 1


# -- read-only media, files and folders ------------------------------------------------------


def _can_mount_read_only() -> str | None:
    """Why a read-only bind mount cannot be made here, or None."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return "needs root and unshare(1) to bind-mount a folder read-only in a private mount namespace"
    probe = tempfile.mkdtemp()
    try:
        done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                               f"mount --bind {probe} {probe} && mount -o remount,bind,ro {probe} && "
                               f"! touch {probe}/x 2>/dev/null"], capture_output=True)
        return None if done.returncode == 0 else f"a read-only bind mount failed here: {done.stderr.decode()[:200]}"
    finally:
        shutil.rmtree(probe)


def _can_run_as_nobody() -> str | None:
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return "needs root and setpriv(1) to run ordercli as the unprivileged user nobody"
    done = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                           sys.executable, "-c", "import ordercli.cli.app"], capture_output=True)
    return None if done.returncode == 0 else "the user nobody cannot run this Python or read ordercli's source"


READ_ONLY_MOUNT = _can_mount_read_only()
AS_NOBODY = _can_run_as_nobody()


def on_read_only_mount(folder: Path, *args: str) -> Outcome:
    """Run `ordercli --db folder/orders.db ARGS` with `folder` mounted read-only for it alone."""
    script = ('mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"')
    proc = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(folder),
         sys.executable, "-m", "ordercli", "--db", str(folder / "orders.db"), *args],
        capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"},
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def as_nobody(path: Path, *args: str) -> Outcome:
    proc = subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
         sys.executable, "-m", "ordercli", "--db", str(path), *args],
        capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1", "HOME": "/nonexistent"},
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def quiet_failure(outcome) -> bool:
    """Whether a successful read still complained (an error line, or a word about writing)."""
    return "ordercli:" in outcome.stderr or "read-only" in outcome.stderr or "readonly" in outcome.stderr


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


READS = [["show", "1"], ["show", "1", "--json"], ["list"], ["list", "--json"], ["history", "1"], ["db", "info"],
         ["db", "info", "--json"], ["stock", "list"], ["product", "list"], ["product", "show", "CHAI"],
         ["location", "list"], ["promo", "list"], ["stock", "check"]]
WRITES = [["create", *CUSTOMER, "--line", "FEE:1@1:Fee"], ["status", "1", "--to", "canceled"],
          ["promo", "add", "TEN", "--percent", "10"], ["stock", "receive", "CHAI", "1"]]


@pytest.fixture
def shop(tmp_path) -> Path:
    """A folder holding a closed SQLite database (no -wal, no -shm) with one order."""
    folder = tmp_path / "shop"
    folder.mkdir()
    cli = Cli(str(folder / "orders.db"), tmp_path)
    ok(cli("location", "add", "main"))
    ok(cli("product", "add", "CHAI", "--name", "Chai", "--price", "18.00"))
    ok(cli("stock", "receive", "CHAI", "5"))
    ok(cli("create", *CUSTOMER, "--line", "CHAI:1"))
    assert sorted(p.name for p in folder.iterdir()) == ["orders.db"]
    return folder


@pytest.mark.skipif(READ_ONLY_MOUNT is not None, reason=str(READ_ONLY_MOUNT))
def test_reads_work_and_writes_say_read_only_on_a_read_only_file_system(shop):
    before = digest(shop)
    for args in READS:
        outcome = on_read_only_mount(shop, *args)
        assert outcome.exit_code == 0 and not quiet_failure(outcome), (args, outcome)
    assert '"number": 1' in on_read_only_mount(shop, "show", "1", "--json").stdout
    for args in [*WRITES, ["db", "upgrade"]]:
        outcome = on_read_only_mount(shop, *args)
        if args == ["db", "upgrade"]:  # up to date already: nothing to write, so it succeeds
            assert outcome.exit_code == 0, outcome
            continue
        assert outcome.exit_code == 6, (args, outcome)
        assert one_line(outcome) == (f"ordercli: cannot write to the database {shop / 'orders.db'}: it is on a "
                                     "read-only file system; nothing was changed"), args
    assert digest(shop) == before


@pytest.mark.skipif(READ_ONLY_MOUNT is not None, reason=str(READ_ONLY_MOUNT))
def test_an_older_schema_on_read_only_media_says_it_needs_an_upgrade_that_cannot_be_written(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    database = Database(str(folder / "orders.db"))
    assert upgrade(database, "0001") == (None, "0001")
    database.dispose()
    latest = known_revisions()[-1]
    expected = (f"ordercli: the database {folder / 'orders.db'} has schema 0001 and this ordercli needs {latest}: "
                "it must be upgraded before use, but it is on a read-only file system; run `ordercli db upgrade` "
                "where it can be written")
    for args in (["list"], ["show", "1"], ["create", *CUSTOMER, "--line", "FEE:1@1:Fee"], ["db", "upgrade"]):
        outcome = on_read_only_mount(folder, *args)
        assert outcome.exit_code == 6, (args, outcome)
        assert one_line(outcome) == expected
    info = on_read_only_mount(folder, "db", "info", "--json")
    assert info.exit_code == 0 and '"schema": "0001"' in info.stdout and '"up_to_date": false' in info.stdout


def _leave_changes_in_the_wal(target: Path) -> None:
    """A process that wrote order 2 and died before a checkpoint: the order is only in the -wal."""
    script = ("import os, sys\n"
              "from ordercli.db.engine import Database\nfrom ordercli.db.sql import execute\n"
              "database = Database(sys.argv[1])\n"
              "with database.write() as c:\n"
              "    execute(c, 'PRAGMA wal_autocheckpoint = 0')\n"
              "with database.write() as c:\n"
              "    execute(c, \"UPDATE orders SET note = 'only in the wal' WHERE id = 1\")\n"
              "os._exit(0)\n")
    subprocess.run([sys.executable, "-c", script, str(target)], check=True)
    assert (target.parent / "orders.db-wal").stat().st_size > 0


@pytest.mark.skipif(READ_ONLY_MOUNT is not None, reason=str(READ_ONLY_MOUNT))
def test_changes_still_in_the_wal_are_read_on_read_only_media_or_refused_never_lost(shop):
    target = shop / "orders.db"
    _leave_changes_in_the_wal(target)
    # with its -shm beside it, SQLite reads the -wal read-only: the newest data shows
    shown = on_read_only_mount(shop, "show", "1", "--json")
    assert shown.exit_code == 0 and "only in the wal" in shown.stdout, shown
    # without the -shm it cannot; reading the file alone would show old data, so it refuses
    (shop / "orders.db-shm").unlink()
    refused = on_read_only_mount(shop, "show", "1", "--json")
    assert refused.exit_code == 6 and refused.stdout == "", refused
    assert one_line(refused) == (
        f"ordercli: cannot read the database {target}: it is on a read-only file system, and its -wal file holds "
        "changes not yet in the database file, which SQLite reads only where it can write; open it once where it "
        "can be written")
    # where it can be written, the changes are there
    assert "only in the wal" in Cli(str(target), shop)("show", "1", "--json").stdout


@pytest.fixture
def nobodys_shop(shop):
    """The shop, moved to a folder the user nobody can reach, and owned by nobody."""
    base = Path(tempfile.mkdtemp(prefix="ordercli-ro-"))
    try:
        os.chmod(base, 0o755)
        folder = base / "shop"
        shutil.copytree(shop, folder)
        for path in (folder, *folder.iterdir()):
            os.chown(path, NOBODY, NOBODY)
        yield folder
    finally:
        for path in (base / "shop", base):
            if path.exists():
                os.chmod(path, 0o755)
        shutil.rmtree(base)


@pytest.mark.skipif(AS_NOBODY is not None, reason=str(AS_NOBODY))
def test_a_read_only_database_file_is_read_and_a_write_says_the_file_is_read_only(nobodys_shop):
    target = nobodys_shop / "orders.db"
    os.chmod(target, 0o444)
    for args in READS:
        outcome = as_nobody(target, *args)
        assert outcome.exit_code == 0 and not quiet_failure(outcome), (args, outcome)
    for args in WRITES:
        outcome = as_nobody(target, *args)
        assert outcome.exit_code == 6, (args, outcome)
        assert one_line(outcome) == (f"ordercli: cannot write to the database {target}: the database file is "
                                     "read-only; nothing was changed")
    # a reader of a read-only file leaves SQLite's -shm read-only behind it: a later write says so
    os.chmod(target, 0o644)
    outcome = as_nobody(target, "status", "1", "--to", "canceled")
    assert outcome.exit_code == 6, outcome
    stuck = [name for name in ("orders.db-wal", "orders.db-shm")
             if (nobodys_shop / name).exists() and not (nobodys_shop / name).stat().st_mode & stat.S_IWUSR]
    assert "orders.db-shm" in stuck
    verb, pronoun = ("is", "it") if len(stuck) == 1 else ("are", "them")
    assert one_line(outcome) == (
        f"ordercli: cannot write to the database {target}: {' and '.join(stuck)} {verb} read-only (left by a "
        f"reader while the database file was read-only): remove {pronoun} when no process has the database open; "
        "nothing was changed")
    for side in ("orders.db-wal", "orders.db-shm"):
        (nobodys_shop / side).unlink(missing_ok=True)
    ok(as_nobody(target, "status", "1", "--to", "canceled"))


@pytest.mark.skipif(AS_NOBODY is not None, reason=str(AS_NOBODY))
def test_a_database_in_a_read_only_folder_is_read_and_a_write_says_the_folder_is_read_only(nobodys_shop):
    target = nobodys_shop / "orders.db"
    os.chmod(nobodys_shop, 0o555)
    before = digest(nobodys_shop)
    for args in READS:
        outcome = as_nobody(target, *args)
        assert outcome.exit_code == 0 and not quiet_failure(outcome), (args, outcome)
    for args in WRITES:
        outcome = as_nobody(target, *args)
        assert outcome.exit_code == 6, (args, outcome)
        assert one_line(outcome) == (
            f"ordercli: cannot write to the database {target}: its folder {nobodys_shop} is read-only (SQLite "
            "writes its -wal and -shm files beside the database); nothing was changed")
    assert digest(nobodys_shop) == before


# -- where the database is: --db, folders and modes -----------------------------------------------


def run_without_db(*args: str, env: dict):
    from typer.testing import CliRunner

    from ordercli.cli.app import app

    result = CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", **env}, catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_db_option_is_a_usage_error_not_the_default_database(tmp_path, value):
    data = tmp_path / "xdg"
    for args in (["--db", value, "create", *CUSTOMER, "--line", "FEE:1@1:Fee"], [f"--db={value}", "list"]):
        outcome = run_without_db(*args, env={"XDG_DATA_HOME": str(data), "ORDERCLI_DB": None})
        assert outcome.exit_code == 2, outcome
        assert one_line(outcome) == ("ordercli: --db is empty: give a SQLite file path or a database URL, "
                                     "or leave it out for the default database (see ordercli --help)")
    blank = run_without_db("list", env={"XDG_DATA_HOME": str(data), "ORDERCLI_DB": "   "})
    assert blank.exit_code == 2 and one_line(blank).startswith("ordercli: ORDERCLI_DB is empty"), blank
    assert not data.exists()


def test_an_empty_ordercli_db_variable_counts_as_unset(tmp_path):
    data = tmp_path / "xdg"
    outcome = run_without_db("create", *CUSTOMER, "--line", "FEE:1@1:Fee",
                             env={"XDG_DATA_HOME": str(data), "ORDERCLI_DB": ""})
    assert outcome.exit_code == 0, outcome
    assert (data / "ordercli" / "ordercli.db").exists()


def test_the_default_location_is_made_with_each_missing_folder_private(tmp_path):
    data = tmp_path / "home" / ".local" / "share"
    tmp_path.joinpath("home").mkdir(mode=0o755)
    outcome = run_without_db("create", *CUSTOMER, "--line", "FEE:1@1:Fee", env={"XDG_DATA_HOME": str(data),
                                                                                "ORDERCLI_DB": None})
    assert outcome.exit_code == 0, outcome
    for folder in (tmp_path / "home" / ".local", data, data / "ordercli"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o755  # an existing folder is left alone
    assert stat.S_IMODE((data / "ordercli" / "ordercli.db").stat().st_mode) == 0o600


def test_a_new_database_makes_only_its_own_folder_and_leaves_existing_ones_alone(tmp_path):
    parent = tmp_path / "data"
    parent.mkdir(mode=0o755)
    os.chmod(parent, 0o755)
    target = parent / "shop" / "orders.db"
    ok(Cli(str(target), tmp_path)("create", *CUSTOMER, "--line", "FEE:1@1:Fee"))
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(parent.stat().st_mode) == 0o755
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for side in ("-wal", "-shm"):
        path = target.with_name(target.name + side)
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def test_a_database_two_missing_folders_deep_is_refused(tmp_path):
    target = tmp_path / "typo" / "shop" / "orders.db"
    outcome = Cli(str(target), tmp_path)("create", *CUSTOMER, "--line", "FEE:1@1:Fee")
    assert outcome.exit_code == 6, outcome
    assert one_line(outcome) == (f"ordercli: cannot create the database {target}: the folder {tmp_path / 'typo'} "
                                 "does not exist (ordercli makes only the database's own folder)")
    assert not (tmp_path / "typo").exists()


def test_an_existing_empty_file_made_a_database_becomes_private(tmp_path):
    target = tmp_path / "orders.db"
    target.touch()
    os.chmod(target, 0o644)
    outcome = Cli(str(target), tmp_path)("create", *CUSTOMER, "--line", "FEE:1@1:Fee")
    assert outcome.exit_code == 0, outcome
    assert f"ordercli: made {target} readable by its owner only (mode 0600): it holds customer data" in outcome.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for side in ("-wal", "-shm"):
        path = target.with_name(target.name + side)
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0
    # a database that already holds data keeps whatever mode its owner gave it
    os.chmod(target, 0o640)
    ok(Cli(str(target), tmp_path)("create", *CUSTOMER, "--line", "FEE:1@1:Fee"))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the file to another user")
def test_an_empty_file_of_another_user_keeps_its_mode(tmp_path):
    target = tmp_path / "orders.db"
    target.touch()
    os.chmod(target, 0o660)
    os.chown(target, NOBODY, NOBODY)
    ok(Cli(str(target), tmp_path)("create", *CUSTOMER, "--line", "FEE:1@1:Fee"))
    assert stat.S_IMODE(target.stat().st_mode) == 0o660
    assert query(Cli(str(target), tmp_path), "SELECT count(*) AS n FROM orders")[0].n == 1


def test_a_database_behind_a_folder_that_cannot_be_entered_is_exit_6_not_a_crash(tmp_path, monkeypatch):
    """`Path.exists()` raises PermissionError (not False) when a folder on the way has no x bit
    for this user; root ignores permissions, so the refusal is staged where Python reports it."""
    from pathlib import Path

    from tests.helpers import Cli

    target = tmp_path / "locked" / "orders.db"
    real_exists = Path.exists

    def exists(self, *args, **kwargs):
        if str(self).startswith(str(tmp_path / "locked")):
            raise PermissionError(13, "Permission denied", str(self))
        return real_exists(self, *args, **kwargs)

    monkeypatch.setattr(Path, "exists", exists)
    cli = Cli(str(target), tmp_path)
    for args in (["list"], ["db", "info"], ["create", "--name", "A", "--email", "a@example.com", "--address", "x",
                                            "--city", "y", "--country", "DE", "--line", "FEE:1@1.00:Fee"]):
        outcome = cli(*args)
        assert outcome.exit_code == 6, (args, outcome)
        assert outcome.stderr == (f"ordercli: cannot use the database {target}: a folder on its path cannot be "
                                  "entered (permission denied)\n")
