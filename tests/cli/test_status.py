"""`ordercli status`: the command's wiring (exit codes, messages, batches, stdin, --json).

Every (from, to) pair of the transition table is checked through the service on both backends
(tests/integration/services/test_status.py); here a few of each kind go through the command.
"""

import json

import pytest

from tests.helpers import force_status, query


@pytest.fixture
def verified_order(cli, make_order):
    number = make_order()
    assert cli("verify", str(number), "--by", "anna").exit_code == 0
    return number


def status_history(cli, number: int) -> list[tuple]:
    return [tuple(r) for r in query(cli, "SELECT from_status, to_status, reason, actor, command FROM order_history "
                                         "WHERE order_id = :n AND event = 'status' ORDER BY id", {"n": number})]


def status_of(cli, number: int) -> str:
    return query(cli, "SELECT status FROM orders WHERE id = :n", {"n": number})[0].status


def test_an_allowed_move_changes_the_status_and_records_who_and_why(cli, verified_order):
    number = verified_order
    outcome = cli("--actor", "night-batch", "status", str(number), "--to", "canceled", "--reason", "customer called")
    assert outcome.exit_code == 0, outcome
    assert "moved 1 order(s) to canceled" in outcome.stderr
    assert status_of(cli, number) == "canceled"
    assert status_history(cli, number) == [("open", "canceled", "customer called", "night-batch", "status")]


@pytest.mark.parametrize("current, target, message", [
    ("open", "returned", "open -> returned is not allowed (by hand, open can go to: ready_to_ship, canceled, failed, "
                         "abandoned, partially_shipped, closed)"),
    ("closed", "ready_to_ship", "closed -> ready_to_ship happens through deleting a shipment, not by hand"),
    ("canceled", "open", "canceled is final: an order cannot leave it"),
], ids=["not-in-the-table", "by-an-event-only", "final"])
def test_a_refused_move_exits_4_says_why_in_one_line_and_changes_nothing(cli, verified_order, current, target,
                                                                         message):
    number = verified_order
    force_status(cli, number, current)
    outcome = cli("status", str(number), "--to", target, "--reason", "test")
    assert outcome.exit_code == 4, outcome
    assert outcome.stdout == ""
    assert outcome.stderr.splitlines() == [
        f"ordercli: order {number}: {message}",
        f"nothing changed: 1 of 1 order(s) cannot move to {target} (listed above); --skip-invalid moves the others",
    ]
    assert status_of(cli, number) == current
    assert status_history(cli, number) == []


def test_transitions_by_hand_on_both_backends(cli, verified_order):
    number = str(verified_order)
    assert cli("status", number, "--to", "ready_to_ship").exit_code == 0
    assert cli("status", number, "--to", "open").exit_code == 0
    refused = cli("status", number, "--to", "returned", "--reason", "parcel came back")
    assert refused.exit_code == 4
    assert "open -> returned is not allowed" in refused.stderr
    no_reason = cli("status", number, "--to", "closed")
    assert no_reason.exit_code == 2 and "give --reason" in no_reason.stderr
    assert cli("status", number, "--to", "canceled", "--reason", "customer called").exit_code == 0
    final = cli("status", number, "--to", "open")
    assert final.exit_code == 4 and "canceled is final" in final.stderr
    history = cli.json("history", number)
    assert [(h["event"], h["from"], h["to"]) for h in history] == [
        ("created", None, "open"), ("verified", "open", "open"), ("status", "open", "ready_to_ship"),
        ("status", "ready_to_ship", "open"), ("status", "open", "canceled")]
    assert history[-1]["reason"] == "customer called"
    assert history[-1]["command"] == "status"


def test_ready_to_ship_needs_a_verified_order(cli, make_order):
    number = make_order()
    outcome = cli("status", str(number), "--to", "ready_to_ship")
    assert outcome.exit_code == 4
    assert "not ready to ship: it is not verified (ordercli verify)" in outcome.stderr


def test_the_actor_is_the_os_user_or_the_given_name(cli, verified_order):
    assert cli("--actor", "night-batch", "status", str(verified_order), "--to", "ready_to_ship").exit_code == 0
    assert cli.json("history", str(verified_order))[-1]["actor"] == "night-batch"


def test_the_same_status_again_succeeds_and_changes_nothing(cli, verified_order):
    assert cli("status", str(verified_order), "--to", "ready_to_ship").exit_code == 0
    again = cli("status", str(verified_order), "--to", "ready_to_ship", "--json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)[0] == {"number": verified_order, "input": str(verified_order), "from": "ready_to_ship",
                                                "to": "ready_to_ship", "ok": True, "changed": False, "error": None,
                                                "code": 0}
    assert "already ready_to_ship" in again.stderr
    assert len(query(cli, "SELECT id FROM order_history WHERE event = 'status'")) == 1


