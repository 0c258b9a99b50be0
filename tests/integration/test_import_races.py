"""An import of orders racing the orders a team places and cancels meanwhile, with real
processes, on both backends: nothing deadlocks, everything goes through, the stock adds up.

An import locks a chunk of its file at a time: the chunk's customers, then the products it
promises from, then the next chunk's. Across chunks that is not the order everyone else locks
in (a customer before its products, products by id), so on PostgreSQL a `create` or a cancel
could deadlock with it and the server would abort one of them, the import of a whole file as
likely as not. The import turn (db/dialect.py) makes them wait for each other instead. On
SQLite the import holds the write lock for its whole run and the others wait for it.

The file's first chunk promises TEA to new customers; the later chunks are orders of a known
customer for COFFEE, a product with a lower id than TEA. Meanwhile another process creates an
order of that customer for COFFEE and TEA (the customer, then COFFEE, then TEA) and cancels it
(the order, then COFFEE and TEA), again and again until the import has ended.
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

# Loads ordercli and reads once, says "ready", and on "go" creates and cancels orders of the
# known customer until the file named by argv[3] exists; prints each command's exit code and
# stderr, as JSON.
RACER = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
os.environ.update(json.loads(sys.argv[4]))
from tests.helpers import Cli
cli = Cli(sys.argv[2], None)
cli("list", "--limit", "1")
print("ready", flush=True)
sys.stdin.readline()
seen = []
while not os.path.exists(sys.argv[3]) and len(seen) < 400:
    made = cli("create", "--name", "Xavier Known", "--email", "x@example.com", "--address", "Hauptstr. 1",
               "--city", "Berlin", "--country", "DE", "--line", "COFFEE:1", "--line", "TEA:1")
    seen.append(("create", made.exit_code, made.stderr))
    if made.exit_code == 0:
        gone = cli("status", made.stdout.strip(), "--to", "canceled", "--reason", "race", "--yes")
        seen.append(("cancel", gone.exit_code, gone.stderr))
print(json.dumps(seen))
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


def test_an_import_and_the_orders_created_and_canceled_meanwhile_all_go_through(cli, tmp_path):
    for args in (["location", "add", "main"], ["product", "add", "COFFEE", "--name", "Coffee", "--price", "1.00"],
                 ["product", "add", "TEA", "--name", "Tea", "--price", "1.00"],
                 ["stock", "receive", "COFFEE", "100000"], ["stock", "receive", "TEA", "100000"],
                 ["create", "--name", "Xavier Known", "--email", "x@example.com", "--address", "Hauptstr. 1",
                  "--city", "Berlin", "--country", "DE", "--line", "TEA:1"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    orders = 2 * CHUNK + 200
    path = tmp_path / "orders.jsonl"
    _file(path, orders)
    done = tmp_path / "import-ended"
    racer = subprocess.Popen([sys.executable, "-c", RACER, str(ROOT), cli.target, str(done), json.dumps(PATIENT)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert racer.stdout.readline().strip() == "ready", racer.stderr.read()
    importing = subprocess.Popen([sys.executable, "-m", "ordercli", "--db", cli.target, "import", str(path)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env={**os.environ, **PATIENT})
    racer.stdin.write("go\n")
    racer.stdin.flush()
    _, imported = importing.communicate(timeout=600)
    done.touch()
    out, err = racer.communicate(timeout=600)
    assert racer.returncode == 0, err
    seen = json.loads(out.strip().splitlines()[-1])

    assert importing.returncode == 0, imported
    assert f"imported {orders} order(s)" in imported
    assert seen and all(code == 0 for _, code, _ in seen), [s for s in seen if s[1]]
    creates = sum(1 for command, _, _ in seen if command == "create")
    assert query(cli, "SELECT count(*) AS n FROM orders WHERE channel_ref LIKE 'I-%'")[0].n == orders
    assert query(cli, "SELECT count(*) AS n FROM orders WHERE status = 'canceled'")[0].n == creates
    assert cli("stock", "check").exit_code == 0
    held = {r.sku: r.reserved for r in query(cli, "SELECT p.sku, s.reserved FROM stock_levels s "
                                                  "JOIN products p ON p.id = s.product_id")}
    assert held == {"TEA": CHUNK + 100 + 1, "COFFEE": orders - CHUNK - 100}
