"""Locations, products, stock and availability from the command line; every bad input exits
with its code and changes nothing."""

import csv
import io
import json

import pytest

from tests.helpers import CUSTOMER, arranging, table_count


def ok(outcome):
    assert outcome.exit_code == 0, outcome
    return outcome


@pytest.fixture
def store(cli):
    """Two locations (main is the default) and three products, CHAI with 8 at main and 5 at north
    (made by the services the commands call: the commands have tests of their own here)."""
    from ordercli.domain.orders import AddressRequest
    from ordercli.services.catalog import add_product, validate_product
    from ordercli.services.inventory.movements import receive
    from ordercli.services.locations import add_location

    with arranging(cli) as (database, stamp):
        add_location(database, "main", "warehouse", AddressRequest(), stamp)
        add_location(database, "north", "store", AddressRequest(line1="Hafenweg 3", city="Hamburg",
                                                                postal_code="20457", country="DE"), stamp)
        for sku, fields in [("chai", dict(name="Chai", price="18.00", tax_rate="7", kind="physical")),
                            ("CHANG", dict(name="Chang", price="19.00", tax_rate="7", kind="physical", gtin="4006381333931")),
                            ("EBOOK", dict(name="Tea e-book", price="5.00", kind="digital"))]:
            add_product(database, validate_product(sku, **fields), stamp)
        receive(database, "CHAI", "8", None, None, stamp)
        receive(database, "CHAI", "5", "north", None, stamp)
    return cli


def stock(cli, sku):
    """{location: (on_hand, reserved)} for a SKU."""
    [product] = cli.json("stock", "list", "--sku", sku)
    return {l["location"]: (l["on_hand"], l["reserved"]) for l in product["stock"]["locations"]}


def ledger_agrees(cli):
    return cli("stock", "check").exit_code == 0


def order(cli, *lines, backorder=False):
    args = [*CUSTOMER]
    for line in lines:
        args += ["--line", line]
    return cli("create", *args, *(["--backorder"] if backorder else []))


# -- locations -----------------------------------------------------------------------------------


def test_the_first_location_is_the_default_and_it_can_change(cli):
    assert ok(cli("location", "add", "Main")).stdout == "main\n"
    ok(cli("location", "add", "north", "--kind", "store"))
    assert [(l["name"], l["default"]) for l in cli.json("location", "list")] == [("main", True), ("north", False)]
    ok(cli("location", "set-default", "NORTH"))
    assert [(l["name"], l["default"]) for l in cli.json("location", "list")] == [("north", True), ("main", False)]
    ok(cli("location", "add", "south", "--default"))
    assert [l["name"] for l in cli.json("location", "list") if l["default"]] == ["south"]


@pytest.mark.parametrize("args, code, message", [
    (["main"], 4, "location main already exists"),
    (["x y"], 5, "location name 'x y' is not valid"),
    (["depot", "--kind", "garage"], 2, "--kind 'garage' is not one of warehouse, store"),
    (["depot", "--city", "Hamburg"], 5, "--address is required"),
    (["depot", "--address", "a", "--city", "b", "--country", "Atlantis"], 5, "unknown country 'Atlantis'"),
])
def test_bad_locations_are_refused(cli, args, code, message):
    ok(cli("location", "add", "main"))
    outcome = cli("location", "add", *args)
    assert (outcome.exit_code, message in outcome.stderr) == (code, True), outcome
    assert table_count(cli, "locations") == 1
    assert cli("location", "set-default", "nowhere").exit_code == 3


# -- products ------------------------------------------------------------------------------------


def test_products_are_added_listed_shown_and_updated(store):
    chai = store.json("product", "show", "chai")
    assert chai["sku"] == "CHAI" and chai["price"] == {"amount": "18.00", "currency": "EUR"} and chai["tax_rate"] == "7"
    assert chai["stock"] == {"on_hand": 13, "reserved": 0, "available": 13, "locations": [
        {"location": "main", "on_hand": 8, "reserved": 0, "available": 8},
        {"location": "north", "on_hand": 5, "reserved": 0, "available": 5}]}
    assert store.json("product", "show", "EBOOK")["stock"] is None
    assert [p["sku"] for p in store.json("product", "list")] == ["CHAI", "CHANG", "EBOOK"]
    assert [p["sku"] for p in store.json("product", "list", "--search", "4006381333931")] == ["CHANG"]
    assert [p["sku"] for p in store.json("product", "list", "--kind", "digital")] == ["EBOOK"]
    ok(store("product", "update", "CHAI", "--price", "19.50", "--name", "Chai tea"))
    updated = store.json("product", "show", "CHAI")
    assert (updated["name"], updated["price"]["amount"]) == ("Chai tea", "19.50")