@pytest.fixture
def five_orders(cli, make_order):
    numbers = [make_order() for _ in range(5)]
    for n in numbers:
        assert cli("verify", str(n), "--by", "anna").exit_code == 0
    return numbers


def statuses(cli):
    return [r.status for r in query(cli, "SELECT status FROM orders ORDER BY id")]


def test_a_batch_is_all_or_nothing_and_lists_every_failure(cli, five_orders):
    force_status(cli, 2, "canceled")
    force_status(cli, 4, "failed")
    outcome = cli("status", "1", "2", "3", "4", "5", "99", "--to", "ready_to_ship")
    assert outcome.exit_code == 4  # the first failure (order 2) is a refusal
    assert "order 2: canceled is final" in outcome.stderr
    assert "order 4: failed is final" in outcome.stderr
    assert "order 99: no such order" in outcome.stderr
    assert "nothing changed: 3 of 6 order(s) cannot move to ready_to_ship" in outcome.stderr
    assert statuses(cli) == ["open", "canceled", "open", "failed", "open"]
    assert query(cli, "SELECT count(*) AS n FROM order_history WHERE event = 'status'")[0].n == 0


def test_skip_invalid_moves_the_valid_ones_and_exits_non_zero(cli, five_orders):
    force_status(cli, 2, "canceled")
    outcome = cli("status", "1", "2", "3", "x", "--to", "ready_to_ship", "--skip-invalid", "--json")
    assert outcome.exit_code == 4
    results = json.loads(outcome.stdout)
    assert [(r["input"], r["ok"], r["changed"], r["code"]) for r in results] == [
        ("1", True, True, 0), ("2", False, False, 4), ("3", True, True, 0), ("x", False, False, 5)]
    assert results[1]["error"] == "canceled is final: an order cannot leave it"
    assert results[3]["number"] is None
    assert statuses(cli) == ["ready_to_ship", "canceled", "ready_to_ship", "open", "open"]
    assert "moved 2 order(s) to ready_to_ship; skipped 2" in outcome.stderr


def test_dry_run_checks_every_order_and_changes_nothing(cli, five_orders):
    outcome = cli("status", "1", "2", "3", "--to", "canceled", "--dry-run", "--json")
    assert outcome.exit_code == 0
    assert [(r["from"], r["ok"], r["changed"]) for r in json.loads(outcome.stdout)] == [("open", True, False)] * 3
    assert "dry run: 3 order(s) would move to canceled; nothing changed" in outcome.stderr
    assert statuses(cli) == ["open"] * 5


def test_numbers_from_stdin_and_from_a_file(cli, five_orders, tmp_path):
    outcome = cli("status", "-", "--to", "ready_to_ship", input="1\n2\n\n2\n")
    assert outcome.exit_code == 0, outcome
    assert "moved 2 order(s)" in outcome.stderr
    path = tmp_path / "ids.txt"
    path.write_text("3\n4\n", encoding="utf-8")
    assert cli("status", "--from-file", str(path), "5", "--to", "canceled").exit_code == 0
    assert statuses(cli) == ["ready_to_ship", "ready_to_ship", "canceled", "canceled", "canceled"]
    missing = cli("status", "--from-file", str(tmp_path / "nope.txt"), "--to", "canceled")
    assert missing.exit_code == 5 and "cannot read" in missing.stderr


def test_no_orders_is_a_usage_error(cli):
    outcome = cli("status", "--to", "canceled")
    assert outcome.exit_code == 2
    empty = cli("status", "-", "--to", "canceled", input="\n\n")
    assert empty.exit_code == 5 and "no order numbers given" in empty.stderr


def test_an_unknown_status_is_a_usage_error(cli, make_order):
    outcome = cli("status", "1", "--to", "shipped")
    assert outcome.exit_code == 2
    assert "shipped" in outcome.stderr


def test_a_real_process_reads_thousands_of_numbers_from_stdin(cli, make_order, tmp_path):
    for _ in range(3):
        make_order()
    force_status(cli, 1, "canceled")
    numbers = "\n".join(str(n) for n in [1, 2, 3] + list(range(4, 2000))) + "\n"
    outcome = cli.run("status", "-", "--to", "abandoned", "--skip-invalid", input=numbers)
    assert outcome.exit_code == 4  # order 1 is canceled: refused; 4..1999 do not exist
    assert "moved 2 order(s) to abandoned; skipped 1997" in outcome.stderr
    assert statuses(cli) == ["canceled", "abandoned", "abandoned"]
