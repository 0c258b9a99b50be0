"""`ordercli db copy`: a whole database into an empty one, SQLite and PostgreSQL either way,
compared row by row with the source; number series that continue; targets that are refused
and left as they were; a copy killed midway that leaves nothing; bad locations.

PostgreSQL targets are schemas of their own, made empty for each test and dropped after it
(tests/conftest.py's `postgres.private_schema`)."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ordercli.db.engine import Database, known_revisions
from ordercli.db.sql import as_utc, execute, scalar, tuples
from ordercli.db.transfer import schema_tables
from tests.conftest import POSTGRES_URL, migrated_location
from tests.helpers import CUSTOMER, ROOT, Cli, force_status, query

BACKENDS = ["sqlite", "postgresql"]
NOTE = "ring twice\n\tthen wait; back\\slash, 'single' \"double\" 李 Ωmega"


def ok(outcome):
    assert outcome.exit_code == 0, outcome
    return outcome


def fill_every_kind_of_row(cli: Cli) -> None:
    """Locations (one with an address), products of every kind (one discontinued, one with a
    GTIN), stock received, adjusted and transferred, promo codes of both kinds and their uses,
    customers by email and by phone only, orders in every status with lines (one waiting for
    stock), their history and the stock ledger, documents, appointments, returns and an
    exchange, and text that needs escaping."""
    for args in (
        ["location", "add", "main"],
        ["location", "add", "berlin", "--kind", "store", "--address", "Unter den Linden 1", "--city", "Berlin",
         "--postal-code", "10117", "--country", "DE"],
        ["product", "add", "CHAI", "--name", "Chai, 10 boxes × 20 bags", "--price", "18.00", "--tax-rate", "7",
         "--gtin", "4006381333931"],
        ["product", "add", "EBOOK", "--name", "Tea e-book", "--price", "5.00", "--kind", "digital"],
        ["product", "add", "SETUP", "--name", "Installation", "--price", "40.00", "--kind", "service"],
        ["product", "add", "OLD", "--name", "Discontinued tea", "--price", "1.00"],
        ["product", "update", "OLD", "--inactive"],
        ["stock", "receive", "CHAI", "40", "--note", "PO 4711"],
        ["stock", "receive", "CHAI", "6", "--at", "berlin"],
        ["stock", "adjust", "CHAI", "-2", "--reason", "damaged in storage"],
        ["stock", "transfer", "CHAI", "3", "--from", "main", "--to", "berlin"],
        ["promo", "add", "WELCOME10", "--percent", "10", "--valid-until", "2030-12-31", "--max-uses", "100"],
        ["promo", "add", "SORRY5", "--amount", "5.00", "--currency", "EUR", "--valid-from", "2026-01-01"],
    ):
        ok(cli(*args))
    phone_only = ["--name", "Zoë Ørsted-Łukasiewicz", "--phone", "+48 22 123 45 67", "--address", "ul. Długa 1",
                  "--city", "Warszawa", "--country", "PL"]
    statuses = ["open", "ready_to_ship", "partially_shipped", "partially_closed", "closed", "canceled", "returned",
                "failed", "abandoned"]
    for i, status in enumerate(statuses):
        customer = CUSTOMER if i % 2 == 0 else phone_only
        extra = ["--promo", "WELCOME10" if i % 3 else "SORRY5"] if i % 2 == 0 else ["--note", NOTE]
        number = int(ok(cli("create", *customer, "--line", "CHAI:2", "--line", "EBOOK:1", "--line",
                            "FEE:1@2.50:Gift wrapping", "--channel", "web", "--ref", f"W-{i}", *extra)).stdout)
        if status != "open":
            ok(cli("verify", str(number), "--by", "anna", "--method", "email", "--note", "checked"))
        if status in ("ready_to_ship", "canceled", "failed"):
            ok(cli("status", str(number), "--to", "ready_to_ship"))
        if status in ("canceled", "failed", "abandoned"):
            ok(cli("status", str(number), "--to", status, "--reason", f"test {status}"))
        elif status != "open":
            force_status(cli, number, status)  # statuses that shipments and returns lead to
    ok(cli("create", *CUSTOMER, "--line", "CHAI:50", "--line", "SETUP:1", "--backorder"))  # a line waiting for stock
    # documents: a profile with a logo (bytes), invoices split by method, a credit note
    ok(cli("profile", "set", "--name", "Northwind Traders GmbH", "--address", "Obere Str. 57", "--city", "Berlin",
           "--country", "DE", "--tax-id", "DE123456789", "--invoice-policy", "ordered", "--logo",
           str(ROOT / "examples" / "logo.svg"), "--bank", "IBAN DE89 3704 0044 0532 0130 00\\nBIC COBADEFFXXX"))
    out = tempfile.mkdtemp(prefix="ordercli-copy-")
    [first, *_] = json.loads(ok(cli("invoice", "1", "--out", out, "--json")).stdout)
    ok(cli("credit-note", first["number"], "--line", "CHAI:1", "--reason", "damaged: 'box' \"2\" back\\slash", "--out", out))
    # service after the sale: an installation done on a resource, one called off, a return
    # received and inspected, and an exchange with its replacement order
    ok(cli("product", "add", "TEAPOT", "--name", "Teapot", "--price", "24.00", "--tax-rate", "19"))
    ok(cli("stock", "receive", "TEAPOT", "5"))
    number = ok(cli("create", *CUSTOMER, "--line", "TEAPOT:3", "--line", "SETUP:1")).stdout.strip()
    for args in (["verify", number, "--by", "anna"], ["status", number, "--to", "ready_to_ship"], ["ship", number],
                 ["appointment", "resource", "add", "tom", "--kind", "technician", "--note", "Zoë's van"],
                 ["appointment", "book", number, "--line", "SETUP", "--at", "2099-06-14T09:00", "--duration", "2h",
                  "--with", "tom", "--tz", "Europe/Berlin"],
                 ["appointment", "complete", "1", "--signed-by", "M. Anders"],
                 ["appointment", "book", number, "--at", "2099-06-15T09:00", "--duration", "1h", "--with", "tom"],
                 ["appointment", "cancel", "2", "--reason", "not needed"],
                 ["return", number, "--line", "TEAPOT:1", "--reason", "too big", "--force", "goodwill"],
                 ["rma", "receive", "1", "--by", "goods-in"], ["rma", "inspect", "1", "--write-off", "TEAPOT:1"],
                 ["exchange", number, "--return", "TEAPOT:1", "--for", "TEAPOT:1", "--reason", "lid broken"]):
        ok(cli(*args))
    shutil.rmtree(out)


def every_row(target: str) -> dict[str, list[tuple]]:
    """Every row of every table of ordercli's schema, in primary-key order, values as Python
    sees them whatever the backend (times aware UTC, flags bools), and the schema version."""
    database = Database(target)
    try:
        with database.inspect() as connection:
            found = {"alembic_version": tuples(connection, "SELECT version_num FROM alembic_version")}
            for table in schema_tables():
                times = {i for i, kind in enumerate(table.kinds) if kind == "time"}
                flags = {i for i, kind in enumerate(table.kinds) if kind == "flag"}
                found[table.name] = [
                    tuple(as_utc(v) if i in times and v is not None else bool(v) if i in flags else v
                          for i, v in enumerate(row))
                    for row in tuples(connection, f"SELECT {', '.join(table.columns)} FROM {table.name} "
                                                  f"ORDER BY {', '.join(table.key)}")]
            return found
    finally:
        database.dispose()


def table_names(target: str) -> list[str]:
    from ordercli.db.queries.database import table_names as names

    database = Database(target)
    try:
        with database.inspect() as connection:
            return names(connection)
    finally:
        database.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def source(request, tmp_path_factory) -> Cli:
    """A database of the parameter's backend holding every kind of row (not changed by the tests)."""
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need ORDERCLI_TEST_POSTGRES_URL")
    folder = tmp_path_factory.mktemp("source")
    with migrated_location(request.param, folder, request) as target:
        cli = Cli(target, folder)
        fill_every_kind_of_row(cli)
        yield cli