def test_a_price_change_leaves_placed_orders_alone(store):
    ok(order(store, "CHAI:1"))
    ok(store("product", "update", "CHAI", "--price", "25.00"))
    assert store.json("show", "1")["lines"][0]["unit_price"]["amount"] == "18.00"
    assert store.json("create", *CUSTOMER, "--line", "CHAI:1")["lines"][0]["unit_price"]["amount"] == "25.00"


def test_a_discontinued_product_cannot_be_ordered(store):
    ok(store("product", "update", "CHAI", "--inactive"))
    outcome = order(store, "CHAI:1")
    assert outcome.exit_code == 5 and "line 1: CHAI is discontinued" in outcome.stderr
    assert [p["sku"] for p in store.json("product", "list", "--active-only")] == ["CHANG", "EBOOK"]
    ok(store("product", "update", "CHAI", "--active"))
    ok(order(store, "CHAI:1"))


@pytest.mark.parametrize("args, code, message", [
    (["add", "CHAI", "--name", "Chai", "--price", "1"], 4, "product CHAI already exists"),
    (["add", "NEW", "--name", "New"], 2, "missing required fields: --price (see ordercli product add --help)"),
    (["add", "NEW", "--name", "New", "--price", "-3"], 5, "price '-3' is negative"),
    (["add", "NEW", "--name", "New", "--price", "1", "--gtin", "4006381333932"], 5, "GTIN '4006381333932' is not valid"),
    (["add", "NEW", "--name", "New", "--price", "1", "--gtin", "4006381333931"], 4, "GTIN 4006381333931 is already used by CHANG"),
    (["add", "NEW", "--name", "New", "--price", "1", "--kind", "food"], 2, "--kind 'food' is not one of"),
    (["add", "NEW", "--name", "New", "--price", "1", "--tax-rate", "120"], 5, "between 0 and 100"),
    (["update", "NOPE", "--price", "1"], 3, "product NOPE does not exist"),
    (["update", "CHAI"], 2, "nothing to change"),
    (["update", "CHAI", "--kind", "digital"], 4, "CHAI has stock (13 on hand, 0 promised)"),
    (["show", "NOPE"], 3, "product NOPE does not exist"),
])
def test_bad_product_commands_are_refused_and_change_nothing(store, args, code, message):
    before = store.json("product", "list")
    outcome = store("product", *args)
    assert (outcome.exit_code, message in outcome.stderr) == (code, True), outcome
    assert store.json("product", "list") == before


PRODUCTS_CSV = """sku,name,price,currency,tax_rate,kind,gtin,active
CHAI,Chai (new pack),18.50,EUR,7,physical,,yes
IKURA,Ikura,31.00,EUR,7,physical,96385074,
KONBU,Konbu,6.00,,,,,
ENGRAVING,Engraving,9.80,EUR,19,service,,no
"""


