"""Return races between real processes, on both backends: two returns of the last returnable
unit at once, and a return racing the deletion of the shipment whose units it takes back.

Each process loads ordercli and reads first, so the window holds the commands themselves;
then all are released at once. Afterwards exactly one of the racing commands may have won,
and what the database holds must be what that serial order gives.
"""

from __future__ import annotations

import pytest

from tests.helpers import CUSTOMER, query
from tests.integration.test_ship_races import run_at_once


@pytest.fixture
def shop(cli):
    for args in (["location", "add", "main"], ["product", "add", "CHAI", "--name", "Chai", "--price", "18.00"],
                 ["stock", "receive", "CHAI", "10"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


def shipped(cli, quantity: int, stage: str = "handed_over") -> tuple[int, int]:
    """An order of `quantity` CHAI shipped whole: (order, shipment)."""
    number = cli("create", *CUSTOMER, "--line", f"CHAI:{quantity}").stdout.strip()
    for args in (["verify", number, "--by", "anna"], ["status", number, "--to", "ready_to_ship"]):
        assert cli(*args).exit_code == 0
    [result] = cli.json("ship", number, "--stage", stage)
    return int(number), result["shipments"][0]


def returned_units(cli, number: int) -> int:
    return query(cli, "SELECT COALESCE(SUM(rl.quantity), 0) AS n FROM returns t JOIN return_lines rl "
                      "ON rl.return_id = t.id WHERE t.order_id = :n AND t.stage <> 'canceled'", {"n": number})[0].n


@pytest.mark.parametrize("round_", range(2))
def test_two_returns_of_the_last_unit_at_once_one_wins(shop, round_):
    cli = shop
    number, _ = shipped(cli, 1)
    command = ["return", str(number), "--line", "CHAI:1", "--reason", "race"]
    seen = run_at_once(cli, (command, ["show", str(number)]), (command, ["show", str(number)]))
    codes = sorted(outcome["code"] for outcome in seen)
    assert codes == [0, 4], seen
    loser = next(outcome for outcome in seen if outcome["code"] == 4)
    assert "1 fulfilled, 1 returned or being returned already, so none can come back" in loser["stderr"]
    assert returned_units(cli, number) == 1
    assert len(cli.json("returns", "--order", str(number))) == 1


@pytest.mark.parametrize("round_", range(2))
def test_a_return_racing_the_deletion_of_its_shipment_stays_consistent(shop, round_):
    cli = shop
    number, shipment = shipped(cli, 2)
    ret = ["return", str(number), "--line", "CHAI:2", "--reason", "race"]
    delete = ["delete-shipment", str(shipment), "--restock", "main", "--reason", "wrong", "--yes"]
    seen = run_at_once(cli, (ret, ["show", str(number)]), (delete, ["shipment", "show", str(shipment)]))
    codes = (seen[0]["code"], seen[1]["code"])
    state = cli.json("show", str(number))
    [ship] = cli.json("shipments", "--order", str(number), "--deleted")
    if codes == (0, 4):  # the return first: the shipment's units are coming back, it stays
        assert "in return" in seen[1]["stderr"]
        assert ship["deleted"] is None and state["status"] == "closed"
        assert returned_units(cli, number) == 2
    else:  # the deletion first: nothing was fulfilled any more, so nothing can come back
        assert codes == (4, 0), seen
        assert "was never fulfilled" in seen[0]["stderr"]
        assert ship["deleted"] is not None and state["status"] == "ready_to_ship"
        assert returned_units(cli, number) == 0
    assert cli("stock", "check").exit_code == 0