@contextmanager
def empty_location(kind: str, folder: Path, request, name: str = "copy.db"):
    """Where a copy can go: a path for a new SQLite file, or an empty PostgreSQL schema."""
    if kind == "sqlite":
        yield str(folder / name)
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need ORDERCLI_TEST_POSTGRES_URL")
    with request.getfixturevalue("postgres").private_schema() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def empty_target(request, tmp_path) -> str:
    with empty_location(request.param, tmp_path, request) as target:
        yield target


def copy_json(cli: Cli, target: str, code: int = 0) -> dict:
    outcome = cli("db", "copy", "--to", target, "--json")
    assert outcome.exit_code == code, outcome
    return json.loads(outcome.stdout)


# -- what a copy holds ---------------------------------------------------------------------------


def test_a_copy_holds_every_row_of_every_table(source, empty_target):
    report = copy_json(source, empty_target)
    assert every_row(empty_target) == every_row(source.target)
    assert [t["table"] for t in report["tables"]] == [t.name for t in schema_tables()]
    assert all(t["match"] and t["rows"] == t["copied_rows"] and t["checksum"] == t["copied_checksum"]
               for t in report["tables"]), report
    assert (report["match"], report["schema"]) == (True, known_revisions()[-1])
    rows = {t["table"]: t["rows"] for t in report["tables"]}
    assert rows["orders"] == 12 and rows["order_history"] > 10 and rows["stock_movements"] > 10, rows
    assert (rows["returns"], rows["return_lines"], rows["appointments"], rows["resources"]) == (2, 2, 2, 1), rows
    assert report["rows"] == sum(rows.values())
    statuses = {row.status for row in query(Cli(empty_target, Path()), "SELECT status FROM orders")}
    assert len(statuses) == 9
    # what people see on the copy is what they saw on the source
    copy = Cli(empty_target, Path())
    for args in (["show", "2", "--json"], ["list", "--json", "--limit", "0"], ["stock", "list", "--json"],
                 ["promo", "list", "--json"], ["history", "3", "--json"]):
        assert ok(copy(*args)).stdout == ok(source(*args)).stdout, args
    assert ok(copy("stock", "check")).stdout == ""


