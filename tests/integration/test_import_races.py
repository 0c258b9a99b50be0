"""An import of orders racing the orders a team places and cancels meanwhile, with real
processes, on both backends: nothing deadlocks, everything goes through, the stock adds up.

An import locks a chunk of its file at a time: the chunk's customers, then the products it
promises from, then the next chunk's. Across chunks that is not the order everyone else locks
in (a customer before its products, products by id), so on PostgreSQL a `create` or a cancel
could deadlock with it and the server would abort one of them, the import of a whole file as
likely as not. The import turn (db/dialect.py) makes them wait for each other instead. On
SQLite the import holds the write lock for its whole run and the others wait for it.

The file's first chunk promises TEA to new customers; the later chunks are orders of a known
customer for COFFEE, a product with a lower id than TEA. Meanwhile one process creates orders of
that customer for COFFEE and TEA (the customer, then COFFEE, then TEA) and another cancels orders
holding both (the order, then COFFEE and TEA), one after the other until the import has ended.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from ordercli.services.importing import CHUNK
from tests.helpers import ROOT, query

# Waits are long on a loaded machine: a command waiting for the import must not give up.
PATIENT = {"ORDERCLI_BUSY_TIMEOUT": "300", "NO_COLOR": "1"}

# Loads ordercli and reads once, says "ready", and on "go" runs its commands one after the other
# until the file named by argv[3] exists: creates of the known customer's orders ("create"), or
# cancels of the orders given ("cancel" N...). Prints each command's exit code, stderr and start
# time, and whether it stopped because the import had ended, as JSON.
RACER = """
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
os.environ.update(json.loads(sys.argv[4]))
from tests.helpers import Cli
cli = Cli(sys.argv[2], None)
cli("list", "--limit", "1")
print("ready", flush=True)
sys.stdin.readline()
job, numbers, seen = sys.argv[5], sys.argv[6:], []
while not os.path.exists(sys.argv[3]) and len(seen) < 1000:
    start = time.time()
    if job == "create":
        done = cli("create", "--name", "Xavier Known", "--email", "x@example.com", "--address", "Hauptstr. 1",
                   "--city", "Berlin", "--country", "DE", "--line", "COFFEE:1", "--line", "TEA:1")
    elif numbers:
        done = cli("status", numbers.pop(0), "--to", "canceled", "--reason", "race", "--yes")
        time.sleep(0.02)
    else:
        break
    seen.append((job, done.exit_code, done.stderr, start))
print(json.dumps({"seen": seen, "until_the_end": os.path.exists(sys.argv[3])}))
"""


def _file(path, orders: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for i in range(orders):
            first_chunk = i < CHUNK + 100
            out.write(json.dumps({
                "order": f"I-{i}", "channel": "web", "channel_ref": f"I-{i}", "status": "open",
                "customer": ({"name": f"Customer {i}", "email": f"c{i}@example.com"} if first_chunk
                             else {"name": "Xavier Known", "email": "x@example.com"}),
                "billing_address": {"line1": "Hauptstr. 1", "city": "Berlin", "country": "DE"},
                "lines": [{"sku": "TEA" if first_chunk else "COFFEE", "quantity": 1, "unit_price": "1.00"}],
            }) + "\n")


def _racer(cli, done, job: str, *numbers: int) -> subprocess.Popen:
    racer = subprocess.Popen([sys.executable, "-c", RACER, str(ROOT), cli.target, str(done), json.dumps(PATIENT),
                              job, *map(str, numbers)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert racer.stdout.readline().strip() == "ready", racer.stderr.read()
    return racer


def test_an_import_and_the_orders_created_and_canceled_meanwhile_all_go_through(cli, tmp_path):
    for args in (["location", "add", "main"], ["product", "add", "COFFEE", "--name", "Coffee", "--price", "1.00"],
                 ["product", "add", "TEA", "--name", "Tea", "--price", "1.00"],
                 ["stock", "receive", "COFFEE", "100000"], ["stock", "receive", "TEA", "100000"],
                 ["create", "--name", "Xavier Known", "--email", "x@example.com", "--address", "Hauptstr. 1",
                  "--city", "Berlin", "--country", "DE", "--line", "TEA:1"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    holding = tmp_path / "holding.jsonl"  # orders for the canceling process, each holding COFFEE and TEA
    holding.write_text("".join(json.dumps({
        "order": f"H-{i}", "channel": "web", "channel_ref": f"H-{i}",
        "customer": {"name": "Yara Holding", "email": "y@example.com"},
        "billing_address": {"line1": "Hauptstr. 2", "city": "Berlin", "country": "DE"},
        "lines": [{"sku": "COFFEE", "quantity": 1}, {"sku": "TEA", "quantity": 1}]}) + "\n" for i in range(400)))
    assert cli("import", str(holding)).exit_code == 0
    to_cancel = [r.id for r in query(cli, "SELECT id FROM orders WHERE channel_ref LIKE 'H-%' ORDER BY id")]
    orders = 2 * CHUNK + 200
    path = tmp_path / "orders.jsonl"
    _file(path, orders)
    done = tmp_path / "import-ended"
    racers = [_racer(cli, done, "create"), _racer(cli, done, "cancel", *to_cancel)]
    importing = subprocess.Popen([sys.executable, "-m", "ordercli", "--db", cli.target, "import", str(path)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env={**os.environ, **PATIENT})
    for racer in racers:
        racer.stdin.write("go\n")
        racer.stdin.flush()
    _, imported = importing.communicate(timeout=600)
    done.touch()
    reports = []
    for racer in racers:
        out, err = racer.communicate(timeout=600)
        assert racer.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))

    assert importing.returncode == 0, imported
    assert f"imported {orders} order(s)" in imported
    for report in reports:  # each ran while the import ran, to its end, and every command went through
        assert report["seen"] and report["until_the_end"], report
        assert all(code == 0 for _, code, _, _ in report["seen"]), [s for s in report["seen"] if s[1]]
    creates, cancels = (len(report["seen"]) for report in reports)
    assert query(cli, "SELECT count(*) AS n FROM orders WHERE channel_ref LIKE 'I-%'")[0].n == orders
    assert query(cli, "SELECT count(*) AS n FROM orders WHERE status = 'canceled'")[0].n == cancels
    assert cli("stock", "check").exit_code == 0
    held = {r.sku: r.reserved for r in query(cli, "SELECT p.sku, s.reserved FROM stock_levels s "
                                                  "JOIN products p ON p.id = s.product_id")}
    holding_left = len(to_cancel) - cancels
    assert held == {"TEA": CHUNK + 100 + 1 + creates + holding_left,
                    "COFFEE": orders - CHUNK - 100 + creates + holding_left}
