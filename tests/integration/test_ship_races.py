"""Shipping races between real processes, on both backends: a hand-over racing the deletion
of its own shipment, a cancel racing a shipment of the same order, and many processes shipping
different orders that share SKUs.

Each process loads ordercli and runs a dry run (or a read) of its command before the race, so
the window holds the commands themselves; then all are released at once. Afterwards the exit
codes and what the database holds must be those of one of the serial orders of the same
commands, with quantities, stock (`stock check`), ledger and status agreeing, and no process
may have ended with exit 6 (a deadlock or a lock wait given up).
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import CUSTOMER, ROOT, query, race

# One ordercli command in a process of its own: `warm` (a dry run or a read) first, so imports
# and the first connection are behind it; then, on "go", the command; prints what a user saw.
COMMAND = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.helpers import Cli
cli = Cli(sys.argv[2], None)
warm, command = json.loads(sys.argv[3]), json.loads(sys.argv[4])
if warm:
    cli(*warm)
print("ready", flush=True)
sys.stdin.readline()
outcome = cli(*command)
print(json.dumps({"code": outcome.exit_code, "stderr": outcome.stderr}))
"""


def run_at_once(cli, *commands: tuple[list[str], list[str] | None]) -> list[dict]:
    """Run (command, warm-up) pairs in processes released together; what each one saw."""
    scripts = [[COMMAND, str(ROOT), cli.target, json.dumps(warm or []), json.dumps(command)]
               for command, warm in commands]
    seen = [json.loads(out.strip().splitlines()[-1]) for out in race(scripts)]
    for outcome in seen:
        assert outcome["code"] != 6, f"a process gave up waiting for a lock (deadlock?): {outcome}"
        assert "Traceback" not in outcome["stderr"] and outcome["code"] != 1, outcome
        if outcome["code"]:  # the error first (a batch then sums up what it did)
            assert outcome["stderr"].startswith("ordercli: "), outcome
    return seen