def test_a_catalogue_is_imported_adding_and_updating(store, tmp_path):
    path = tmp_path / "products.csv"
    path.write_text(PRODUCTS_CSV, encoding="utf-8")
    dry = ok(store("product", "import", str(path), "--dry-run"))
    assert "would add 3 and would update 1 product(s); nothing changed (dry run)" in dry.stderr
    assert table_count(store, "products") == 3
    done = ok(store("product", "import", str(path)))
    assert "added 3 and updated 1 product(s)" in done.stderr
    products = {p["sku"]: p for p in store.json("product", "list")}
    assert products["CHAI"]["name"] == "Chai (new pack)" and products["CHAI"]["price"]["amount"] == "18.50"
    assert products["CHAI"]["stock"]["on_hand"] == 13
    assert products["IKURA"]["gtin"] == "96385074"
    assert (products["KONBU"]["tax_rate"], products["KONBU"]["kind"], products["KONBU"]["active"]) == ("0", "physical", True)
    assert (products["ENGRAVING"]["kind"], products["ENGRAVING"]["active"]) == ("service", False)
    # the CSV written by `product list --csv` reads back through import unchanged
    exported = tmp_path / "export.csv"
    exported.write_text(store("product", "list", "--csv").stdout, encoding="utf-8", newline="")
    ok(store("product", "import", str(exported)))
    assert {p["sku"]: p for p in store.json("product", "list")} | {} == {
        k: {**v, "updated_at": store.json("product", "show", k)["updated_at"]} for k, v in products.items()}


def test_a_bad_catalogue_imports_nothing_and_lists_every_bad_row(store, tmp_path):
    path = tmp_path / "products.csv"
    path.write_text(
        "sku,name,price,tax_rate,gtin\n"
        "GOOD,Good,1.00,7,\n"
        "BAD ONE,Bad,1.00,7,\n"
        "CHEAP,Cheap,-1,7,\n"
        "GOOD,Twice,1.00,7,\n"
        "TAKEN,Taken,1.00,7,4006381333931\n"
        "NONAME,,1.00,7,\n"
        "RATE,Rate,1.00,700,\n",
        encoding="utf-8")
    outcome = store("product", "import", str(path))
    assert outcome.exit_code == 5
    lines = outcome.stderr.strip().splitlines()
    assert lines[-1] == "ordercli: nothing imported: 6 problem(s)"
    for expected in ["row 3 (BAD ONE): SKU 'BAD ONE' is not valid", "row 4 (CHEAP): price '-1' is negative",
                     "row 5: SKU GOOD is also on row 2", "row 6: GTIN 4006381333931 is already used by CHANG",
                     "row 7 (NONAME): name is required", "row 8 (RATE): tax rate '700' must be between 0 and 100"]:
        assert any(expected in line for line in lines), (expected, lines)
    assert table_count(store, "products") == 3


