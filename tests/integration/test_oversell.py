"""Never oversell: many real processes try to promise the last units at once."""

import json
import subprocess
import sys

import pytest

from tests.helpers import CUSTOMER, query, race

WORKER = """
import json, sys
from datetime import datetime, timezone
from ordercli.cli.errors import exit_code_for
from ordercli.db.engine import Database
from ordercli.domain.errors import OrderCliError
from ordercli.domain.orders import AddressRequest, LineRequest, OrderRequest
from ordercli.services.orders import create_order
from ordercli.services.views import Stamp

target, worker, tries = sys.argv[1], sys.argv[2], int(sys.argv[3])
database = Database(target)
print("ready", flush=True)
sys.stdin.readline()
promised, refused = 0, []
for attempt in range(tries):
    # a customer of its own per attempt: nothing but the stock serializes the orders
    request = OrderRequest(name="Race", email=f"race-{worker}-{attempt}@example.com", billing=AddressRequest(
        line1="Obere Str. 57", city="Berlin", country="DE"), lines=[LineRequest("SKU-1", 1)],
        channel="web", channel_ref=f"{worker}-{attempt}")
    try:
        create_order(database, request, Stamp(worker, "create", datetime.now(timezone.utc)))
        promised += 1
    except OrderCliError as error:
        refused.append([exit_code_for(error), str(error)])
database.dispose()
print(json.dumps({"promised": promised, "refused": refused}))
"""


@pytest.fixture
def last_five_units(cli):
    for args in (["location", "add", "main"], ["location", "add", "north"],
                 ["product", "add", "SKU-1", "--name", "The last ones", "--price", "9.99"],
                 ["stock", "receive", "SKU-1", "3"], ["stock", "receive", "SKU-1", "2", "--at", "north"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


def assert_exactly_five_promised(cli):
    levels = query(cli, "SELECT on_hand, reserved FROM stock_levels ORDER BY location_id")
    assert [(l.on_hand, l.reserved) for l in levels] == [(3, 3), (2, 2)]
    assert query(cli, "SELECT count(*) AS n FROM orders")[0].n == 5
    assert query(cli, "SELECT count(*) AS n FROM stock_movements WHERE kind = 'reserved'")[0].n == 5
    assert cli("stock", "check").exit_code == 0  # counters equal the sums of the ledger


def test_eight_processes_trying_fifty_times_promise_exactly_the_last_five_units(last_five_units):
    cli = last_five_units
    reports = [json.loads(out) for out in race([[WORKER, cli.target, f"w{i}", "50"] for i in range(8)])]
    assert sum(r["promised"] for r in reports) == 5
    refusals = [r for report in reports for r in report["refused"]]
    assert len(refusals) == 8 * 50 - 5
    assert {tuple(r) for r in refusals} == {(4, "insufficient stock for SKU-1: requested 1, available 0")}
    assert_exactly_five_promised(cli)


def test_eight_ordercli_commands_at_once_for_five_units(last_five_units):
    cli = last_five_units
    procs = [subprocess.Popen([sys.executable, "-m", "ordercli", "--db", cli.target, "create", *CUSTOMER,
                               "--line", "SKU-1:1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(8)]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0] * 5 + [4] * 3, results
    for code, out, err in results:
        if code == 4:
            assert out == ""
            assert err.strip().splitlines()[-1] == "ordercli: insufficient stock for SKU-1: requested 1, available 0"
    assert_exactly_five_promised(cli)


@pytest.mark.stress
def test_eight_processes_of_fifty_ordercli_commands_each(last_five_units):
    """The same race with 400 whole `ordercli create` processes (minutes: run with -m stress)."""
    cli = last_five_units
    script = (f"for i in $(seq 50); do {sys.executable} -m ordercli --db '{cli.target}' create "
              + " ".join(f"'{a}'" for a in CUSTOMER) + " --line SKU-1:1 >/dev/null 2>>\"$1\"; echo $? >> \"$2\"; done")
    procs = [subprocess.Popen(["bash", "-c", script, "race", str(cli.tmp_path / f"err{i}"), str(cli.tmp_path / f"codes{i}")])
             for i in range(8)]
    for p in procs:
        assert p.wait(timeout=3600) == 0
    codes = [line for i in range(8) for line in (cli.tmp_path / f"codes{i}").read_text().split()]
    assert sorted(codes).count("0") == 5 and codes.count("4") == 395
    assert_exactly_five_promised(cli)


RECEIVER = """
import sys
from datetime import datetime, timezone
from ordercli.db.engine import Database
from ordercli.services.inventory.movements import receive
from ordercli.services.views import Stamp

database = Database(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
for _ in range(int(sys.argv[2])):
    receive(database, "SKU-1", 1, None, None, Stamp("receiver", "stock receive", datetime.now(timezone.utc)))
database.dispose()
"""

CANCELER = """
import sys
from datetime import datetime, timezone
from ordercli.db.engine import Database
from ordercli.domain.statuses import Status
from ordercli.services.status import change_status
from ordercli.services.views import Stamp

database = Database(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
for number in sys.argv[2].split(","):
    change_status(database, [number], Status.CANCELED, Stamp("canceler", "status", datetime.now(timezone.utc)))
database.dispose()
"""


def test_canceling_orders_while_stock_arrives_leaks_nothing_and_never_deadlocks(last_five_units):
    """Backorder fills (holding the product) and cancellations (holding orders) at once."""
    cli = last_five_units
    for _ in range(20):  # 5 promised at once, 15 waiting for stock
        outcome = cli("create", *CUSTOMER, "--line", "SKU-1:1", "--backorder")
        assert outcome.exit_code == 0, outcome
    numbers = ",".join(str(n) for n in range(1, 21))
    race([[RECEIVER, cli.target, "30"], [CANCELER, cli.target, numbers]])  # each exits 0: no deadlock, no error
    # every order is canceled and holds nothing; all 35 units are back on the shelf
    assert {r.status for r in query(cli, "SELECT status FROM orders")} == {"canceled"}
    assert [(l.on_hand, l.reserved) for l in query(cli, "SELECT on_hand, reserved FROM stock_levels ORDER BY location_id")] \
        == [(33, 0), (2, 0)]
    assert query(cli, "SELECT count(*) AS n FROM order_lines WHERE backordered")[0].n == 0
    assert cli("stock", "check").exit_code == 0
