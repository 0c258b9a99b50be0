"""A retried `create` racing the attempt it retries: two real processes placing the same channel
order at once make one order; the other process answers with that order's number (exit 0),
and the stock, the promo code and the history count it once."""

import json
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest

from tests.helpers import CUSTOMER, query, race

# The command, released at once in each process: imports done before "ready", so that the race
# is the command itself.
CREATE = """
import sys
import email_validator, phonenumbers, pycountry
import ordercli.services.orders
from ordercli.cli.app import app
target, args = sys.argv[1], sys.argv[2:]
print("ready", flush=True)
sys.stdin.readline()
app(["--db", target, "create", *args, "--json"], prog_name="ordercli")
"""


def order_args(ref: str) -> list[str]:
    return [*CUSTOMER, "--channel", "marketplace", "--ref", ref, "--line", "CHAI:2", "--promo", "TWICE"]


@pytest.fixture
def shop(cli):
    """CHAI with 10 units in stock; a promo code that can be used as often as there are rounds."""
    for args in (["location", "add", "main"], ["product", "add", "CHAI", "--name", "Chai", "--price", "18.00"],
                 ["stock", "receive", "CHAI", "10"], ["promo", "add", "TWICE", "--percent", "5", "--max-uses", "2"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


def assert_placed_once_each(cli, orders: int) -> None:
    """`orders` orders of 2 units, each with one history entry, its stock promised and the
    promo code counted once."""
    assert query(cli, "SELECT count(*) AS n FROM orders")[0].n == orders
    created = query(cli, "SELECT order_id, count(*) AS n FROM order_history WHERE event = 'created' GROUP BY order_id")
    assert [r.n for r in created] == [1] * orders
    assert query(cli, "SELECT reserved FROM stock_levels")[0].reserved == 2 * orders
    assert query(cli, "SELECT count(*) AS n FROM stock_movements WHERE kind = 'reserved'")[0].n == orders
    assert query(cli, "SELECT uses FROM promo_codes")[0].uses == orders
    assert cli("stock", "check").exit_code == 0  # the counters are the sums of the ledger


def test_two_processes_retrying_at_once_make_one_order_and_both_print_its_number(shop):
    for ref in ("AMZ-1", "AMZ-2"):
        outputs = [json.loads(out) for out in race([[CREATE, shop.target, *order_args(ref)] for _ in range(2)])]
        assert outputs[0]["number"] == outputs[1]["number"]
        assert sorted(o["existing"] for o in outputs) == [False, True]
        assert outputs[0]["channel_ref"] == ref
    assert_placed_once_each(shop, 2)


def _someone_waits_for(postgres, backend_pid: int) -> bool:
    """Whether a session waits for a lock that the session `backend_pid` holds."""
    return postgres.connection.execute("SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                                       (backend_pid,)).fetchone()[0] > 0


@pytest.mark.parametrize("promo_uses", [2, 1], ids=["unique index", "promo code used up"])
def test_a_twin_that_checked_before_the_first_committed_reads_the_first_order(shop, backend, request, promo_uses):
    """The twin starts while the first order is placed but not committed: it finds no order with
    the reference, then waits for a lock the first holds (the new customer's row, or the promo
    code). Once the first commits, what stops the twin (the unique index on the reference, or
    the promo code's last use, taken by the first) rolls its transaction back, and it reads the
    order the first placed. Only PostgreSQL has this window: on SQLite the twin's BEGIN IMMEDIATE
    waits before it reads anything."""
    if backend != "postgresql":
        pytest.skip("on SQLite a create holds the write lock from its first read (BEGIN IMMEDIATE)")
    from ordercli.db.engine import Database
    from ordercli.db.sql import execute, scalar
    from ordercli.domain.orders import AddressRequest, LineRequest, OrderRequest, validate_order
    from ordercli.services.orders import place_order
    from ordercli.services.views import Stamp

    postgres = request.getfixturevalue("postgres")
    database = Database(shop.target)
    with database.write() as connection:
        execute(connection, "UPDATE promo_codes SET max_uses = :n", {"n": promo_uses})
    first = OrderRequest(name="Maria Anders", email="maria@example.com", phone="030-0074321",
                         billing=AddressRequest(line1="Obere Str. 57", city="Berlin", postal_code="12209",
                                                country="DE"),
                         channel="marketplace", channel_ref="AMZ-1", lines=[LineRequest("CHAI", "2")], promo="TWICE")
    try:
        with database.write() as connection:
            number = place_order(connection, validate_order(first, "EUR"),
                                 Stamp("anna", "create", datetime.now(timezone.utc)))
            holder = scalar(connection, "SELECT pg_backend_pid()")
            twin = subprocess.Popen([sys.executable, "-m", "ordercli", "--db", shop.target, "create",
                                     *order_args("AMZ-1"), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
            deadline = time.monotonic() + 120
            while not _someone_waits_for(postgres, holder):
                assert twin.poll() is None, twin.communicate()
                assert time.monotonic() < deadline, "the twin never waited for the first order's locks"
                time.sleep(0.05)
    finally:
        database.dispose()
    out, err = twin.communicate(timeout=120)
    assert twin.returncode == 0, err
    placed = json.loads(out)
    assert (placed["number"], placed["existing"]) == (number, True)
    assert_placed_once_each(shop, 1)
