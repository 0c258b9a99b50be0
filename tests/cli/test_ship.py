"""Shipping orders whole, in part and in batches; the stages of a shipment; deleting a wrong one.

Each test reads what a user would: exit codes, messages, `show --json`, the stock counters
and the ledger (`stock check`), on both backends.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.helpers import CUSTOMER, query


@pytest.fixture
def shop(cli):
    """A warehouse `main` (default) and a store `berlin`, CHAI (10 at main, 5 at berlin), MUG (4 at
    berlin), a digital EBOOK, and a carrier DHL with a tracking page."""
    for args in (["location", "add", "main"], ["location", "add", "berlin", "--kind", "store"],
                 ["product", "add", "CHAI", "--name", "Chai", "--price", "18.00"],
                 ["product", "add", "MUG", "--name", "Mug", "--price", "8.00"],
                 ["product", "add", "EBOOK", "--name", "Tea e-book", "--price", "5.00", "--kind", "digital"],
                 ["stock", "receive", "CHAI", "10"], ["stock", "receive", "CHAI", "5", "--at", "berlin"],
                 ["stock", "receive", "MUG", "4", "--at", "berlin"],
                 ["carrier", "add", "DHL", "--tracking-url", "https://track.example/dhl?n={tracking}"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


def ready_order(cli, *lines: str, extra: tuple[str, ...] = ()) -> int:
    """An order placed, verified and ready to ship."""
    args = [*CUSTOMER]
    for line in lines:
        args += ["--line", line]
    outcome = cli("create", *args, *extra)
    assert outcome.exit_code == 0, outcome
    number = int(outcome.stdout.strip())
    assert cli("verify", str(number), "--by", "anna").exit_code == 0
    assert cli("status", str(number), "--to", "ready_to_ship").exit_code == 0
    return number


def levels(cli, sku: str) -> dict[str, tuple[int, int]]:
    return {l["location"]: (l["on_hand"], l["reserved"]) for l in cli.json("product", "show", sku)["stock"]["locations"]}


def lines(cli, number: int) -> list[tuple]:
    return [(l["sku"], l["shipped"], l["promised"], l["waiting"]) for l in cli.json("show", str(number))["lines"]]


def stock_is_consistent(cli) -> None:
    outcome = cli("stock", "check")
    assert outcome.exit_code == 0, outcome


def snapshot(cli) -> dict:
    """Everything a failed command must leave as it was."""
    return {table: query(cli, f"SELECT * FROM {table} ORDER BY 1")
            for table in ("orders", "shipments", "shipment_lines", "stock_levels", "stock_movements", "order_history")}


# -- shipping ---------------------------------------------------------------------------------------


def test_shipping_a_whole_order_takes_its_stock_and_closes_it(shop):
    number = ready_order(shop, "CHAI:3")
    outcome = shop("ship", str(number), "--carrier", "DHL", "--tracking", "00340434")
    assert outcome.exit_code == 0, outcome
    assert "shipped 1 order(s) in 1 shipment(s)" in outcome.stderr
    order = shop.json("show", str(number))
    assert order["status"] == "closed"
    [shipment] = order["shipments"]
    assert (shipment["stage"], shipment["method"], shipment["location"], shipment["carrier"], shipment["tracking"]) == (
        "handed_over", "ship", "main", "DHL", "00340434")
    assert [s["stage"] for s in shipment["stages"]] == ["picked", "packed", "handed_over"]
    assert shipment["tracking_url"] == "https://track.example/dhl?n=00340434"
    assert lines(shop, number) == [("CHAI", 3, [], 0)]
    # on hand and reserved went down together; the ledger names the shipment
    assert levels(shop, "CHAI")["main"] == (7, 0)
    ledger = query(shop, "SELECT kind, on_hand_delta, reserved_delta, shipment_id FROM stock_movements "
                         "WHERE kind = 'shipped'")
    assert [(m.kind, m.on_hand_delta, m.reserved_delta, m.shipment_id) for m in ledger] == [
        ("shipped", -3, -3, shipment["number"])]
    stock_is_consistent(shop)
    events = [(h["event"], h["from"], h["to"]) for h in order["history"]][-2:]
    assert events == [("shipment", None, None), ("status", "ready_to_ship", "closed")]


def test_a_partial_shipment_then_the_rest(shop):
    number = ready_order(shop, "CHAI:5", "EBOOK:1")
    assert shop("ship", str(number), "--line", "CHAI:2").exit_code == 0
    assert shop.json("show", str(number))["status"] == "partially_shipped"
    assert lines(shop, number) == [("CHAI", 2, [{"location": "main", "quantity": 3}], 0), ("EBOOK", 0, [], 0)]
    # the rest: the download needs what the customer receives
    refused = shop("ship", str(number))
    assert refused.exit_code == 5 and "--issued" in refused.stderr, refused
    assert shop("ship", str(number), "--issued", "https://dl.example/k/1").exit_code == 0
    order = shop.json("show", str(number))
    assert order["status"] == "closed"
    assert lines(shop, number) == [("CHAI", 5, [], 0), ("EBOOK", 1, [], 0)]
    download = [s for s in order["shipments"] if s["method"] == "download"][0]
    assert (download["issued"], download["stage"], download["location"]) == ("https://dl.example/k/1", "delivered", None)
    assert levels(shop, "CHAI")["main"] == (5, 0)
    stock_is_consistent(shop)


@pytest.mark.parametrize("args, code, message", [
    (["--line", "CHAI:4"], 4, "cannot ship 4 of CHAI on order {n}: 3 left to ship"),
    (["--line", "MUG:1"], 4, "MUG is not on order {n}"),
    (["--from", "nowhere"], 3, "location nowhere does not exist"),
    (["--carrier", "Pigeon"], 3, "carrier 'Pigeon' does not exist"),
    (["--line", "CHAI:0"], 2, "quantity of CHAI must be at least 1"),
    (["--line", "CHAI:-1"], 2, "is not a whole number"),
    (["--line", "CHAI:1.5"], 2, "is not a whole number"),
    (["--line", "CHAI:2", "--line", "CHAI:1"], 5, "CHAI is named twice"),
    (["--weight", "-2"], 2, "not a weight"),
])
def test_what_cannot_ship_is_refused_and_changes_nothing(shop, args, code, message):
    number = ready_order(shop, "CHAI:3")
    before = snapshot(shop)
    outcome = shop("ship", str(number), *args)
    assert outcome.exit_code == code, outcome
    assert message.format(n=number) in outcome.stderr
    assert outcome.stderr.count("\n") <= 2 and "Traceback" not in outcome.stderr
    assert snapshot(shop) == before


def test_orders_that_are_not_ready_or_are_over_cannot_ship(shop, make_order):
    opened = int(shop("create", *CUSTOMER, "--line", "CHAI:1").stdout)
    outcome = shop("ship", str(opened))
    assert outcome.exit_code == 4 and "is open: verify it and mark it ready_to_ship first" in outcome.stderr
    canceled = ready_order(shop, "CHAI:1")
    assert shop("status", str(canceled), "--to", "canceled", "--yes").exit_code == 0
    outcome = shop("ship", str(canceled))
    assert outcome.exit_code == 4 and "is canceled" in outcome.stderr
    closed = ready_order(shop, "CHAI:1")
    assert shop("ship", str(closed)).exit_code == 0
    outcome = shop("ship", str(closed))
    assert outcome.exit_code == 4 and "is closed" in outcome.stderr
    assert shop("ship", "99999").exit_code == 3


def test_shipping_from_another_location_moves_the_promise_only_where_stock_is_free(shop):
    number = ready_order(shop, "CHAI:4")
    assert levels(shop, "CHAI") == {"main": (10, 4), "berlin": (5, 0)}
    outcome = shop("ship", str(number), "--line", "CHAI:3", "--from", "berlin")
    assert outcome.exit_code == 0, outcome
    assert levels(shop, "CHAI") == {"main": (10, 1), "berlin": (2, 0)}
    assert lines(shop, number) == [("CHAI", 3, [{"location": "main", "quantity": 1}], 0)]
    # berlin has 2 left: the last unit may come from there, but not 3 units
    refused = shop("ship", str(number), "--line", "CHAI:1", "--from", "nowhere")
    assert refused.exit_code == 3
    stock_is_consistent(shop)


def test_a_location_without_free_stock_is_refused(shop):
    number = ready_order(shop, "CHAI:4")
    ready_order(shop, "CHAI:5")  # main: 9 of 10 promised
    outcome = shop("ship", str(number), "--from", "berlin", "--line", "CHAI:4")
    assert outcome.exit_code == 0, outcome  # berlin has 5 free
    third = ready_order(shop, "CHAI:1")
    outcome = shop("ship", str(third), "--from", "berlin", "--line", "CHAI:1")
    assert outcome.exit_code == 0
    fourth = ready_order(shop, "CHAI:1", extra=("--backorder",))
    outcome = shop("ship", str(fourth), "--from", "berlin")
    assert outcome.exit_code == 4 and "from berlin: 0 promised there and 0 free" in outcome.stderr, outcome
    stock_is_consistent(shop)


# -- stages ------------------------------------------------------------------------------------------


def test_working_in_stages_takes_stock_only_at_the_hand_over(shop):
    number = ready_order(shop, "CHAI:2")
    outcome = shop("ship", str(number), "--stage", "packed", "--parcels", "1", "--weight", "2.5", "--json")
    assert outcome.exit_code == 0, outcome
    [result] = json.loads(outcome.stdout)
    [sid] = result["shipments"]
    assert (result["from"], result["to"]) == ("ready_to_ship", "ready_to_ship")
    assert levels(shop, "CHAI")["main"] == (10, 2)
    # nothing more is outstanding: the packed shipment has the units
    again = shop("ship", str(number))
    assert again.exit_code == 4 and "nothing left to ship" in again.stderr
    handed = shop("shipment", "hand-over", str(sid), "--carrier", "dhl", "--tracking", "JJD0001", "--json")
    assert handed.exit_code == 0, handed
    shipment = json.loads(handed.stdout)
    assert (shipment["stage"], shipment["carrier"], shipment["parcels"], shipment["weight_kg"]) == (
        "handed_over", "DHL", 1, "2.5")
    assert shop.json("show", str(number))["status"] == "closed"
    assert levels(shop, "CHAI")["main"] == (8, 0)
    # on to delivered, signed for; no way back
    delivered = shop.json("shipment", "deliver", str(sid), "--signed-by", "M. Anders", "--note", "at the door")
    assert (delivered["stage"], delivered["signed_by"], delivered["delivery_note"]) == ("delivered", "M. Anders",
                                                                                        "at the door")
    back = shop("shipment", "pack", str(sid))
    assert back.exit_code == 4 and "already delivered" in back.stderr
    stock_is_consistent(shop)


def test_a_failed_delivery_and_a_return_to_sender(shop):
    number = ready_order(shop, "CHAI:2")
    sid = shop.json("ship", str(number), "--carrier", "DHL")[0]["shipments"][0]
    failed = shop.json("shipment", "failed", str(sid), "--reason", "nobody home")
    assert (failed["stage"], failed["failed_attempts"]) == ("handed_over", 1)
    back = shop.json("shipment", "returned", str(sid), "--reason", "address unknown")
    assert back["stage"] == "returned_to_sender"
    order = shop.json("show", str(number))
    assert order["status"] == "ready_to_ship"
    assert lines(shop, number) == [("CHAI", 0, [{"location": "main", "quantity": 2}], 0)]
    assert levels(shop, "CHAI")["main"] == (10, 2)
    # it can ship again
    assert shop("ship", str(number)).exit_code == 0
    assert shop.json("show", str(number))["status"] == "closed"
    stock_is_consistent(shop)


def test_pickup_waits_at_the_store_until_collected_and_hand_over_at_the_counter(shop):
    order_json = {"customer": {"name": "Hans", "email": "hans@example.com"},
                  "billing_address": {"line1": "A 1", "city": "Berlin", "country": "DE"}, "channel": "store",
                  "lines": [{"sku": "MUG", "quantity": 2, "delivery_method": "pickup"},
                            {"sku": "CHAI", "quantity": 1, "delivery_method": "hand_over"}]}
    number = int(shop("create", "--from-file", "-", input=json.dumps(order_json)).stdout)
    assert shop("verify", str(number), "--by", "anna", "--method", "in-person").exit_code == 0
    assert shop("status", str(number), "--to", "ready_to_ship").exit_code == 0
    # CHAI is promised at main (a warehouse): a pickup from a warehouse is refused, a hand-over is fine
    outcome = shop("ship", str(number), "--salesperson", "Tom", "--json")
    assert outcome.exit_code == 0, outcome
    assert "waits at berlin for the customer" in outcome.stderr
    order = shop.json("show", str(number))
    assert order["status"] == "partially_shipped"
    by_method = {s["method"]: s for s in order["shipments"]}
    assert by_method["pickup"]["stage"] == "packed"
    assert by_method["hand_over"]["stage"] == "delivered"
    assert by_method["hand_over"]["stages"][2] == {"stage": "handed_over", "at": by_method["hand_over"]["stages"][2]["at"],
                                                   "by": "Tom"}
    no_signature = shop("shipment", "collect", str(by_method["pickup"]["number"]), "--signed-by", "")
    assert no_signature.exit_code == 5
    collected = shop.json("shipment", "collect", str(by_method["pickup"]["number"]), "--signed-by", "Hans W.")
    assert (collected["stage"], collected["signed_by"]) == ("delivered", "Hans W.")
    assert shop.json("show", str(number))["status"] == "closed"
    stock_is_consistent(shop)


def test_canceling_an_order_with_a_packed_shipment_deletes_it_and_releases_the_stock(shop):
    number = ready_order(shop, "CHAI:2")
    sid = shop.json("ship", str(number), "--stage", "packed")[0]["shipments"][0]
    assert shop("status", str(number), "--to", "canceled", "--yes").exit_code == 0
    shipment = shop.json("shipment", "show", str(sid))
    assert shipment["deleted"]["reason"] == "order canceled"
    assert levels(shop, "CHAI")["main"] == (10, 0)
    assert shop("shipment", "hand-over", str(sid)).exit_code == 4
    stock_is_consistent(shop)


# -- delete-shipment ------------------------------------------------------------------------------------


def test_deleting_a_shipment_not_yet_handed_over_keeps_the_units_promised(shop):
    number = ready_order(shop, "CHAI:2")
    sid = shop.json("ship", str(number), "--stage", "picked")[0]["shipments"][0]
    outcome = shop("delete-shipment", str(sid), "--reason", "wrong box", "--yes")
    assert outcome.exit_code == 0, outcome
    assert lines(shop, number) == [("CHAI", 0, [{"location": "main", "quantity": 2}], 0)]
    assert levels(shop, "CHAI")["main"] == (10, 2)
    history = shop.json("history", str(number))
    assert history[-1]["event"] == "shipment_deleted"
    assert history[-1]["reason"].startswith(f"shipment {sid} deleted (wrong box); ship from main; lines CHAI 2; stages picked")
    assert shop("ship", str(number)).exit_code == 0  # the units can go in another shipment


def test_deleting_a_handed_over_shipment_restocks_or_writes_off(shop):
    number = ready_order(shop, "CHAI:4")
    first = shop.json("ship", str(number), "--line", "CHAI:1", "--carrier", "DHL", "--tracking", "A1")[0]["shipments"][0]
    second = shop.json("ship", str(number), "--line", "CHAI:3")[0]["shipments"][0]
    assert shop.json("show", str(number))["status"] == "closed"
    before = snapshot(shop)
    undecided = shop("delete-shipment", str(second), "--yes")
    assert undecided.exit_code == 5 and "--restock LOCATION" in undecided.stderr and "--write-off" in undecided.stderr
    assert snapshot(shop) == before
    # back on the shelf at berlin: promised to the order again there
    deleted = shop("delete-shipment", str(second), "--restock", "berlin", "--reason", "wrong waybill", "--yes",
                   "--json")
    assert deleted.exit_code == 0, deleted
    result = json.loads(deleted.stdout)
    assert (result["deleted"], result["from"], result["to"], result["restocked_at"]) == (True, "closed",
                                                                                        "partially_shipped", "berlin")
    assert levels(shop, "CHAI") == {"main": (6, 0), "berlin": (8, 3)}
    assert lines(shop, number) == [("CHAI", 1, [{"location": "berlin", "quantity": 3}], 0)]
    # gone: written off; the order waits for stock again, and gets it from what is free
    assert shop("delete-shipment", str(first), "--write-off", "--yes").exit_code == 0
    assert shop.json("show", str(number))["status"] == "ready_to_ship"
    assert levels(shop, "CHAI")["main"] == (6, 1)
    kinds = [m.kind for m in query(shop, "SELECT kind FROM stock_movements WHERE shipment_id = :s ORDER BY id",
                                   {"s": first})]
    assert kinds == ["shipped", "returned", "adjusted"]
    stock_is_consistent(shop)
    # a deleted shipment is listed only when asked for
    assert [s["number"] for s in shop.json("shipments", "--order", str(number))] == []
    assert {s["number"] for s in shop.json("shipments", "--order", str(number), "--deleted")} == {first, second}


def test_writing_off_the_only_shipment_of_a_closed_order_promises_its_units_again(shop):
    number = ready_order(shop, "CHAI:2")
    sid = shop.json("ship", str(number))[0]["shipments"][0]
    assert shop.json("show", str(number))["status"] == "closed"
    assert shop("delete-shipment", str(sid), "--write-off", "--yes").exit_code == 0
    # back to ready_to_ship, and promised from the 8 free at main: it can ship again at once
    assert shop.json("show", str(number))["status"] == "ready_to_ship"
    assert lines(shop, number) == [("CHAI", 0, [{"location": "main", "quantity": 2}], 0)]
    assert levels(shop, "CHAI")["main"] == (8, 2)
    assert shop("ship", str(number)).exit_code == 0
    stock_is_consistent(shop)


def test_delete_shipment_asks_and_without_a_terminal_needs_yes(shop):
    number = ready_order(shop, "CHAI:1")
    sid = shop.json("ship", str(number))[0]["shipments"][0]
    before = snapshot(shop)
    outcome = shop("delete-shipment", str(sid), "--restock", "main")
    assert outcome.exit_code == 2 and "needs --yes" in outcome.stderr
    dry = shop("delete-shipment", str(sid), "--restock", "main", "--dry-run")
    assert dry.exit_code == 0 and "dry run: would delete" in dry.stderr and "closed to ready_to_ship" in dry.stderr
    assert snapshot(shop) == before
    no = shop("delete-shipment", str(sid), "--restock", "main", input="n\n", env={"ORDERCLI_FORCE_TTY": "80"})
    assert snapshot(shop) == before and no.exit_code in (2, 4)


def test_a_delivered_shipment_cannot_be_deleted(shop):
    number = ready_order(shop, "CHAI:1")
    sid = shop.json("ship", str(number))[0]["shipments"][0]
    assert shop("shipment", "deliver", str(sid), "--signed-by", "Maria").exit_code == 0
    outcome = shop("delete-shipment", str(sid), "--yes", "--restock", "main")
    assert outcome.exit_code == 4 and "is a return, not a deletion" in outcome.stderr
    assert shop("delete-shipment", "424242", "--yes").exit_code == 3
    assert shop("delete-shipment", "abc", "--yes").exit_code == 2


def test_correcting_a_tracking_number_needs_no_delete(shop):
    number = ready_order(shop, "CHAI:1")
    sid = shop.json("ship", str(number), "--carrier", "DHL", "--tracking", "WRONG")[0]["shipments"][0]
    fixed = shop.json("shipment", "edit", str(sid), "--tracking", "RIGHT")
    assert (fixed["tracking"], fixed["tracking_url"]) == ("RIGHT", "https://track.example/dhl?n=RIGHT")
    assert shop.json("history", str(number))[-1]["reason"] == f"shipment {sid}: tracking WRONG -> RIGHT"


# -- batches -----------------------------------------------------------------------------------------------


def test_a_batch_from_stdin_is_all_or_nothing_unless_skip_invalid(shop):
    numbers = [ready_order(shop, "CHAI:1") for _ in range(3)]
    opened = int(shop("create", *CUSTOMER, "--line", "CHAI:1").stdout)
    before = snapshot(shop)
    stdin = "\n".join(str(n) for n in [*numbers, opened]) + "\n"
    outcome = shop("ship", "-", "--carrier", "DHL", input=stdin)
    assert outcome.exit_code == 4 and f"order {opened} is open" in outcome.stderr
    assert snapshot(shop) == before
    outcome = shop("ship", "-", "--carrier", "DHL", "--skip-invalid", "--jsonl", input=stdin)
    assert outcome.exit_code == 4
    results = [json.loads(line) for line in outcome.stdout.splitlines()]
    assert [(r["number"], r["ok"], r["shipped"], r["to"]) for r in results] == [
        *[(n, True, True, "closed") for n in numbers], (opened, False, False, None)]
    assert [r["code"] for r in results] == [0, 0, 0, 4]
    stock_is_consistent(shop)


def test_a_manifest_ships_what_each_row_says(shop):
    first, second = ready_order(shop, "CHAI:2", "MUG:1"), ready_order(shop, "CHAI:1")
    manifest = shop.tmp_path / "evening.csv"
    manifest.write_text("\ufefforder,sku,quantity,location,carrier,tracking\n"
                        f"{first},CHAI,1,,DHL,T-1\n{first},MUG,,,DHL,T-1\n{second},,,,DHL,T-2\n", encoding="utf-8")
    outcome = shop("ship", "--manifest", str(manifest), "--json")
    assert outcome.exit_code == 0, outcome
    assert [(r["number"], r["to"]) for r in json.loads(outcome.stdout)] == [(first, "partially_shipped"),
                                                                             (second, "closed")]
    # MUG is only at berlin: the whole order was promised there
    assert lines(shop, first) == [("CHAI", 1, [{"location": "berlin", "quantity": 1}], 0),
                                  ("MUG", 1, [], 0)]
    tracking = {s["tracking"] for s in shop.json("shipments", "--carrier", "DHL")}
    assert tracking == {"T-1", "T-2"}


def test_a_bad_manifest_names_every_bad_row_and_ships_nothing(shop):
    number = ready_order(shop, "CHAI:2")
    manifest = shop.tmp_path / "bad.csv"
    manifest.write_text(f"order,sku,quantity\n{number},CHAI,1\nabc,CHAI,1\n{number},,x\n{number},CHAI,0\n",
                        encoding="utf-8")
    before = snapshot(shop)
    outcome = shop("ship", "--manifest", str(manifest))
    assert outcome.exit_code == 5, outcome
    assert "row 3: " in outcome.stderr and "row 4: a quantity needs its sku" in outcome.stderr
    assert "row 5: quantity of CHAI must be at least 1" in outcome.stderr
    assert "nothing shipped: 3 problem(s)" in outcome.stderr
    assert snapshot(shop) == before
    latin1 = shop.tmp_path / "latin1.csv"
    latin1.write_bytes(f"order,tracking\n{number},Müller\n".encode("latin-1"))
    outcome = shop("ship", "--manifest", str(latin1))
    assert outcome.exit_code == 5 and "is not UTF-8 text" in outcome.stderr
    assert snapshot(shop) == before


# -- listings and what people see -------------------------------------------------------------------------------


def test_shipments_are_listed_with_filters_as_a_table_csv_and_ids(shop):
    a = ready_order(shop, "CHAI:1")
    b = ready_order(shop, "CHAI:1")
    sa = shop.json("ship", str(a), "--carrier", "DHL")[0]["shipments"][0]
    sb = shop.json("ship", str(b), "--stage", "packed")[0]["shipments"][0]
    assert shop("shipments", "--stage", "packed", "--ids").stdout.split() == [str(sb)]
    assert shop("shipments", "--not-delivered-after", "1d", "--ids").stdout.split() == []
    database = shop.database()
    with database.write() as connection:  # handed over three days ago
        from ordercli.db.sql import execute

        execute(connection, "UPDATE shipments SET handed_over_at = :t WHERE id = :s",
                {"t": datetime.now(timezone.utc) - timedelta(days=3), "s": sa})
    database.dispose()
    assert shop("shipments", "--not-delivered-after", "2d", "--ids").stdout.split() == [str(sa)]
    assert shop("shipments", "--not-delivered-after", "2d", "--stage", "packed").exit_code == 2
    rows = list(csv.DictReader(io.StringIO(shop("shipments", "--csv").stdout)))
    assert [(r["shipment"], r["order"], r["stage"], r["sku"], r["quantity"]) for r in rows] == [
        (str(sb), str(b), "packed", "CHAI", "1"), (str(sa), str(a), "handed_over", "CHAI", "1")]
    table = shop("shipments", env={"ORDERCLI_FORCE_TTY": "80"})
    assert table.exit_code == 0
    assert all(len(line) <= 80 for line in table.stdout.splitlines())
    assert "handed_over" in table.stdout


def test_what_people_typed_is_printed_as_text(shop):
    number = ready_order(shop, "CHAI:1")
    assert shop("carrier", "add", "[bold]Evil[/] Post [/x]").exit_code == 0
    sid = shop.json("ship", str(number), "--carrier", "[bold]Evil[/] Post [/x]", "--tracking", "[/] {0}")[0]["shipments"][0]
    for args in (["shipment", "show", str(sid)], ["shipments"], ["show", str(number)], ["carrier", "list"]):
        outcome = shop(*args, env={"ORDERCLI_FORCE_TTY": "120"})
        assert outcome.exit_code == 0, outcome
        assert "[bold]Evil[/] Post [/x]" in outcome.stdout or "[bold]Evil[/] Post" in outcome.stdout


def test_carriers_and_their_tracking_pages(shop):
    bad = shop("carrier", "add", "UPS", "--tracking-url", "javascript:alert(1)")
    assert bad.exit_code == 5 and "--tracking-url" in bad.stderr
    missing = shop("carrier", "add", "UPS", "--tracking-url", "https://ups.example/track")
    assert missing.exit_code == 5 and "{tracking}" in missing.stderr
    again = shop("carrier", "add", "dhl")
    assert again.exit_code == 4 and "exists already" in again.stderr
    number = ready_order(shop, "CHAI:1")
    sid = shop.json("ship", str(number), "--carrier", "DHL", "--tracking", "A B/C?d=1&e")[0]["shipments"][0]
    assert shop.json("shipment", "show", str(sid))["tracking_url"] == "https://track.example/dhl?n=A%20B%2FC%3Fd%3D1%26e"
    assert [(c["name"], c["shipment_count"]) for c in shop.json("carrier", "list")] == [("DHL", 1)]


# -- races ------------------------------------------------------------------------------------------------------


def test_two_processes_shipping_the_last_units_at_once(shop):
    """10 ordered, 4 shipped: two processes each ship the last 6; one wins, the other is refused."""
    number = ready_order(shop, "CHAI:10")
    assert shop("ship", str(number), "--line", "CHAI:4").exit_code == 0
    import subprocess
    import sys

    procs = [subprocess.Popen([sys.executable, "-m", "ordercli", "--db", shop.target, "ship", str(number), "--line",
                               "CHAI:6"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    codes = sorted(p.wait(timeout=120) for p in procs)
    assert codes == [0, 4]
    assert lines(shop, number) == [("CHAI", 10, [], 0)]
    assert shop.json("show", str(number))["status"] == "closed"
    assert levels(shop, "CHAI")["main"] == (0, 0)
    stock_is_consistent(shop)


# -- statuses set by hand: the goods left outside ordercli ---------------------------------------------------


def test_closing_by_hand_records_an_external_shipment_that_takes_the_stock(shop):
    number = ready_order(shop, "CHAI:3")
    opened = int(shop("create", *CUSTOMER, "--line", "CHAI:2").stdout)  # never verified: allowed by hand
    no_reason = shop("status", str(number), "--to", "closed")
    assert no_reason.exit_code == 2 and "give --reason" in no_reason.stderr
    outcome = shop("status", str(number), str(opened), "--to", "closed", "--reason", "marketplace delivered", "--json")
    assert outcome.exit_code == 0, outcome
    assert [(r["number"], r["from"], r["to"], r["changed"]) for r in json.loads(outcome.stdout)] == [
        (number, "ready_to_ship", "closed", True), (opened, "open", "closed", True)]
    for n, units in ((number, 3), (opened, 2)):
        order = shop.json("show", str(n))
        [shipment] = order["shipments"]
        assert (shipment["method"], shipment["stage"], shipment["reason"]) == ("external", "handed_over",
                                                                               "marketplace delivered")
        assert [s["stage"] for s in shipment["stages"]] == ["handed_over"]
        assert [(l["sku"], l["shipped"]) for l in order["lines"]] == [("CHAI", units)]
    assert levels(shop, "CHAI")["main"] == (5, 0)
    stock_is_consistent(shop)
    # closing again changes nothing; an external shipment can be deleted like any other
    again = shop("status", str(number), "--to", "closed", "--reason", "twice")
    assert again.exit_code == 0 and "already closed" in again.stderr
    sid = shop.json("show", str(number))["shipments"][0]["number"]
    assert shop("delete-shipment", str(sid), "--restock", "main", "--yes").exit_code == 0
    assert shop.json("show", str(number))["status"] == "ready_to_ship"
    assert levels(shop, "CHAI")["main"] == (8, 3)
    stock_is_consistent(shop)


def test_partially_shipped_by_hand_names_the_units(shop):
    number = ready_order(shop, "CHAI:3")
    missing = shop("status", str(number), "--to", "partially_shipped", "--reason", "courier")
    assert missing.exit_code == 2 and "--line SKU:QTY" in missing.stderr
    everything = shop("status", str(number), "--to", "partially_shipped", "--line", "CHAI:3", "--reason", "courier")
    assert everything.exit_code == 4 and "makes it closed (--to closed)" in everything.stderr
    assert shop("status", str(number), "--to", "partially_shipped", "--line", "CHAI:1", "--reason",
                "courier").exit_code == 0
    assert lines(shop, number) == [("CHAI", 1, [{"location": "main", "quantity": 2}], 0)]
    assert shop("status", str(number), "--to", "closed", "--reason", "courier").exit_code == 0
    assert lines(shop, number) == [("CHAI", 3, [], 0)]
    assert shop("status", str(number), "--to", "canceled", "--line", "CHAI:1").exit_code == 2
    stock_is_consistent(shop)


def test_fulfilled_orders_are_listed(shop):
    closed, partial, waiting = (ready_order(shop, "CHAI:2") for _ in range(3))
    assert shop("ship", str(closed)).exit_code == 0
    assert shop("ship", str(partial), "--line", "CHAI:1").exit_code == 0
    assert shop("status", str(partial), "--to", "partially_closed").exit_code == 0
    assert shop("list", "--fulfilled", "--ids").stdout.split() == [str(partial), str(closed)]
    assert shop("list", "--fulfilled", "--status", "open").exit_code == 2
    assert waiting not in [o["number"] for o in shop.json("list", "--fulfilled")]
    # partially closed gave up the rest: its stock went back
    assert levels(shop, "CHAI")["main"] == (7, 2)
    stock_is_consistent(shop)


def test_stages_keep_their_order_and_their_commands(shop):
    number = ready_order(shop, "CHAI:2")
    sid = shop.json("ship", str(number), "--stage", "picked")[0]["shipments"][0]
    early = shop("shipment", "deliver", str(sid), "--signed-by", "Maria")
    assert early.exit_code == 4 and f"delivered after it is handed over (ordercli shipment hand-over {sid})" in early.stderr
    not_pickup = shop("shipment", "collect", str(sid), "--signed-by", "Maria")
    assert not_pickup.exit_code == 4 and "only a pickup is collected" in not_pickup.stderr
    assert shop("ship", str(number), "--stage", "delivered").exit_code == 2
    assert shop("ship", str(number), "--stage", "returned_to_sender").exit_code == 2
    assert shop.json("show", str(number))["shipments"][0]["stage"] == "picked"
    # a dry run says where the order would go
    other = ready_order(shop, "CHAI:1")
    [outcome] = shop.json("ship", str(other), "--dry-run")
    assert (outcome["from"], outcome["to"], outcome["shipped"]) == ("ready_to_ship", "closed", False)
    # a return to sender is a stage with its time and who recorded it
    sent = shop.json("ship", str(other))[0]["shipments"][0]
    back = shop.json("shipment", "returned", str(sent))
    assert [s["stage"] for s in back["stages"]][-2:] == ["handed_over", "returned_to_sender"]


# -- shipping charges and the counter -------------------------------------------------------------------------


def test_a_shipping_charge_is_taxed_and_totalled_and_changes_until_something_ships(shop):
    assert shop("product", "update", "CHAI", "--tax-rate", "7").exit_code == 0
    assert shop("product", "update", "MUG", "--tax-rate", "19").exit_code == 0
    number = ready_order(shop, "CHAI:1", "MUG:1", extra=("--shipping", "4.90"))
    order = shop.json("show", str(number))
    # the charge is taxed at the highest rate of the lines (19 %): 0.93; lines 1.26 + 1.52
    assert order["shipping_charge"] == {"amount": {"amount": "4.90", "currency": "EUR"}, "tax_rate": "19",
                                        "tax": {"amount": "0.93", "currency": "EUR"}}
    assert [order["totals"][k]["amount"] for k in ("subtotal", "shipping", "tax", "total")] == [
        "26.00", "4.90", "3.71", "34.61"]
    listed = shop.json("list")[0]["totals"]
    assert (listed["shipping"]["amount"], listed["total"]["amount"]) == ("4.90", "34.61")
    changed = shop.json("shipping-charge", str(number), "6.90", "--tax-rate", "7", "--reason", "express")
    assert [changed["totals"][k]["amount"] for k in ("shipping", "tax", "total")] == ["6.90", "3.26", "36.16"]
    assert shop.json("history", str(number))[-1]["reason"] == (
        "shipping charge 4.90 EUR at 19% -> 6.90 EUR at 7%: express")
    assert shop("shipping-charge", str(number), "abc").exit_code == 5
    assert shop("shipping-charge", "999", "1").exit_code == 3
    assert shop("ship", str(number), "--line", "CHAI:1").exit_code == 0
    before = snapshot(shop)
    late = shop("shipping-charge", str(number), "1.00")
    assert late.exit_code == 4 and "can change only while nothing has shipped" in late.stderr
    assert snapshot(shop) == before
    # an order file carries it too
    order_json = {"customer": {"name": "Hans", "email": "hans@example.com"},
                  "billing_address": {"line1": "A 1", "city": "Berlin", "country": "DE"},
                  "lines": [{"sku": "CHAI", "quantity": 1}], "shipping": {"amount": "3.00", "tax_rate": "7"}}
    created = shop.json("create", "--from-file", "-", input=json.dumps(order_json))
    assert created["shipping_charge"]["tax"]["amount"] == "0.21"
    bad = shop("create", "--from-file", "-", input=json.dumps({**order_json, "shipping": {"amount": "-1"}}))
    assert bad.exit_code == 5 and "shipping" in bad.stderr


def test_a_sale_at_the_counter_is_created_verified_and_handed_over_at_once(shop):
    outcome = shop("create", "--name", "Walk-in", "--phone", "+49 30 1234567", "--address", "Counter",
                   "--city", "Berlin", "--country", "DE", "--line", "MUG:2", "--counter", "berlin",
                   "--salesperson", "Tom", "--json")
    assert outcome.exit_code == 0, outcome
    order = json.loads(outcome.stdout)
    assert (order["status"], order["channel"], order["verification"]["method"], order["verification"]["by"]) == (
        "closed", "store", "in-person", "Tom")
    [shipment] = order["shipments"]
    assert (shipment["method"], shipment["location"], shipment["stage"]) == ("hand_over", "berlin", "delivered")
    assert [(h["event"], h["to"]) for h in order["history"]] == [
        ("created", "open"), ("verified", "open"), ("status", "ready_to_ship"), ("shipment", None), ("status", "closed")]
    assert levels(shop, "MUG")["berlin"] == (2, 0)
    # refused whole: too little at the store, a download, or a store that is not there
    before = snapshot(shop)
    for extra, code in ((["--line", "MUG:5"], 4), (["--line", "EBOOK:1"], 4), (["--line", "MUG:1", "--salesperson",
                                                                                   "Tom", "--delivery", "ship"], 2)):
        refused = shop("create", "--name", "Walk-in", "--phone", "+49 30 1234567", "--address", "Counter", "--city",
                       "Berlin", "--country", "DE", *extra, "--counter", "berlin")
        assert refused.exit_code == code, refused
        assert snapshot(shop) == before
    nowhere = shop("create", "--name", "Walk-in", "--phone", "+49 30 1234567", "--address", "Counter", "--city",
                   "Berlin", "--country", "DE", "--line", "MUG:1", "--counter", "nowhere")
    assert nowhere.exit_code == 3 and snapshot(shop) == before
    stock_is_consistent(shop)