@pytest.fixture
def shop(cli):
    """A warehouse `main` with 100 CHAI and 100 MUG, a store `berlin` with 5 CHAI, a carrier DHL."""
    for args in (["location", "add", "main"], ["location", "add", "berlin", "--kind", "store"],
                 ["product", "add", "CHAI", "--name", "Chai", "--price", "18.00"],
                 ["product", "add", "MUG", "--name", "Mug", "--price", "8.00"],
                 ["stock", "receive", "CHAI", "100"], ["stock", "receive", "MUG", "100"],
                 ["stock", "receive", "CHAI", "5", "--at", "berlin"], ["carrier", "add", "DHL"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


def ready_order(cli, *lines: str) -> int:
    args = [*CUSTOMER]
    for line in lines:
        args += ["--line", line]
    outcome = cli("create", *args)
    assert outcome.exit_code == 0, outcome
    number = int(outcome.stdout)
    assert cli("verify", str(number), "--by", "anna").exit_code == 0
    assert cli("status", str(number), "--to", "ready_to_ship").exit_code == 0
    return number


def packed(cli, number: int) -> int:
    """A new shipment of everything the order has outstanding, picked and packed (not handed over)."""
    [result] = cli.json("ship", str(number), "--stage", "packed")
    [shipment] = result["shipments"]
    return shipment


def levels(cli) -> dict[tuple[str, str], tuple[int, int]]:
    """(sku, location) -> (on hand, reserved)."""
    return {(r.sku, r.location): (r.on_hand, r.reserved) for r in query(
        cli, "SELECT p.sku, loc.name AS location, s.on_hand, s.reserved FROM stock_levels s "
             "JOIN products p ON p.id = s.product_id JOIN locations loc ON loc.id = s.location_id")}


def order_state(cli, number: int) -> dict:
    """What a user reads of an order: status, per line (sku, shipped, promised, waiting), its
    shipments (stage, deleted or not), the ledger rows that name it, its status changes."""
    shown = cli.json("show", str(number))
    ledger = query(cli, "SELECT m.kind, p.sku, loc.name AS location, m.on_hand_delta, m.reserved_delta "
                        "FROM stock_movements m JOIN products p ON p.id = m.product_id "
                        "JOIN locations loc ON loc.id = m.location_id WHERE m.order_id = :n ORDER BY m.id",
                   {"n": number})
    statuses = query(cli, "SELECT from_status, to_status FROM order_history WHERE order_id = :n AND event = 'status' "
                          "ORDER BY id", {"n": number})
    shipments = cli.json("shipments", "--order", str(number), "--deleted")
    return {
        "status": shown["status"],
        "lines": [(l["sku"], l["shipped"], sum(p["quantity"] for p in l["promised"]), l["waiting"])
                  for l in shown["lines"]],
        "shipments": sorted((s["number"], s["stage"], s["deleted"] is not None) for s in shipments),
        "ledger": [(m.kind, m.sku, m.location, m.on_hand_delta, m.reserved_delta) for m in ledger],
        "statuses": [(s.from_status, s.to_status) for s in statuses],
    }


def assert_consistent(cli, numbers: list[int]) -> None:
    """Counters equal the ledger's sums, and every order's status and holdings follow what its
    shipments that count handed over."""
    check = cli("stock", "check")
    assert check.exit_code == 0, check
    for number in numbers:
        state = order_state(cli, number)
        if state["status"] in ("canceled", "failed", "abandoned"):
            # nothing is held, and no shipment counts for its units
            assert all(promised == 0 for _, _, promised, _ in state["lines"]), state
            assert all(deleted or stage == "returned_to_sender" for _, stage, deleted in state["shipments"]), state
            continue
        shipped = [(sku, n) for sku, n, _, _ in state["lines"]]
        ordered = {r.sku: r.quantity for r in query(cli, "SELECT sku, quantity FROM order_lines WHERE order_id = :n",
                                                    {"n": number})}
        if all(n == 0 for _, n in shipped):
            expected = "ready_to_ship"
        elif all(n == ordered[sku] for sku, n in shipped):
            expected = "closed"
        else:
            expected = "partially_shipped"
        assert state["status"] == expected, state


def one_of(seen: tuple, serial: dict[str, tuple]) -> str:
    """The name of the serial order whose outcome `seen` is; fails if it is none of them."""
    names = [name for name, outcome in serial.items() if outcome == seen]
    assert names, f"{seen} is none of the serial outcomes {serial}"
    return names[0]


# -- a hand-over racing the deletion of its own shipment ---------------------------------------------


@pytest.mark.parametrize("how", ["no flag", "--restock main", "--write-off"])
def test_a_hand_over_racing_the_deletion_of_its_shipment(shop, how):
    """A packed shipment of 2 CHAI: `shipment hand-over` and `delete-shipment --yes` at once. A
    deletion before the hand-over keeps the units promised (restock and write-off then have
    nothing to act on: exit 5) and the hand-over finds the shipment deleted (exit 4); after the
    hand-over, the deletion needs --restock or --write-off (else exit 5) and undoes it."""
    flags = how.split() if how != "no flag" else []
    for round_ in range(2):
        number = ready_order(shop, "CHAI:2")
        sid = packed(shop, number)
        before = levels(shop)[("CHAI", "main")]
        hand_over = ["shipment", "hand-over", str(sid), "--carrier", "DHL", "--tracking", f"T{round_}"]
        delete = ["delete-shipment", str(sid), "--yes", "--reason", "wrong box", *flags]
        seen = run_at_once(shop, (hand_over, ["shipment", "show", str(sid)]),
                           (delete, ["delete-shipment", str(sid), "--dry-run", *flags]))
        state = order_state(shop, number)
        on_hand, reserved = before
        handed_over_state = {"status": "closed", "lines": [("CHAI", 2, 0, 0)],
                             "shipments": [(sid, "handed_over", False)],
                             "stock": (on_hand - 2, reserved - 2)}
        kept_promised = {"status": "ready_to_ship", "lines": [("CHAI", 0, 2, 0)], "shipments": [(sid, "packed", True)],
                         "stock": (on_hand, reserved)}
        undone = {"status": "ready_to_ship", "lines": [("CHAI", 0, 2, 0)], "shipments": [(sid, "handed_over", True)],
                  # restocked at main and promised again; written off: gone, and promised again from free stock
                  "stock": (on_hand, reserved) if how == "--restock main" else (on_hand - 2, reserved)}
        serial = {
            "hand-over, then delete": ((0, 0 if flags else 5), undone if flags else handed_over_state),
            "delete, then hand-over": ((0 if flags else 4, 5 if flags else 0),
                                       handed_over_state if flags else kept_promised),
        }
        outcome = {key: state[key] for key in ("status", "lines", "shipments")}
        outcome["stock"] = levels(shop)[("CHAI", "main")]
        which = one_of(((seen[0]["code"], seen[1]["code"]), outcome), serial)
        # the stock left once, exactly when the hand-over happened
        handed_over = seen[0]["code"] == 0
        assert [m for m in state["ledger"] if m[0] == "shipped"] == [("shipped", "CHAI", "main", -2, -2)] * handed_over
        if which == "delete, then hand-over":
            assert ("has not left" in seen[1]["stderr"]) if flags else ("was deleted" in seen[0]["stderr"]), seen
        elif not flags:
            assert "--restock LOCATION" in seen[1]["stderr"], seen
        assert_consistent(shop, [number])


# -- a cancel racing a shipment of the same order -------------------------------------------------------


@pytest.mark.parametrize("shipping", ["whole", "part", "hand-over of a packed shipment"])
def test_a_cancel_racing_a_shipment_of_the_same_order(shop, shipping):
    """`status N --to canceled` and a shipment of N at once. Canceled first: the order gives its
    stock back (a packed shipment is deleted with it) and the shipment is refused (exit 4).
    Shipped first: the order is closed or partially shipped, which a cancel cannot leave (exit 4)."""
    for _ in range(2):
        number = ready_order(shop, "CHAI:3", "MUG:1")
        if shipping == "hand-over of a packed shipment":
            sid = packed(shop, number)
            ship = (["shipment", "hand-over", str(sid), "--carrier", "DHL"], ["shipment", "show", str(sid)])
        else:
            extra = ["--line", "CHAI:1"] if shipping == "part" else []
            ship = (["ship", str(number), "--carrier", "DHL", *extra],
                    ["ship", str(number), "--carrier", "DHL", *extra, "--dry-run"])
        before = levels(shop)
        cancel = (["status", str(number), "--to", "canceled", "--yes", "--reason", "changed mind"],
                  ["status", str(number), "--to", "canceled", "--dry-run"])
        seen = run_at_once(shop, ship, cancel)
        codes = (seen[0]["code"], seen[1]["code"])
        state = order_state(shop, number)
        after = levels(shop)
        chai, mug = before[("CHAI", "main")], before[("MUG", "main")]
        if codes == (4, 0):  # canceled first
            assert state["status"] == "canceled"
            assert state["lines"] == [("CHAI", 0, 0, 0), ("MUG", 0, 0, 0)]
            assert after[("CHAI", "main")] == (chai[0], chai[1] - 3) and after[("MUG", "main")] == (mug[0], mug[1] - 1)
            assert not [m for m in state["ledger"] if m[0] == "shipped"]
            assert state["statuses"][-1] == ("ready_to_ship", "canceled")
            assert "canceled" in seen[0]["stderr"] or "was deleted" in seen[0]["stderr"], seen
        else:  # shipped first; the cancel is refused by the transition table
            assert codes == (0, 4), seen
            part = shipping == "part"
            assert state["status"] == ("partially_shipped" if part else "closed")
            assert state["lines"] == ([("CHAI", 1, 2, 0), ("MUG", 0, 1, 0)] if part else
                                      [("CHAI", 3, 0, 0), ("MUG", 1, 0, 0)])
            taken = {"CHAI": 1 if part else 3, "MUG": 0 if part else 1}
            assert after[("CHAI", "main")] == (chai[0] - taken["CHAI"], chai[1] - taken["CHAI"])
            assert after[("MUG", "main")] == (mug[0] - taken["MUG"], mug[1] - taken["MUG"])
            assert "canceled" not in {to for _, to in state["statuses"]}
            assert "is not allowed" in seen[1]["stderr"], seen
        assert_consistent(shop, [number])


# -- many processes shipping different orders that share SKUs --------------------------------------------


def test_many_processes_shipping_different_orders_of_the_same_skus(shop):
    """Eight processes at once, each shipping its own orders whose lines name CHAI and MUG in
    either order (one ships a batch of three, one hands over a packed shipment): every one
    ships, and the counters go down by exactly what was shipped."""
    singles = [ready_order(shop, *(("CHAI:2", "MUG:1") if i % 2 else ("MUG:1", "CHAI:2"))) for i in range(6)]
    batch = [ready_order(shop, "MUG:2", "CHAI:1") for _ in range(3)]
    staged = ready_order(shop, "CHAI:1", "MUG:1")
    sid = packed(shop, staged)
    before = levels(shop)
    commands = [(["ship", str(n), "--carrier", "DHL"], ["ship", str(n), "--dry-run"]) for n in singles]
    commands.append((["ship", *map(str, batch), "--carrier", "DHL"], ["ship", *map(str, batch), "--dry-run"]))
    commands.append((["shipment", "hand-over", str(sid)], ["shipment", "show", str(sid)]))
    seen = run_at_once(shop, *commands)
    assert [s["code"] for s in seen] == [0] * len(commands), seen
    shipped = {"CHAI": 6 * 2 + 3 * 1 + 1, "MUG": 6 * 1 + 3 * 2 + 1}
    after = levels(shop)
    for sku in ("CHAI", "MUG"):
        on_hand, reserved = before[(sku, "main")]
        assert after[(sku, "main")] == (on_hand - shipped[sku], reserved - shipped[sku])
    numbers = [*singles, *batch, staged]
    assert {order_state(shop, n)["status"] for n in numbers} == {"closed"}
    ledger = query(shop, "SELECT count(*) AS n, SUM(on_hand_delta) AS units FROM stock_movements WHERE kind = 'shipped'")
    assert (ledger[0].n, -ledger[0].units) == (2 * len(numbers), shipped["CHAI"] + shipped["MUG"])
    assert_consistent(shop, numbers)


def test_many_processes_shipping_from_a_store_with_too_few_free_units(shop):
    """Eight orders of 1 CHAI, promised at main, each shipped `--from berlin` by its own process
    at once: berlin has 5 free, so any five ship (their promise moves to berlin and is consumed
    there) and three are refused (exit 4) with nothing changed for them."""
    numbers = [ready_order(shop, "CHAI:1") for _ in range(8)]
    before = levels(shop)
    seen = run_at_once(shop, *[(["ship", str(n), "--from", "berlin"], ["ship", str(n), "--from", "berlin", "--dry-run"])
                               for n in numbers])
    codes = [s["code"] for s in seen]
    assert sorted(codes) == [0] * 5 + [4] * 3, seen
    for outcome in seen:
        if outcome["code"] == 4:
            assert "from berlin: 0 promised there and 0 free" in outcome["stderr"], outcome
    main_on_hand, main_reserved = before[("CHAI", "main")]
    after = levels(shop)
    assert after[("CHAI", "berlin")] == (0, 0)
    assert after[("CHAI", "main")] == (main_on_hand, main_reserved - 5)
    for number, code in zip(numbers, codes):
        state = order_state(shop, number)
        if code == 0:
            assert (state["status"], state["lines"]) == ("closed", [("CHAI", 1, 0, 0)])
            assert [m[0:3] for m in state["ledger"]] == [("reserved", "CHAI", "main"), ("released", "CHAI", "main"),
                                                         ("reserved", "CHAI", "berlin"), ("shipped", "CHAI", "berlin")]
        else:
            assert (state["status"], state["lines"], state["shipments"]) == ("ready_to_ship", [("CHAI", 0, 1, 0)], [])
            assert [m[0] for m in state["ledger"]] == ["reserved"]
    assert_consistent(shop, numbers)