def test_a_round_trip_to_the_other_backend_and_back_gives_every_row_back(source, tmp_path, request):
    other = "postgresql" if source.target.endswith(".db") else "sqlite"
    mine = "sqlite" if other == "postgresql" else "postgresql"
    with empty_location(other, tmp_path, request, "there.db") as there, \
            empty_location(mine, tmp_path, request, "back.db") as back:
        going = copy_json(source, there)
        coming = copy_json(Cli(there, tmp_path), back)
        assert every_row(back) == every_row(source.target)
        # one content, one checksum, whichever backend holds it
        assert [(t["table"], t["rows"], t["checksum"]) for t in going["tables"]] == \
               [(t["table"], t["rows"], t["checksum"]) for t in coming["tables"]]


def test_the_table_for_people_shows_each_table_and_says_what_to_do_next(source, tmp_path):
    target = str(tmp_path / "people.db")
    outcome = ok(source("db", "copy", "--to", target, env={"ORDERCLI_FORCE_TTY": "80"}))
    lines = outcome.stdout.splitlines()
    assert lines[0].split() == ["Table", "Rows", "Checksum", "Match"]
    orders = next(line.split() for line in lines if line.startswith("orders "))
    assert orders[1:2] == ["12"] and orders[3] == "yes" and len(orders[2]) == 16
    assert max(len(line) for line in lines) <= 80
    assert outcome.stderr.strip().splitlines()[-1] == (
        f"copied {sum(len(v) for k, v in every_row(source.target).items() if k != 'alembic_version'):,} rows in "
        f"{len(schema_tables())} tables to {target} (schema {known_revisions()[-1]}); every table matches the source. "
        f"Next: ordercli --db {target} db info")


def test_an_empty_ordercli_database_can_be_the_target(source, migrated_target):
    copy_json(source, migrated_target)
    assert every_row(migrated_target) == every_row(source.target)


# -- number series -------------------------------------------------------------------------------