@pytest.mark.parametrize("content, message", [
    ("sku,title,price\nA,B,1\n", "unknown columns: title; missing columns: name"),
    ("sku,name,price\n", "the file has no product rows"),
    ("sku,name,price\nA,B,1,extra\n", "row 2: more cells than columns"),
])
def test_malformed_catalogues_are_refused(cli, tmp_path, content, message):
    path = tmp_path / "p.csv"
    path.write_text(content, encoding="utf-8")
    outcome = cli("product", "import", str(path))
    assert outcome.exit_code == 5 and message in outcome.stderr
    missing = cli("product", "import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 5 and "cannot read" in missing.stderr


def test_the_northwind_example_catalogue_imports(cli):
    from tests.helpers import ROOT

    outcome = ok(cli("product", "import", str(ROOT / "examples" / "products.csv")))
    assert "added 77 and updated 0 product(s)" in outcome.stderr
    chai = cli.json("product", "show", "CHAI")
    assert chai["name"] == "Chai" and chai["price"]["amount"] == "18.00"
    discontinued = [p["sku"] for p in cli.json("product", "list") if not p["active"]]
    assert len(discontinued) == 8


# -- stock movements -----------------------------------------------------------------------------


def test_receive_adjust_and_transfer_keep_counters_and_ledger_equal(store):
    ok(store("stock", "adjust", "CHAI", "-2", "--reason", "damaged"))
    ok(store("stock", "adjust", "CHAI", "+1", "--at", "north", "--reason", "found in count"))
    moved = store.json("stock", "transfer", "CHAI", "3", "--from", "main", "--to", "north")
    assert (moved["from"]["on_hand"], moved["to"]["on_hand"]) == (3, 9)
    assert stock(store, "CHAI") == {"main": (3, 0), "north": (9, 0)}
    history = store.json("stock", "history", "CHAI")
    assert [(m["kind"], m["location"], m["on_hand"]) for m in history] == [
        ("received", "main", 8), ("received", "north", 5), ("adjusted", "main", -2), ("adjusted", "north", 1),
        ("transferred", "main", -3), ("transferred", "north", 3)]
    assert history[2]["reason"] == "damaged"
    assert [m["kind"] for m in store.json("stock", "history", "CHAI", "--at", "north", "--limit", "2")] == [
        "adjusted", "transferred"]
    assert ledger_agrees(store)


@pytest.mark.parametrize("args, code, message", [
    (["receive", "NOPE", "1"], 3, "product NOPE does not exist"),
    (["receive", "CHAI", "1", "--at", "nowhere"], 3, "location nowhere does not exist"),
    (["receive", "CHAI", "0"], 5, "quantity '0' must be at least 1"),
    (["receive", "CHAI", "-4"], 5, "must be at least 1"),
    (["receive", "CHAI", "2.5"], 5, "not a whole number"),
    (["receive", "EBOOK", "5"], 4, "EBOOK is a digital product: it has no stock"),
    (["adjust", "CHAI", "0", "--reason", "x"], 5, "adjustment must not be zero"),
    (["adjust", "CHAI", "-9", "--reason", "count"], 4, "would leave -1 on hand, below the 0 promised"),
    (["adjust", "CHAI", "-1"], 2, "missing option --reason (see ordercli stock adjust --help)"),
    (["adjust", "CHAI", "-1", "--reason", " "], 5, "--reason is required"),
    (["transfer", "CHAI", "9", "--from", "main", "--to", "north"], 4, "insufficient stock for CHAI at main: requested 9, available 8"),
    (["transfer", "CHAI", "1", "--from", "main", "--to", "main"], 5, "--from and --to are the same location"),
    (["transfer", "CHAI", "1", "--from", "main", "--to", "moon"], 3, "location moon does not exist"),
])
def test_bad_stock_commands_exit_with_their_code_and_change_nothing(store, args, code, message):
    before = table_count(store, "stock_movements")
    outcome = store("stock", *args)
    assert (outcome.exit_code, message in outcome.stderr) == (code, True), outcome
    assert "Traceback" not in outcome.stderr
    assert stock(store, "CHAI") == {"main": (8, 0), "north": (5, 0)}
    assert table_count(store, "stock_movements") == before


def test_a_message_calls_only_its_fields_by_their_flags_not_the_text_around_them(store):
    ok(store("location", "add", "to"))
    outcome = store("stock", "transfer", "CHAI", "1", "--from", "to", "--to", "to")
    assert (outcome.exit_code, outcome.stderr) == (5, "ordercli: --from and --to are the same location (to)\n")


def test_stock_without_any_location_says_what_to_do(cli):
    ok(cli("product", "add", "TEA", "--name", "Tea", "--price", "1"))
    outcome = cli("stock", "receive", "TEA", "5")
    assert outcome.exit_code == 3 and "there is no location yet: add one with `ordercli location add" in outcome.stderr


def test_an_adjustment_may_not_take_away_promised_units(store):
    ok(order(store, "CHAI:6"))
    outcome = store("stock", "adjust", "CHAI", "-3", "--reason", "count")
    assert outcome.exit_code == 4
    assert "adjusting CHAI at main by -3 would leave 5 on hand, below the 6 promised to orders" in outcome.stderr
    transfer = store("stock", "transfer", "CHAI", "3", "--from", "main", "--to", "north")
    assert transfer.exit_code == 4 and "(6 of 8 promised to orders)" in transfer.stderr
    assert stock(store, "CHAI") == {"main": (8, 6), "north": (5, 0)}


def test_stock_list_filters_and_reads_back_as_csv(store):
    listed = store.json("stock", "list")
    assert [(p["sku"], p["stock"]["available"]) for p in listed] == [("CHAI", 13), ("CHANG", 0)]  # physical only
    assert [p["sku"] for p in store.json("stock", "list", "--below", "1")] == ["CHANG"]
    assert [p["sku"] for p in store.json("stock", "list", "--below", "6", "--at", "north")] == ["CHAI", "CHANG"]
    rows = list(csv.DictReader(io.StringIO(store("stock", "list", "--csv").stdout, newline="")))
    assert [(r["sku"], r["location"], r["available"]) for r in rows] == [
        ("CHAI", "main", "8"), ("CHAI", "north", "5"), ("CHANG", "main", "0"), ("CHANG", "north", "0")]
    table = store("stock", "list").stdout
    assert "total" in table and "13" in table


def test_available_answers_with_its_exit_code(store):
    yes = store("available", "CHAI", "13")
    assert yes.exit_code == 0 and "main" in yes.stdout
    no = store("available", "CHAI", "14")
    assert no.exit_code == 4 and "insufficient stock for CHAI: requested 14, available 13" in no.stderr
    assert store("available", "CHAI", "6", "--at", "north").exit_code == 4
    assert store("available", "CHAI", "5", "--at", "north").exit_code == 0
    data = json.loads(store("available", "CHAI", "2", "--json").stdout)
    assert data["can_promise"] is True and data["available"] == 13
    assert store("available", "EBOOK", "1000").exit_code == 0
    assert store("available", "NOPE").exit_code == 3
    assert store("available", "CHAI", "0").exit_code == 2


# -- promising -----------------------------------------------------------------------------------


def promised(cli, number):
    return [(l["sku"], l["promised"], l["waiting"]) for l in cli.json("show", str(number))["lines"]]


def test_an_order_is_promised_from_the_default_location_when_it_has_everything(store):
    created = ok(order(store, "CHAI:3", "EBOOK:1", "FEE:1@2.00:Fee"))
    assert "line 1 CHAI x3: promised 3 at main" in created.stderr
    assert promised(store, 1) == [("CHAI", [{"location": "main", "quantity": 3}], 0), ("EBOOK", [], 0), ("FEE", [], 0)]
    assert stock(store, "CHAI") == {"main": (8, 3), "north": (5, 0)}


def test_one_other_location_that_has_the_whole_order_is_preferred_to_splitting(store):
    ok(store("stock", "receive", "CHANG", "2", "--at", "north"))
    ok(order(store, "CHAI:2", "CHANG:2"))  # main has no CHANG: north has both
    assert promised(store, 1) == [("CHAI", [{"location": "north", "quantity": 2}], 0),
                                  ("CHANG", [{"location": "north", "quantity": 2}], 0)]


def test_lines_come_from_different_locations_and_a_line_is_split_when_it_must(store):
    ok(store("stock", "receive", "CHANG", "1", "--at", "north"))
    ok(order(store, "CHAI:10", "CHANG:1"))
    assert promised(store, 1) == [("CHAI", [{"location": "main", "quantity": 8}, {"location": "north", "quantity": 2}], 0),
                                  ("CHANG", [{"location": "north", "quantity": 1}], 0)]
    assert ledger_agrees(store)


def test_an_order_without_enough_stock_is_refused_and_writes_nothing(store):
    outcome = order(store, "CHAI:14", "CHANG:1")
    assert outcome.exit_code == 4
    assert "insufficient stock for CHAI: requested 14, available 13; insufficient stock for CHANG: requested 1, available 0" \
        in outcome.stderr
    assert table_count(store, "orders") == 0 and table_count(store, "customers") == 0
    assert stock(store, "CHAI") == {"main": (8, 0), "north": (5, 0)}
    assert table_count(store, "stock_movements") == 2


def test_backorders_are_promised_when_stock_arrives_oldest_first(store):
    first = ok(order(store, "CHANG:3", backorder=True))
    assert "line 1 CHANG x3: promised nothing yet; 3 wait for stock (backordered)" in first.stderr
    ok(order(store, "CHANG:2", backorder=True))
    ok(store("verify", "1", "--by", "anna"))
    refused = store("status", "1", "--to", "ready_to_ship")
    assert refused.exit_code == 4 and "not ready to ship: 1 line(s) wait for stock" in refused.stderr
    received = ok(store("stock", "receive", "CHANG", "4", "--at", "north"))
    assert "promised to 2 waiting order(s)" in received.stderr
    assert promised(store, 1) == [("CHANG", [{"location": "north", "quantity": 3}], 0)]
    assert promised(store, 2) == [("CHANG", [{"location": "north", "quantity": 1}], 1)]
    assert store.json("history", "1")[-1]["reason"] == "backorder promised: CHANG 3 at north"
    ok(store("status", "1", "--to", "ready_to_ship"))
    ok(store("stock", "receive", "CHANG", "1"))
    # promises are listed default location first
    assert promised(store, 2) == [("CHANG", [{"location": "main", "quantity": 1}, {"location": "north", "quantity": 1}], 0)]
    assert ledger_agrees(store)


@pytest.mark.parametrize("target", ["canceled", "failed", "abandoned"])
def test_leaving_open_releases_the_stock_and_waiting_orders_get_it(store, target):
    ok(order(store, "CHAI:13"))
    ok(order(store, "CHAI:4", backorder=True))
    assert stock(store, "CHAI") == {"main": (8, 8), "north": (5, 5)}
    ok(store("status", "1", "--to", target, "--reason", "test"))
    assert promised(store, 2) == [("CHAI", [{"location": "main", "quantity": 4}], 0)]
    assert stock(store, "CHAI") == {"main": (8, 4), "north": (5, 0)}
    released = [m for m in store.json("stock", "history", "CHAI") if m["kind"] == "released"]
    assert {(m["location"], m["reserved"], m["order"]) for m in released} == {("main", -8, 1), ("north", -5, 1)}
    assert released[0]["reason"] == f"order {target}: test"
    assert ledger_agrees(store)


def test_partially_closing_releases_what_will_not_ship(store):
    from tests.helpers import force_status

    ok(order(store, "CHAI:5"))
    force_status(store, 1, "partially_shipped")
    ok(store("status", "1", "--to", "partially_closed"))
    assert stock(store, "CHAI") == {"main": (8, 0), "north": (5, 0)}


def test_a_dry_run_or_a_refused_batch_releases_nothing(store):
    ok(order(store, "CHAI:3"))
    ok(store("status", "1", "--to", "canceled", "--dry-run"))
    assert store("status", "1", "99", "--to", "canceled").exit_code == 3
    assert stock(store, "CHAI") == {"main": (8, 3), "north": (5, 0)}


def test_the_json_file_may_ask_for_a_backorder(store):
    document = {"customer": {"name": "Ana", "email": "ana@example.com"},
                "billing_address": {"line1": "x", "city": "y", "country": "MX"},
                "backorder": True, "lines": [{"sku": "CHANG", "quantity": 2}]}
    created = store.json("create", "--from-file", "-", input=json.dumps(document))
    assert created["lines"][0]["waiting"] == 2


# -- expire --------------------------------------------------------------------------------------


def test_expire_abandons_old_unverified_open_orders_and_releases_their_stock(store):
    from ordercli.db.sql import execute

    for _ in range(3):
        ok(order(store, "CHAI:2"))
    ok(store("verify", "2", "--by", "anna"))
    database = store.database()
    with database.write() as connection:  # orders 1 and 2 were placed three hours ago
        execute(connection, "UPDATE orders SET placed_at = :at WHERE id IN (1, 2)",
                {"at": __import__("datetime").datetime.now(__import__("datetime").timezone.utc)
                 - __import__("datetime").timedelta(hours=3)})
    database.dispose()
    dry = json.loads(ok(store("expire", "--older-than", "2h", "--dry-run", "--json")).stdout)
    assert [(o["number"], o["changed"]) for o in dry["abandoned"]] == [(1, False)]
    assert dry["released_units"] == 2
    assert store.json("show", "1")["status"] == "open"
    done = ok(store("expire", "--older-than", "2h", "--json"))
    assert [o["number"] for o in json.loads(done.stdout)["abandoned"]] == [1]
    assert "abandoned 1 order(s) not verified within 2h, released 2 unit(s) of stock: 1" in done.stderr
    assert [store.json("show", str(n))["status"] for n in (1, 2, 3)] == ["abandoned", "open", "open"]
    assert store.json("history", "1")[-1]["reason"] == "not verified within 2h"
    assert stock(store, "CHAI") == {"main": (8, 4), "north": (5, 0)}
    again = ok(store("expire", "--older-than", "2h"))
    assert "abandoned 0 order(s)" in again.stderr
    bad = store("expire", "--older-than", "soon")
    assert bad.exit_code == 2 and "--older-than 'soon' is not a duration" in bad.stderr


def test_a_new_price_stays_in_the_products_currency(store):
    ok(store("product", "add", "USDP", "--name", "Priced in dollars", "--price", "10.00", "--currency", "USD"))
    ok(store("product", "update", "USDP", "--price", "12.50"))
    assert store.json("product", "show", "USDP")["price"] == {"amount": "12.50", "currency": "USD"}
    ok(store("product", "add", "YEN", "--name", "Priced in yen", "--price", "1500", "--currency", "JPY"))
    bad = store("product", "update", "YEN", "--price", "1.50")
    assert bad.exit_code == 5 and "more decimals than JPY allows (0)" in bad.stderr


def test_import_keeps_a_currency_the_file_leaves_empty_and_moves_gtins(store, tmp_path):
    ok(store("product", "add", "USDP", "--name", "Dollars", "--price", "10.00", "--currency", "USD",
             "--gtin", "96385074"))
    path = tmp_path / "p.csv"
    # CHANG's GTIN moves to NEWP while CHANG takes USDP's, and USDP takes none: all in one file
    path.write_text("sku,name,price,gtin\n"
                    "USDP,Dollars,11.00,4006381333931\n"
                    "NEWP,New,2.00,96385074\n", encoding="utf-8")
    moved = store("product", "import", str(path))
    assert moved.exit_code == 5  # CHANG keeps 4006381333931 (it is not in the file)
    assert "row 2: GTIN 4006381333931 is already used by CHANG" in moved.stderr
    path.write_text("sku,name,price,gtin\n"
                    "USDP,Dollars,11.00,4006381333931\n"
                    "CHANG,Chang,19.00,50123452\n"
                    "NEWP,New,2.00,96385074\n", encoding="utf-8")
    ok(store("product", "import", str(path)))
    products = {p["sku"]: p for p in store.json("product", "list")}
    assert (products["USDP"]["gtin"], products["USDP"]["price"]) == ("4006381333931", {"amount": "11.00", "currency": "USD"})
    assert (products["CHANG"]["gtin"], products["NEWP"]["gtin"]) == ("50123452", "96385074")


def test_wrong_kinds_of_input_get_their_exit_codes_not_a_crash(store, tmp_path):
    numeric = store("create", "--from-file", "-", input='{"channel": 5, "customer": {"name": "A", "email": "a@example.com"}, '
                    '"billing_address": {"line1": "x", "city": "y", "country": "DE"}, "lines": [{"sku": "CHAI", "quantity": 1}]}')
    assert numeric.exit_code == 5 and "channel must be text (in quotes)" in numeric.stderr
    exponent = store("create", "--from-file", "-", input='{"customer": {"name": "A", "email": "a@example.com"}, '
                     '"billing_address": {"line1": "x", "city": "y", "country": "DE"}, '
                     '"lines": [{"sku": "FEE", "quantity": 1, "unit_price": 1e2, "description": "Fee"}]}')
    assert exponent.exit_code == 5 and "without an exponent" in exponent.stderr
    path = tmp_path / "latin1.txt"
    path.write_bytes("1\n\xe9\n".encode("latin-1"))
    latin = store("status", "--from-file", str(path), "--to", "canceled")
    assert latin.exit_code == 5 and "not UTF-8" in latin.stderr
    for args in (["list", "--until", "9999-12-31"], ["list", "--since", "0001-01-01T00:00+01:00"]):
        far = store(*args)
        assert far.exit_code == 2 and "out of range" in far.stderr, far
    assert store("list", "--limit", "99999999999999999999").exit_code == 2
    assert table_count(store, "orders") == 0


def test_search_folds_case_beyond_ascii(cli):
    ok(cli("create", "--name", "JÜRGEN MÜLLER", "--email", "jm@example.de", "--address", "Straße 1", "--city", "München",
           "--country", "DE", "--line", "FEE:1@1:Gebühr"))
    assert [o["number"] for o in cli.json("list", "--customer", "müller")] == [1]
    assert [o["number"] for o in cli.json("list", "--search", "GEBÜHR")] == [1]
