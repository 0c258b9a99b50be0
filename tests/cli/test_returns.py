"""Returns (RMA) and exchanges, from the command line, on both backends: what a user sees
(exit codes, messages, JSON, CSV, the PDF's text) and what the database holds after."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.helpers import CUSTOMER, query


@pytest.fixture
def shop(cli):
    """A warehouse `main` (20 CHAI, 5 TEA), a store `berlin`, a seller's profile, a service INSTALL."""
    for args in (["location", "add", "main"], ["location", "add", "berlin", "--kind", "store"],
                 ["product", "add", "CHAI", "--name", "Chai", "--price", "18.00", "--tax-rate", "7"],
                 ["product", "add", "TEA", "--name", "Green tea", "--price", "10.00", "--tax-rate", "7"],
                 ["product", "add", "MUG", "--name", "Mug", "--price", "12.00", "--tax-rate", "19"],
                 ["product", "add", "INSTALL", "--name", "Installation", "--price", "50.00", "--kind", "service"],
                 ["stock", "receive", "CHAI", "20"], ["stock", "receive", "TEA", "5"],
                 ["profile", "set", "--name", "Northwind", "--address", "Obere Str. 57", "--city", "Berlin",
                  "--country", "DE", "--tax-id", "DE123456789"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


def shipped_order(cli, *lines: str, extra: tuple[str, ...] = ()) -> int:
    """An order of these lines, verified, ready and shipped whole (handed over)."""
    outcome = cli("create", *CUSTOMER, *[a for line in lines for a in ("--line", line)], *extra)
    assert outcome.exit_code == 0, outcome
    number = outcome.stdout.strip()
    for args in (["verify", number, "--by", "anna"], ["status", number, "--to", "ready_to_ship"], ["ship", number]):
        done = cli(*args)
        assert done.exit_code == 0, done
    return int(number)


def level(cli, sku: str, location: str = "main") -> tuple[int, int]:
    [row] = query(cli, "SELECT s.on_hand, s.reserved FROM stock_levels s JOIN products p ON p.id = s.product_id "
                       "JOIN locations l ON l.id = s.location_id WHERE p.sku = :sku AND l.name = :loc",
                  {"sku": sku, "loc": location})
    return row.on_hand, row.reserved


def counts(cli) -> tuple:
    """What a refused command must leave as it was."""
    return tuple(query(cli, f"SELECT count(*) AS n FROM {table}")[0].n
                 for table in ("returns", "return_lines", "orders", "invoices", "stock_movements", "order_history"))


def test_a_partial_return_is_received_credited_inspected_and_refunded(shop):
    cli = shop
    number = shipped_order(cli, "CHAI:3", "TEA:1", extra=("--shipping", "4.90"))
    [invoice] = cli.json("invoice", str(number), "--out", str(cli.tmp_path / "docs"))
    opened = cli("return", str(number), "--line", "CHAI:2", "--reason", "too strong", "--refund-shipping")
    assert opened.exit_code == 0, opened
    rma = int(opened.stdout)
    assert f"return {rma} of order {number} requested: CHAI 2; refund due 43.76 EUR" in opened.stderr
    shown = cli.json("rma", "show", str(rma))
    # 2 of 3 CHAI: 36.00 + 7 % tax 2.52; shipping 4.90 + 0.34 tax
    assert (shown["stage"], shown["refund"], shown["refund_shipping"]) == (
        "requested", {"amount": "43.76", "currency": "EUR"}, True)
    assert [(l["sku"], l["quantity"]) for l in shown["lines"]] == [("CHAI", 2)]

    received = cli("rma", "receive", str(rma), "--by", "goods-in", "--json")
    assert received.exit_code == 0, received
    after = json.loads(received.stdout)
    [credit] = after["credit_notes"]
    assert after["stage"] == "received" and after["order_status"] == "closed"  # a partial return
    assert [(s["stage"], s["by"]) for s in after["stages"]][-1] == ("received", "goods-in")
    [note] = cli.json("invoice", "--number", credit, "--out", str(cli.tmp_path / "docs"))
    assert note["credits"] == invoice["number"] and note["total"]["amount"] == "-43.76"
    [row] = query(cli, "SELECT return_id FROM invoices WHERE number = :n", {"n": credit})
    assert row.return_id == rma
    # the credited units are not invoiced again
    again = cli("invoice", str(number), "--json", "--out", str(cli.tmp_path / "docs"))
    assert again.exit_code == 0 and "issued 0 invoice(s)" in again.stderr

    before = level(cli, "CHAI")
    inspected = cli.json("rma", "inspect", str(rma), "--write-off", "CHAI:1")
    assert [(l["restocked"], l["written_off"], l["location"]) for l in inspected["lines"]] == [(1, 1, "main")]
    assert level(cli, "CHAI") == (before[0] + 1, before[1])  # one back on the shelf; the damaged one is not
    moves = query(cli, "SELECT m.kind, m.on_hand_delta, m.reason FROM stock_movements m "
                       "JOIN products p ON p.id = m.product_id WHERE p.sku = 'CHAI' AND m.reason LIKE 'return%' "
                       "ORDER BY m.id")
    assert [(m.kind, m.on_hand_delta) for m in moves] == [("returned", 1), ("adjusted", -1), ("returned", 1)]
    assert cli("stock", "check").exit_code == 0

    refunded = cli.json("rma", "refund", str(rma), "--reference", "PSP-77")
    assert (refunded["stage"], refunded["settled_as"], refunded["reference"]) == ("refunded", "refund", "PSP-77")
    order = cli.json("show", str(number))
    assert [(l["sku"], l["shipped"], l["returned"]) for l in order["lines"]] == [("CHAI", 3, 2), ("TEA", 1, 0)]
    assert [r["number"] for r in order["returns"]] == [rma]
    events = [h["event"] for h in order["history"]]
    assert events[-4:] == ["return_requested", "return_received", "return_inspected", "return_settled"]
    [summary] = [o for o in cli.json("list") if o["number"] == number]
    assert summary["return_count"] == 1
    table = cli("list")
    assert "closed (1 return)" in table.stdout


def test_returning_everything_makes_the_order_returned_and_restocks_where_it_shipped_from(shop):
    cli = shop
    number = shipped_order(cli, "CHAI:2")
    rma = cli("return", str(number), "--reason", "changed mind").stdout.strip()
    assert cli("rma", "receive", rma).exit_code == 0
    assert cli.json("show", str(number))["status"] == "returned"
    assert cli("rma", "inspect", rma).exit_code == 0
    assert level(cli, "CHAI") == (20, 0)
    history = cli.json("history", str(number))
    assert ("status", "closed", "returned") in [(h["event"], h["from"], h["to"]) for h in history]
    # nothing more can come back
    more = cli("return", str(number), "--reason", "again")
    assert more.exit_code == 4 and f"order {number} is returned" in more.stderr


def test_refusals_change_nothing(shop):
    cli = shop
    number = shipped_order(cli, "CHAI:2", "INSTALL:1")
    unshipped = cli("create", *CUSTOMER, "--line", "TEA:1").stdout.strip()
    canceled = cli("create", *CUSTOMER, "--line", "TEA:1").stdout.strip()
    assert cli("status", canceled, "--to", "canceled", "--reason", "x", "--yes").exit_code == 0
    before = counts(cli)
    cases = [
        (["return", str(number), "--line", "CHAI:3", "--reason", "x"], 4,
         f"cannot return 3 of CHAI on order {number}: 2 fulfilled, so 2 can come back"),
        (["return", str(number), "--line", "INSTALL", "--reason", "x"], 4, "is a service"),
        (["return", str(number), "--line", "NOPE:1", "--reason", "x"], 4, f"NOPE is not on order {number}"),
        (["return", "999999", "--reason", "x"], 3, "order 999999 does not exist"),
        (["return", unshipped, "--line", "TEA:1", "--reason", "x"], 4, "was never fulfilled"),
        (["return", canceled, "--reason", "x"], 4, f"order {canceled} is canceled"),
        (["return", str(number), "--line", "CHAI:1"], 2, "--reason"),
        (["return", str(number), "--line", "CHAI:0", "--reason", "x"], 2, "at least 1"),
        (["return", str(number), "--line", "CHAI:x", "--reason", "x"], 2, "not a whole number"),
        (["return", str(number), "--reason", "x", "--refund-shipping"], 4, "charged nothing for delivery"),
        (["rma", "receive", "424242"], 3, "return 424242 does not exist"),
        (["rma", "show", "abc"], 2, "not a return number"),
    ]
    for args, code, message in cases:
        outcome = cli(*args)
        assert outcome.exit_code == code, (args, outcome)
        assert message in outcome.stderr, (args, outcome.stderr)
        assert len(outcome.stderr.strip().splitlines()) == 1, outcome.stderr
        assert "Traceback" not in outcome.stderr
    assert counts(cli) == before


def test_the_stages_go_in_order(shop):
    cli = shop
    number = shipped_order(cli, "CHAI:2")
    rma = cli("return", str(number), "--line", "CHAI:1", "--reason", "x").stdout.strip()
    for args, message in ((["rma", "inspect", rma], "it must be received first"),
                          (["rma", "refund", rma], "it must be received and inspected first")):
        outcome = cli(*args)
        assert outcome.exit_code == 4 and message in outcome.stderr, outcome
    assert cli("rma", "receive", rma).exit_code == 0
    again = cli("rma", "receive", rma)
    assert again.exit_code == 4 and "it was received already" in again.stderr
    late = cli("rma", "cancel", rma, "--reason", "x")
    assert late.exit_code == 4 and "the goods are back" in late.stderr
    assert cli("rma", "inspect", rma, "--write-off", "TEA:1").exit_code == 4  # not on the return
    assert cli("rma", "inspect", rma, "--restock", "CHAI:2").exit_code == 4  # only 1 came back
    assert cli("rma", "inspect", rma, "--restock", "CHAI@nowhere").exit_code == 3
    assert cli.json("rma", "show", rma)["stage"] == "received"
    assert cli("rma", "inspect", rma, "--restock", "CHAI@berlin").exit_code == 0
    assert level(cli, "CHAI", "berlin") == (1, 0)
    credit = cli.json("rma", "refund", rma, "--as", "credit", "--reference", "VOUCHER-1")
    assert (credit["stage"], credit["settled_as"]) == ("credited", "credit")
    assert cli("rma", "refund", rma).exit_code == 4


def test_a_canceled_return_frees_its_units(shop):
    cli = shop
    number = shipped_order(cli, "CHAI:1")
    first = cli("return", str(number), "--reason", "x").stdout.strip()
    assert cli("return", str(number), "--reason", "y").exit_code == 4
    assert cli("rma", "cancel", first).exit_code == 2  # a reason is required
    canceled = cli.json("rma", "cancel", first, "--reason", "customer kept it")
    assert (canceled["stage"], canceled["cancel_reason"]) == ("canceled", "customer kept it")
    assert cli("return", str(number), "--reason", "y").exit_code == 0
    assert cli("return-slip", first).exit_code == 4


def test_the_return_window_is_kept_unless_forced(shop):
    cli = shop
    number = shipped_order(cli, "CHAI:1")
    assert cli("profile", "set", "--return-days", "0").exit_code == 0
    late = cli("return", str(number), "--reason", "too late")
    assert late.exit_code == 4 and "return window" in late.stderr and "--force REASON" in late.stderr
    forced = cli.json("return", str(number), "--reason", "too late", "--force", "goodwill")
    assert forced["window_override"] == "goodwill"
    assert "return window overridden: goodwill" in cli.json("history", str(number))[-1]["reason"]
    assert cli.json("profile", "show")["return_days"] == 0
    assert cli("profile", "set", "--no-return-limit").exit_code == 0
    assert cli.json("profile", "show")["return_days"] is None


def test_restocked_units_go_to_the_oldest_waiting_backorder(shop):
    cli = shop
    number = shipped_order(cli, "TEA:5")  # all the TEA there was
    waiting = cli("create", *CUSTOMER, "--line", "TEA:2", "--backorder").stdout.strip()
    later = cli("create", *CUSTOMER, "--line", "TEA:1", "--backorder").stdout.strip()
    assert [l["waiting"] for l in cli.json("show", waiting)["lines"]] == [2]
    rma = cli("return", str(number), "--line", "TEA:2", "--reason", "x").stdout.strip()
    assert cli("rma", "receive", rma).exit_code == 0
    assert cli("rma", "inspect", rma).exit_code == 0
    first = cli.json("show", waiting)["lines"][0]
    assert (first["waiting"], first["promised"]) == (0, [{"location": "main", "quantity": 2}])
    assert cli.json("show", later)["lines"][0]["waiting"] == 1
    assert level(cli, "TEA") == (2, 2)


def test_status_returned_by_hand_records_a_return_of_everything(shop):
    cli = shop
    number = shipped_order(cli, "CHAI:2")
    other = shipped_order(cli, "CHAI:1")
    open_ = cli("create", *CUSTOMER, "--line", "CHAI:1").stdout.strip()
    no_reason = cli("status", str(number), "--to", "returned")
    assert no_reason.exit_code == 2
    refused = cli("status", str(number), open_, "--to", "returned", "--reason", "marketplace return")
    assert refused.exit_code == 4 and f"order {open_}: open -> returned is not allowed" in refused.stderr
    assert cli.json("show", str(number))["status"] == "closed"  # all or nothing
    assert cli("status", str(number), "--to", "returned", "--reason", "x", "--restock", "nowhere").exit_code == 3
    moved = cli("status", str(number), str(other), "--to", "returned", "--reason", "marketplace return",
                "--restock", "berlin")
    assert moved.exit_code == 0, moved
    assert "moved 2 order(s) to returned" in moved.stderr
    [made] = cli.json("returns", "--order", str(number))
    assert (made["stage"], made["reason"], [(l["quantity"], l["location"]) for l in made["lines"]]) == (
        "inspected", "marketplace return", [(2, "berlin")])
    assert level(cli, "CHAI", "berlin") == (3, 0)
    assert cli.json("show", str(other))["status"] == "returned"
    again = cli("status", str(number), "--to", "returned", "--reason", "x")
    assert again.exit_code == 0 and "already returned" in again.stderr
    assert cli("status", str(number), "--to", "closed", "--restock", "main").exit_code == 2


def test_an_exchange_for_the_same_sku_costs_nothing_and_ships_normally(shop):
    cli = shop
    number = shipped_order(cli, "CHAI:2")
    made = cli.json("exchange", str(number), "--return", "CHAI:1", "--for", "CHAI:1", "--reason", "defect")
    rma, replacement = made["return"], made["replacement"]
    assert (rma["kind"], rma["replacement_order"]) == ("exchange", replacement["number"])
    assert made["difference"] == {"amount": "0.00", "currency": "EUR"}
    assert replacement["status"] == "ready_to_ship" and replacement["verification"]["method"] == "automatic"
    assert replacement["customer"]["email"] == cli.json("show", str(number))["customer"]["email"]
    # linked both ways
    assert [r["number"] for r in cli.json("show", str(replacement["number"]))["returns"]] == [rma["number"]]
    assert cli("ship", str(replacement["number"])).exit_code == 0
    assert cli.json("show", str(replacement["number"]))["status"] == "closed"
    shown = cli("show", str(number))
    assert f"exchange: order {replacement['number']}" in shown.stdout


def test_an_exchange_for_another_sku_shows_the_difference(shop):
    cli = shop
    number = shipped_order(cli, "TEA:1")
    assert cli("stock", "receive", "MUG", "3").exit_code == 0
    made = cli("exchange", str(number), "--return", "TEA:1", "--for", "MUG:1", "--reason", "wrong item")
    assert made.exit_code == 0, made
    # TEA 10.00 + 7 % = 10.70 back; MUG 12.00 + 19 % = 14.28 out: 3.58 to pay
    assert "the customer pays 3.58 EUR more" in made.stderr


def test_an_exchange_that_cannot_be_promised_writes_nothing(shop):
    cli = shop
    number = shipped_order(cli, "TEA:1")
    before = counts(cli)
    short = cli("exchange", str(number), "--return", "TEA:1", "--for", "MUG:1", "--reason", "x")
    assert short.exit_code == 4 and "MUG" in short.stderr
    assert cli("exchange", str(number), "--return", "TEA:1", "--for", "MUG", "--reason", "x").exit_code == 2
    assert cli("exchange", str(number), "--return", "TEA:1", "--for", "GHOST:1", "--reason", "x").exit_code != 0
    assert counts(cli) == before
    waiting = cli.json("exchange", str(number), "--return", "TEA:1", "--for", "MUG:1", "--reason", "x",
                       "--backorder")
    assert waiting["replacement"]["status"] == "open"
    assert waiting["replacement"]["lines"][0]["waiting"] == 1


def test_a_shipment_whose_units_are_coming_back_is_not_deleted(shop):
    cli = shop
    number = shipped_order(cli, "CHAI:2")
    [shipment] = [s["number"] for s in cli.json("show", str(number))["shipments"]]
    rma = cli("return", str(number), "--line", "CHAI:1", "--reason", "x").stdout.strip()
    refused = cli("delete-shipment", str(shipment), "--restock", "main", "--yes")
    assert refused.exit_code == 4 and f"in return {rma}" in refused.stderr
    assert cli("rma", "cancel", rma, "--reason", "never sent").exit_code == 0
    assert cli("delete-shipment", str(shipment), "--restock", "main", "--yes").exit_code == 0


def test_returns_are_listed_with_filters_as_a_table_json_csv_and_ids(shop):
    cli = shop
    first = shipped_order(cli, "CHAI:2")
    second = shipped_order(cli, "TEA:1")
    a = cli("return", str(first), "--line", "CHAI:1", "--reason", "Damaged [/x] 100%_off").stdout.strip()
    b = cli("return", str(second), "--reason", "wrong size").stdout.strip()
    assert cli("rma", "receive", b).exit_code == 0
    table = cli("returns")
    assert table.exit_code == 0 and "Damaged [/x] 100%_off" in table.stdout
    assert [r["number"] for r in cli.json("returns", "--stage", "requested")] == [int(a)]
    assert [r["number"] for r in cli.json("returns", "--reason", "%_OFF")] == [int(a)]
    assert cli.json("returns", "--reason", "_o%") == []  # taken literally
    assert cli("returns", "--ids").stdout.split() == [b, a]
    rows = list(csv.DictReader(io.StringIO(cli("returns", "--csv").stdout)))
    assert [(r["return"], r["sku"], r["quantity"], r["reason"]) for r in rows] == [
        (b, "TEA", "1", "wrong size"), (a, "CHAI", "1", "Damaged [/x] 100%_off")]
    assert cli.json("returns", "--since", "1d", "--kind", "exchange") == []
    empty = cli("returns", "--order", "999")
    assert empty.exit_code == 0 and "no returns match" in empty.stderr


def test_the_return_slip_is_a_pdf_of_what_comes_back(shop):
    from pypdf import PdfReader

    cli = shop
    number = shipped_order(cli, "CHAI:2")
    rma = cli("return", str(number), "--line", "CHAI:2", "--reason", "Zu stark – Größe").stdout.strip()
    made = cli.json("return-slip", rma, "--out", str(cli.tmp_path / "slip.pdf"))
    assert (made["return_number"], made["order"], made["units"]) == (int(rma), number, 2)
    text = PdfReader(str(cli.tmp_path / "slip.pdf")).pages[0].extract_text()
    for expected in ("Return slip", f"RMA-{rma}", f"#{number}", "Zu stark – Größe", "CHAI", "Northwind"):
        assert expected in text
    assert cli("return-slip", "999").exit_code == 3


def test_an_exchange_of_a_sku_sold_on_two_lines_at_two_prices_costs_nothing(shop):
    cli = shop
    number = shipped_order(cli, "CHAI:2", "CHAI:2@10.00")
    made = cli.json("exchange", str(number), "--return", "CHAI:3", "--for", "CHAI:3", "--reason", "same")
    assert made["difference"] == {"amount": "0.00", "currency": "EUR"}
    assert [(l["quantity"], l["unit_price"]["amount"]) for l in made["replacement"]["lines"]] == [(2, "18.00"),
                                                                                                  (1, "10.00")]


def test_a_refunded_shipping_charge_is_never_invoiced_afterwards(shop):
    cli = shop
    # returned before anything was invoiced: the refund holds the shipping, and no invoice charges it later
    number = shipped_order(cli, "CHAI:3", extra=("--shipping", "4.90"))
    rma = cli("return", str(number), "--line", "CHAI:1", "--reason", "x", "--refund-shipping").stdout.strip()
    received = cli.json("rma", "receive", rma)
    assert received["refund"]["amount"] == "24.50" and received["credit_notes"] == []  # 19.26 + 4.90 + 0.34
    [invoice] = cli.json("invoice", str(number), "--out", str(cli.tmp_path))
    assert invoice["total"]["amount"] == "38.52"  # the two boxes kept, no shipping
    # invoiced first: the credit note takes the shipping back, and a later invoice does not charge it again
    other = shipped_order(cli, "CHAI:2", "TEA:1", extra=("--shipping", "4.90"))
    first = cli.json("invoice", str(other), "--out", str(cli.tmp_path))
    rma = cli("return", str(other), "--line", "TEA:1", "--reason", "x", "--refund-shipping").stdout.strip()
    received = cli.json("rma", "receive", rma)
    [credit] = received["credit_notes"]
    [note] = cli.json("invoice", "--number", credit, "--out", str(cli.tmp_path))
    assert note["total"]["amount"] == "-15.94" == f"-{received['refund']['amount']}"  # 10.70 + 5.24
    again = cli("invoice", str(other), "--json", "--out", str(cli.tmp_path))
    assert again.exit_code == 0 and [d["number"] for d in json.loads(again.stdout)] == [d["number"] for d in first]


def test_the_smaller_refusals_and_hints(shop):
    cli = shop
    number = shipped_order(cli, "CHAI:2")
    assert cli("return", str(number), "--reason", "x", "--force", " ").exit_code == 2
    rma = cli("return", str(number), "--line", "CHAI:1", "--reason", "x").stdout.strip()
    assert cli("rma", "receive", rma).exit_code == 0
    early = cli("rma", "refund", rma)
    assert early.exit_code == 4 and "it must be inspected first" in early.stderr
    for spec, message in (("@main", "name the SKU before @"), ("CHAI:1@main@x", "one location after @")):
        bad = cli("rma", "inspect", rma, "--restock", spec)
        assert bad.exit_code == 2 and message in bad.stderr, bad
    assert cli("rma", "inspect", rma, "--write-off", "CHAI@main").exit_code == 2
    assert cli("rma", "inspect", rma, "--restock", "CHAI@main", "--at", "nowhere").exit_code == 3
    [shipment] = [s["number"] for s in cli.json("show", str(number))["shipments"]]
    stands = cli("delete-shipment", str(shipment), "--restock", "main", "--yes")
    assert stands.exit_code == 4 and "the goods came back: the return stands" in stands.stderr
    assert cli.json("rma", "show", rma)["stage"] == "received"


def test_canceling_the_return_of_an_exchange_says_what_becomes_of_the_replacement(shop):
    cli = shop
    number = shipped_order(cli, "CHAI:1")
    made = cli.json("exchange", str(number), "--return", "CHAI:1", "--for", "CHAI:1", "--reason", "defect")
    replacement = made["replacement"]["number"]
    canceled = cli("rma", "cancel", str(made["return"]["number"]), "--reason", "never came")
    assert canceled.exit_code == 0 and f"replacement order {replacement} stays as it is" in canceled.stderr
    assert "was canceled: never came" in cli.json("history", str(replacement))[-1]["reason"]


def test_a_long_reason_wraps_at_80_columns(shop):
    cli = shop
    number = shipped_order(cli, "CHAI:1")
    rma = cli("return", str(number), "--reason", "x" * 300).stdout.strip()
    shown = cli("rma", "show", rma, env={"ORDERCLI_FORCE_TTY": "80"})
    assert shown.exit_code == 0 and max(len(line) for line in shown.stdout.splitlines()) <= 80
    assert shown.stdout.count("x") == 300


def test_refunds_of_a_line_never_invoiced_add_up_to_the_line_in_any_order_of_receipt(shop):
    cli = shop
    assert cli("promo", "add", "ONE", "--amount", "1.00").exit_code == 0
    number = shipped_order(cli, "TEA:3", extra=("--promo", "ONE"))  # net 29.00, tax 2.03: 31.03 in all
    first = cli("return", str(number), "--line", "TEA:1", "--reason", "x").stdout.strip()
    second = cli("return", str(number), "--line", "TEA:1", "--reason", "x").stdout.strip()
    for rma in (second, first):  # received the other way round
        assert cli("rma", "receive", rma).exit_code == 0
    third = cli("return", str(number), "--line", "TEA:1", "--reason", "x").stdout.strip()
    assert cli("rma", "receive", third).exit_code == 0
    refunds = [r["refund"]["amount"] for r in cli.json("returns", "--order", str(number))]
    assert sum(float(a) for a in refunds) == pytest.approx(31.03)


def test_an_exchange_for_the_same_sku_costs_nothing_even_with_an_order_discount(shop):
    cli = shop
    assert cli("promo", "add", "ONE", "--amount", "1.00").exit_code == 0
    assert cli("product", "add", "KETTLE", "--name", "Kettle", "--price", "10.00", "--tax-rate", "19").exit_code == 0
    assert cli("stock", "receive", "KETTLE", "10").exit_code == 0
    number = shipped_order(cli, "KETTLE:3", extra=("--promo", "ONE"))
    for _ in range(2):
        made = cli.json("exchange", str(number), "--return", "KETTLE:1", "--for", "KETTLE:1", "--reason", "defect")
        assert made["difference"] == {"amount": "0.00", "currency": "EUR"}, made["replacement"]["lines"]


def test_a_shipment_invoiced_and_partly_returned_is_not_deleted_beyond_what_the_customer_keeps(shop):
    cli = shop
    number = cli("create", *CUSTOMER, "--line", "CHAI:3").stdout.strip()
    for args in (["verify", number, "--by", "anna"], ["status", number, "--to", "ready_to_ship"],
                 ["ship", number, "--line", "CHAI:2"], ["ship", number]):
        assert cli(*args).exit_code == 0
    assert cli("invoice", number, "--out", str(cli.tmp_path)).exit_code == 0
    rma = cli("return", number, "--line", "CHAI:1", "--reason", "x").stdout.strip()
    assert cli("rma", "receive", rma).exit_code == 0
    second = max(s["number"] for s in cli.json("show", number)["shipments"])
    refused = cli("delete-shipment", str(second), "--restock", "main", "--reason", "never left", "--yes")
    assert refused.exit_code == 4 and "is invoiced" in refused.stderr


def installed_and_shipped(cli, goods: str) -> str:
    """An order of `goods` and an INSTALL service, installed by tom (appointment 1) and shipped: closed."""
    assert cli("appointment", "resource", "add", "tom", "--kind", "technician").exit_code == 0
    number = cli("create", *CUSTOMER, "--line", goods, "--line", "INSTALL:1").stdout.strip()
    for args in (["verify", number, "--by", "anna"], ["status", number, "--to", "ready_to_ship"],
                 ["appointment", "book", number, "--line", "INSTALL", "--at", "2099-03-02T09:00", "--duration", "1h",
                  "--with", "tom"], ["appointment", "complete", "1", "--signed-by", "H"], ["ship", number]):
        assert cli(*args).exit_code == 0, args
    return number


def test_a_service_done_keeps_the_order_closed_when_its_goods_come_back(shop):
    cli = shop
    number = installed_and_shipped(cli, "CHAI:1")
    rma = cli("return", number, "--reason", "x").stdout.strip()
    assert cli("rma", "receive", rma).exit_code == 0
    assert cli.json("show", number)["status"] == "closed"
    # by hand it is returned, as said, and the visit still booked for it is canceled
    assert cli("appointment", "book", number, "--at", "2099-03-05T09:00", "--duration", "1h", "--with",
               "tom").exit_code == 0
    assert cli("status", number, "--to", "returned", "--reason", "marketplace").exit_code == 0
    assert cli.json("show", number)["status"] == "returned"
    assert cli.json("appointment", "show", "2")["stage"] == "canceled"
    assert cli("return-slip", "abc").stderr.startswith("ordercli: RETURN 'abc' is not a return number")


def test_returned_by_hand_records_the_goods_back_even_when_a_service_was_done(shop):
    cli = shop
    number = installed_and_shipped(cli, "CHAI:2")
    assert cli("status", number, "--to", "returned", "--reason", "marketplace").exit_code == 0
    shown = cli.json("show", number)
    assert shown["status"] == "returned"
    assert [(l["sku"], l["returned"]) for l in shown["lines"]] == [("CHAI", 2), ("INSTALL", 0)]
    assert level(cli, "CHAI") == (20, 0)
    assert [(h["from"], h["to"]) for h in shown["history"] if h["event"] == "status"][-1] == ("closed", "returned")


def test_returned_by_hand_refunds_shipping_where_asked_and_charged(shop):
    cli = shop
    charged = shipped_order(cli, "CHAI:1", extra=("--shipping", "4.90"))
    free = shipped_order(cli, "TEA:1")
    assert cli("invoice", str(charged), "--out", str(cli.tmp_path)).exit_code == 0
    assert cli("status", str(charged), "--to", "closed", "--refund-shipping", "--reason", "x").exit_code == 2
    moved = cli("status", str(charged), str(free), "--to", "returned", "--reason", "marketplace", "--refund-shipping")
    assert moved.exit_code == 0, moved
    [made] = cli.json("returns", "--order", str(charged))
    assert (made["refund_shipping"], made["refund"]["amount"]) == (True, "24.50")  # 19.26 + 4.90 + 0.34
    [credit] = made["credit_notes"]
    assert cli.json("invoice", "--number", credit, "--out", str(cli.tmp_path))[0]["total"]["amount"] == "-24.50"
    assert cli.json("returns", "--order", str(free))[0]["refund_shipping"] is False


def test_a_returned_order_is_not_invoiced_afterwards(shop):
    cli = shop
    number = shipped_order(cli, "CHAI:2")
    assert cli("status", str(number), "--to", "returned", "--reason", "marketplace").exit_code == 0
    refused = cli("invoice", str(number), "--out", str(cli.tmp_path))
    assert refused.exit_code == 4 and f"order {number} is returned: there is nothing to invoice" in refused.stderr