@pytest.mark.parametrize("to", BACKENDS)
def test_numbers_continue_after_the_copy_without_reuse(cli, make_order, tmp_path, request, to):
    """A new order on the copy takes the next number; its customer, address, history and ledger
    rows take new ids too (a sequence left at 1 would collide). On PostgreSQL a source whose
    sequence went further (numbers of rolled-back transactions) continues there on PostgreSQL;
    SQLite numbers from the highest in use."""
    first, second = make_order(), make_order()
    assert (first, second) == (1, 2)
    source_is_postgresql = not cli.target.endswith(".db")
    if source_is_postgresql:
        database = cli.database()
        with database.write() as connection:
            execute(connection, "SELECT setval(pg_get_serial_sequence('orders', 'id'), 50)")
        database.dispose()
    with empty_location(to, tmp_path, request) as target:
        copy_json(cli, target)
        copy = Cli(target, tmp_path)
        ok(copy("location", "add", "main"))
        ok(copy("product", "add", "CHAI", "--name", "Chai", "--price", "18.00"))
        ok(copy("stock", "receive", "CHAI", "5"))
        number = int(ok(copy("create", "--name", "New Customer", "--email", "new@example.com", "--address", "Main 1",
                             "--city", "Berlin", "--country", "DE", "--line", "CHAI:1")).stdout)
        assert number == (51 if source_is_postgresql and to == "postgresql" else 3)
        assert [o["number"] for o in copy.json("list", "--sort", "number")] == [1, 2, number]
        assert copy.json("show", "1")["customer"]["email"] == "maria@example.com"


# -- targets that are refused --------------------------------------------------------------------


def test_a_target_that_holds_ordercli_data_is_refused_and_left_as_it_was(source, empty_target, tmp_path):
    other = Cli(empty_target, tmp_path)
    ok(other("location", "add", "elsewhere"))
    before = every_row(empty_target)
    outcome = source("db", "copy", "--to", empty_target)
    assert outcome.exit_code == 4 and outcome.stdout == "", outcome
    shown = Database(empty_target).display
    assert outcome.stderr == (f"ordercli: {shown} already holds ordercli data (rows in locations): db copy fills "
                              "only an empty database; nothing was changed\n")
    assert every_row(empty_target) == before


def test_a_second_copy_into_a_copy_is_refused(source, empty_target):
    copy_json(source, empty_target)
    before = every_row(empty_target)
    outcome = source("db", "copy", "--to", empty_target)
    assert outcome.exit_code == 4, outcome
    assert "already holds ordercli data (12 orders)" in outcome.stderr and len(outcome.stderr.splitlines()) == 1
    assert every_row(empty_target) == before


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_target_with_another_programs_tables_is_refused_and_left_as_it_was(source, tmp_path, request, kind):
    with empty_location(kind, tmp_path, request) as target:
        if kind == "sqlite":
            import sqlite3

            connection = sqlite3.connect(target)
            connection.execute("CREATE TABLE timesheets (id INTEGER PRIMARY KEY, hours TEXT)")
            connection.execute("INSERT INTO timesheets (hours) VALUES ('12.00')")
            connection.commit()
            connection.close()
        else:
            import psycopg

            with psycopg.connect(target.replace("postgresql+psycopg://", "postgresql://", 1)) as connection:
                connection.execute("CREATE TABLE timesheets (id serial PRIMARY KEY, hours text)")
        outcome = source("db", "copy", "--to", target)
        assert outcome.exit_code == 4 and outcome.stdout == "", outcome
        assert outcome.stderr == (f"ordercli: {Database(target).display} holds tables of another program (timesheets): "
                                  "db copy fills only an empty database; nothing was changed\n")
        assert table_names(target) == ["timesheets"]


