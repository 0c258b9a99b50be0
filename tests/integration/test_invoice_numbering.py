"""Invoice numbers are unique, sequential and gapless, with real processes, on both backends:
eight processes issuing at once, and a process killed while it holds numbers it has not
committed. Issued invoices cannot be changed or deleted, whoever asks the database.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tests.helpers import CUSTOMER, ROOT, query, race

PROFILE = ["profile", "set", "--name", "Northwind Traders GmbH", "--address", "Obere Str. 57", "--postal-code",
           "12209", "--city", "Berlin", "--country", "DE", "--tax-id", "DE123456789", "--invoice-policy", "ordered"]

# One `invoice` in a process of its own, warmed up by a read first; prints exit code and stdout.
COMMAND = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.helpers import Cli
cli = Cli(sys.argv[2], None)
cli("profile", "show")
print("ready", flush=True)
sys.stdin.readline()
outcome = cli(*json.loads(sys.argv[3]))
print(json.dumps({"code": outcome.exit_code, "stdout": outcome.stdout, "stderr": outcome.stderr}))
"""

# Issues invoices through the service and, holding the numbers uncommitted, says so and waits
# to be killed: the check that runs before the commit is where it stops.
HOLD_AND_DIE = """
import sys, time
sys.path.insert(0, sys.argv[1])
from datetime import datetime, timezone
from ordercli.db.engine import Database
from ordercli.services.invoicing import invoice_orders
from ordercli.services.views import Stamp

def hold(docs, profile):
    print("numbered " + " ".join(d.number for d in docs), flush=True)
    time.sleep(600)

invoice_orders(Database(sys.argv[2]), [int(n) for n in sys.argv[3:]],
               Stamp("killed", "invoice", datetime.now(timezone.utc)), check=hold)
"""


@pytest.fixture
def shop(cli):
    for args in (PROFILE, ["location", "add", "main"],
                 ["product", "add", "CHAI", "--name", "Chai", "--price", "18.00", "--tax-rate", "7"],
                 ["product", "add", "EBOOK", "--name", "Tea e-book", "--price", "5.00", "--kind", "digital",
                  "--tax-rate", "19"],
                 ["stock", "receive", "CHAI", "1000"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


def orders(cli, count: int) -> list[int]:
    """Orders with a physical and a digital line: two invoices each (home delivery, download)."""
    made = []
    for _ in range(count):
        outcome = cli("create", *CUSTOMER, "--line", "CHAI:1", "--line", "EBOOK:1")
        assert outcome.exit_code == 0, outcome
        made.append(int(outcome.stdout))
    return made


def sequences(cli, kind: str = "invoice") -> list[int]:
    return [r.seq for r in query(cli, "SELECT seq FROM invoices WHERE kind = :kind ORDER BY seq", {"kind": kind})]


def test_eight_processes_issuing_at_once_take_unique_gapless_numbers(shop, tmp_path):
    made = orders(shop, 16)
    commands = [["invoice", str(made[2 * i]), str(made[2 * i + 1]), "--out", str(tmp_path / f"p{i}"), "--json"]
                for i in range(8)]
    for i in range(8):
        (tmp_path / f"p{i}").mkdir()
    seen = [json.loads(out.strip().splitlines()[-1])
            for out in race([[COMMAND, str(ROOT), shop.target, json.dumps(c)] for c in commands])]
    numbers = []
    for outcome in seen:
        assert outcome["code"] == 0, outcome
        numbers += [d["number"] for d in json.loads(outcome["stdout"])]
    assert len(numbers) == 32 == len(set(numbers))
    assert sequences(shop) == list(range(1, 33))
    # each process wrote the files of its own invoices, named by their numbers
    written = sorted(p.stem for i in range(8) for p in (tmp_path / f"p{i}").iterdir())
    assert written == sorted(numbers)


def test_eight_processes_invoicing_the_same_order_issue_it_once(shop, tmp_path):
    [number] = orders(shop, 1)
    commands = [["invoice", str(number), "--out", str(tmp_path), "--json"] for _ in range(8)]
    seen = [json.loads(out.strip().splitlines()[-1])
            for out in race([[COMMAND, str(ROOT), shop.target, json.dumps(c)] for c in commands])]
    assert all(o["code"] == 0 for o in seen), seen
    new = [d for o in seen for d in json.loads(o["stdout"]) if d["new"]]
    assert len(new) == 2  # one process issued both parts; the seven others rendered them
    assert {d["number"] for o in seen for d in json.loads(o["stdout"])} == {d["number"] for d in new}
    assert sequences(shop) == [1, 2]


def test_a_process_killed_while_holding_numbers_leaves_no_gap(shop, tmp_path):
    made = orders(shop, 3)
    assert shop("invoice", str(made[0]), "--out", str(tmp_path)).exit_code == 0  # numbers 1 and 2
    proc = subprocess.Popen([sys.executable, "-c", HOLD_AND_DIE, str(ROOT), shop.target, str(made[1])],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("numbered "), proc.stderr.read()
        held = line.split()[1:]
        assert held[0].endswith("000003")  # it took 3 and 4, uncommitted
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert sequences(shop) == [1, 2]  # nothing of the killed process remains
    outcome = shop("invoice", str(made[2]), str(made[1]), "--out", str(tmp_path), "--json")
    assert outcome.exit_code == 0, outcome
    assert [d["number"][-6:] for d in json.loads(outcome.stdout)] == ["000003", "000004", "000005", "000006"]
    assert sequences(shop) == list(range(1, 7))


@pytest.mark.parametrize("statement", [
    "UPDATE invoices SET total_minor = 0",
    "DELETE FROM invoices",
    "UPDATE invoice_lines SET quantity = 99",
    "DELETE FROM invoice_lines",
])
def test_the_database_refuses_to_change_an_issued_invoice(shop, tmp_path, statement):
    [number] = orders(shop, 1)
    assert shop("invoice", str(number), "--out", str(tmp_path)).exit_code == 0
    before = query(shop, "SELECT * FROM invoices ORDER BY id"), query(shop, "SELECT * FROM invoice_lines ORDER BY id")
    database = shop.database()
    with pytest.raises(Exception, match="an issued invoice cannot be changed or deleted"):
        with database.write() as connection:
            from ordercli.db.sql import execute

            execute(connection, statement)
    database.dispose()
    assert (query(shop, "SELECT * FROM invoices ORDER BY id"),
            query(shop, "SELECT * FROM invoice_lines ORDER BY id")) == before


def test_a_number_taken_twice_is_refused_by_its_constraint(shop, tmp_path):
    from ordercli.db.sql import execute, is_unique_violation

    [number] = orders(shop, 1)
    assert shop("invoice", str(number), "--out", str(tmp_path)).exit_code == 0
    columns = ("kind, number, year, seq, order_id, method, title, policy, currency, locale, issued_at, issued_by, "
               "seller, billing, ship_to, shipping_minor, shipping_tax_rate_bp, shipping_tax_minor, subtotal_minor, "
               "discount_minor, tax_minor, total_minor")
    database = shop.database()
    for changed, constraint in ((columns.replace("seq,", "seq + 100,"), "uq_invoices_number"),
                                (columns.replace("number,", "number || 'x',"), "uq_invoices_kind_year_seq")):
        with pytest.raises(Exception) as caught:
            with database.write() as connection:
                execute(connection, f"INSERT INTO invoices ({columns}) SELECT {changed} FROM invoices WHERE seq = 1")
        assert is_unique_violation(caught.value, constraint)
    database.dispose()
    assert sequences(shop) == [1, 2]