def test_a_file_that_is_not_a_database_is_refused_and_left_as_it_was(source, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("not a database\n")
    outcome = source("db", "copy", "--to", str(target))
    assert outcome.exit_code == 4, outcome
    assert outcome.stderr == (f"ordercli: {target} is a file but not a SQLite database: db copy writes only to a new "
                              "file or an empty database; nothing was changed\n")
    assert target.read_text() == "not a database\n"


def test_a_copy_onto_the_source_itself_is_a_usage_error(source):
    outcome = source("db", "copy", "--to", source.target)
    assert outcome.exit_code == 2, outcome
    assert outcome.stderr == (f"ordercli: --to names the database being copied ({Database(source.target).display}): "
                              "give another (see ordercli db copy --help)\n")
    empty = source("db", "copy", "--to", " ")
    assert empty.exit_code == 2 and "--to is empty" in empty.stderr, empty


def test_a_copy_that_does_not_match_the_source_is_not_kept(source, empty_target, monkeypatch):
    """Were a row lost on the way, the check would find it: the copy is rolled back, the table
    says where it differs, and the exit code is 4."""
    from ordercli.db import transfer

    real = transfer._conversion

    def losing_the_last_history_row(spec, source_backend, target_backend):
        if spec.name != "order_history":
            return real(spec, source_backend, target_backend)
        return lambda chunk: chunk[:-1]

    monkeypatch.setattr(transfer, "_conversion", losing_the_last_history_row)
    report = copy_json(source, empty_target, code=4)
    bad = [t for t in report["tables"] if not t["match"]]
    assert report["match"] is False and [t["table"] for t in bad] == ["order_history"]
    assert bad[0]["copied_rows"] == bad[0]["rows"] - 1
    outcome = source("db", "copy", "--to", empty_target)
    assert outcome.stderr.splitlines()[-1] == (
        f"ordercli: the copy does not match the source (order_history: {bad[0]['rows']:,} rows in the source, "
        f"{bad[0]['copied_rows']:,} in the copy); nothing was kept in {Database(empty_target).display}")
    monkeypatch.undo()
    if empty_target.endswith(".db"):
        assert not Path(empty_target).exists()
        assert list(Path(empty_target).parent.iterdir()) == []
    else:
        assert table_names(empty_target) == []
    copy_json(source, empty_target)  # and a later copy goes through


# -- the source ----------------------------------------------------------------------------------


def test_an_older_source_is_upgraded_first(fresh_cli, tmp_path, request):
    from tests.integration.test_upgrade import make_first_version_database

    make_first_version_database(fresh_cli.target)
    with empty_location("sqlite" if "://" in fresh_cli.target else "postgresql", tmp_path, request) as target:
        outcome = fresh_cli("db", "copy", "--to", target, "--json")
        assert outcome.exit_code == 0, outcome
        assert f"ordercli: upgraded the database schema from 0001 to {known_revisions()[-1]}" in outcome.stderr
        assert every_row(target) == every_row(fresh_cli.target)


def test_a_source_that_does_not_exist_is_refused_and_nothing_is_made(tmp_path):
    outcome = Cli(str(tmp_path / "missing.db"), tmp_path)("db", "copy", "--to", str(tmp_path / "copy.db"))
    assert outcome.exit_code == 6, outcome
    assert outcome.stderr.startswith(f"ordercli: no database at {tmp_path / 'missing.db'}")
    assert list(tmp_path.iterdir()) == []


def test_a_target_two_missing_folders_deep_is_refused(source, tmp_path):
    target = tmp_path / "no" / "such" / "copy.db"
    outcome = source("db", "copy", "--to", str(target))
    assert outcome.exit_code == 6, outcome
    assert outcome.stderr == (f"ordercli: cannot create the database {target}: the folder {tmp_path / 'no'} does not "
                              "exist (ordercli makes only the database's own folder)\n")
    assert not (tmp_path / "no").exists()


# -- unreachable servers and passwords -----------------------------------------------------------


@pytest.fixture
def sqlite_source(tmp_path) -> Cli:
    cli = Cli(str(tmp_path / "orders.db"), tmp_path)
    ok(cli("location", "add", "main"))
    return cli


def test_a_server_that_refuses_connections_is_a_clear_error_and_the_password_is_never_printed(sqlite_source):
    for debug in ([], ["--debug"]):
        outcome = sqlite_source.run(*debug, "db", "copy", "--to", "postgresql://postgres:Secr3tPW@127.0.0.1:1/test",
                                    timeout=60)
        assert outcome.exit_code == 6, outcome
        assert "Secr3tPW" not in outcome.stdout + outcome.stderr
        assert outcome.stderr.splitlines()[-1] == (
            "ordercli: cannot use the database postgresql://postgres:***@127.0.0.1:1/test: connection failed: "
            'connection to server at "127.0.0.1", port 1 failed: Connection refused')


def test_a_server_that_never_answers_is_a_clear_error_not_a_hang(sqlite_source):
    """A port that accepts connections and says nothing: the connect timeout (8 s) ends it."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        outcome = sqlite_source.run("db", "copy", "--to", f"postgresql://postgres:Secr3tPW@127.0.0.1:{port}/test",
                                    timeout=60)
    assert outcome.exit_code == 6, outcome
    assert outcome.stderr == (f"ordercli: cannot use the database postgresql://postgres:***@127.0.0.1:{port}/test: "
                              "connection timeout expired\n")


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL tests need ORDERCLI_TEST_POSTGRES_URL")
def test_the_password_of_the_target_is_never_printed(sqlite_source, postgres):
    """The test server trusts every connection, so a password is accepted whatever it is: it
    must not show in the table, the JSON, the messages, or a --debug traceback of a failure."""
    with postgres.private_schema() as url:
        secret = url.replace("postgres@", "postgres:Hunter2Secret@", 1)
        outcome = ok(sqlite_source("db", "copy", "--to", secret, "--json"))
        assert "Hunter2Secret" not in outcome.stdout + outcome.stderr
        assert json.loads(outcome.stdout)["target"] == url.replace("postgres@", "postgres:***@", 1)
        again = sqlite_source("--debug", "db", "copy", "--to", secret)
        assert again.exit_code == 4 and "Traceback" in again.stderr, again
        assert "Hunter2Secret" not in again.stdout + again.stderr
    missing = POSTGRES_URL.replace("postgres@", "postgres:Hunter2Secret@", 1).rsplit("/", 1)[0] + "/no_such_db"
    outcome = sqlite_source.run("--debug", "db", "copy", "--to", missing)
    assert outcome.exit_code == 6 and "Hunter2Secret" not in outcome.stdout + outcome.stderr, outcome


# -- killed midway -------------------------------------------------------------------------------


def _seed_large(target: str, orders: int) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from seed import seed_catalogue, seed_orders

    database = Database(target)
    now = datetime.now(timezone.utc)
    products = seed_catalogue(database, 20, units=10, now=now)
    seed_orders(database, orders, verified=True, now=now, products=products, lines_per_order=3)
    database.dispose()


def _copying(kind: str, target: str, proc) -> bool:
    """Whether the copy process `proc` is writing rows into the target now."""
    if kind == "sqlite":
        path = Path(target)
        written = sum(p.stat().st_size for p in path.parent.glob(f".{path.name}.copy-{proc.pid}.tmp*"))
        return written > 2_000_000
    import psycopg

    with psycopg.connect(POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True) as pg:
        return pg.execute("SELECT 1 FROM pg_stat_activity WHERE application_name = 'ordercli' AND "
                          "query LIKE 'COPY \"order_lines\"%%' AND backend_start > now() - interval '60 seconds'"
                          ).fetchone() is not None


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_copy_killed_midway_leaves_the_target_empty_and_a_later_copy_succeeds(kind, tmp_path, request):
    source = str(tmp_path / "large.db")
    _seed_large(source, 25_000)
    with empty_location(kind, tmp_path, request) as target:
        proc = subprocess.Popen([sys.executable, "-m", "ordercli", "--db", source, "db", "copy", "--to", target],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while not _copying(kind, target, proc) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, "the copy ended before it could be killed"
        if kind == "sqlite":
            assert not Path(target).exists()
        else:
            assert table_names(target) == []
        outcome = Cli(source, tmp_path).run("db", "copy", "--to", target, "--json")
        assert outcome.exit_code == 0, outcome
        assert json.loads(outcome.stdout)["match"] is True
        assert scalar_of(target, "SELECT count(*) FROM order_lines") == 75_000
        if kind == "sqlite":  # what the killed copy left behind is gone
            assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.db", "large.db"]


def scalar_of(target: str, sql: str):
    database = Database(target)
    try:
        with database.inspect() as connection:
            return scalar(connection, sql)
    finally:
        database.dispose()


# -- progress --------------------------------------------------------------------------------------


def test_a_terminal_sees_progress_and_a_pipe_does_not(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    source = str(tmp_path / "large.db")
    _seed_large(source, 5_000)
    child = pexpect.spawn(sys.executable, ["-m", "ordercli", "--db", source, "db", "copy", "--to",
                                           str(tmp_path / "seen.db")],
                          env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin", "COLUMNS": "80"}, encoding="utf-8",
                          timeout=120, dimensions=(24, 80))
    child.expect(r"(copying|checking) [a-z_]+ +")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    piped = Cli(source, tmp_path).run("db", "copy", "--to", str(tmp_path / "piped.db"))
    assert piped.exit_code == 0, piped
    assert piped.stderr.startswith("copied ") and piped.stderr.count("\n") == 1, piped  # the summary alone
