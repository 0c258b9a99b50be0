"""`create` again with the same --channel/--ref: the same order is answered with its number (exit
0, nothing written); other content is refused (exit 4) naming what differs."""

import json

import pytest

from tests.helpers import CUSTOMER, query, table_count

ORDER = [*CUSTOMER, "--channel", "web", "--ref", "W-9", "--line", "CHAI:2", "--line", "FEE:1@2.50:Handling fee",
         "--promo", "ONCE", "--note", "ring twice"]


@pytest.fixture
def shop(cli):
    """CHAI with 10 units in stock and a promo code that can be used once."""
    for args in (["location", "add", "main"], ["product", "add", "CHAI", "--name", "Chai", "--price", "18.00"],
                 ["stock", "receive", "CHAI", "10"], ["promo", "add", "ONCE", "--percent", "10", "--max-uses", "1"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


def written(cli) -> dict:
    """What the database holds that a create writes: rows per table, units promised, promo uses."""
    return {
        **{table: table_count(cli, table) for table in ("orders", "order_lines", "order_history", "customers",
                                                        "addresses", "stock_movements")},
        "reserved": query(cli, "SELECT reserved FROM stock_levels")[0].reserved,
        "promo uses": query(cli, "SELECT uses FROM promo_codes")[0].uses,
    }


def test_a_retry_with_the_same_content_prints_the_existing_number_and_writes_nothing(shop):
    first = shop("create", *ORDER)
    assert (first.exit_code, first.stdout) == (0, "1\n"), first
    before = written(shop)
    assert (before["orders"], before["order_history"], before["reserved"], before["promo uses"]) == (1, 1, 2, 1)
    again = shop("create", *ORDER)
    assert (again.exit_code, again.stdout) == (0, "1\n"), again  # the promo code is used up, yet a retry is fine
    assert "order 1 (web W-9, open) already exists with the same content: nothing was changed" in again.stderr
    assert "created order" not in again.stderr and "promised" not in again.stderr
    assert written(shop) == before  # history once, stock promised once, the promo code counted once


def test_json_says_whether_the_order_existed(shop):
    created = shop("create", *ORDER, "--json")
    again = shop("create", *ORDER, "--json")
    assert (created.exit_code, again.exit_code) == (0, 0)
    new, existing = json.loads(created.stdout), json.loads(again.stdout)  # stdout holds the document alone
    assert (new["existing"], existing["existing"]) == (False, True)
    assert {**existing, "existing": False} == new  # the same order, as it was stored
    shown = shop("show", "1", "--json")
    assert {**json.loads(shown.stdout), "existing": True} == existing


def test_values_are_compared_as_stored(shop):
    assert shop("create", *ORDER).exit_code == 0
    written_before = written(shop)
    # the same order typed differently: email case, phone and country written otherwise, SKU and
    # promo code in lower case, the catalogue's name given as the description, spaces around
    retyped = ["--name", " Maria Anders ", "--email", "MARIA@Example.com", "--phone", "+49 30 0074321",
               "--address", "Obere Str. 57", "--city", "Berlin", "--postal-code", "12209", "--country", "Germany",
               "--channel", "WEB", "--ref", "W-9", "--line", "chai:2:Chai", "--line", "FEE:1@2.5:Handling fee",
               "--promo", "once", "--note", "ring twice", "--delivery", "ship", "--currency", "eur"]
    outcome = shop("create", *retyped)
    assert (outcome.exit_code, outcome.stdout) == (0, "1\n"), outcome
    assert written(shop) == written_before


def test_what_a_retry_leaves_out_is_not_compared_but_what_it_gives_is(shop):
    assert shop("create", *ORDER).exit_code == 0
    # the phone and the catalogue's price and name, left out: a new order would fill them in
    without = [a for a in ORDER if a not in ("--phone", "030-0074321")]
    assert shop("create", *without).stdout == "1\n"
    priced = [("CHAI:2@17.00" if a == "CHAI:2" else a) for a in ORDER]
    outcome = shop("create", *priced)
    assert outcome.exit_code == 4
    assert outcome.stderr.endswith("with other content: line 1 (price)\n")


def test_a_retry_with_other_content_is_refused_naming_each_difference_by_its_flag(shop):
    assert shop("create", *ORDER).exit_code == 0
    before = written(shop)
    changed = {"--name": "Maria Schmidt", "--email": "maria@example.org", "--city": "Potsdam", "--postal-code": "14467",
               "--note": "ring once"}
    args = [changed.get(previous, a) for previous, a in zip(["", *ORDER], ORDER)]
    args = [("FEE:1@3.00:Handling fee" if a == "FEE:1@2.50:Handling fee" else a) for a in args]
    outcome = shop("create", *args, "--ship-address", "Hafenweg 3", "--ship-city", "Hamburg", "--ship-country", "DE",
                   "--delivery", "pickup")
    assert (outcome.exit_code, outcome.stdout) == (4, "")
    assert outcome.stderr == (
        "ordercli: a web order with reference W-9 already exists (order 1) with other content: --name, --email, "
        "--city, --postal-code, --ship-address, --ship-city, --ship-postal-code, --note, line 1 (delivery method), "
        "line 2 (price)\n")
    one_line = [*ORDER[:ORDER.index("--line")], "--line", "CHAI:2", "--promo", "ONCE", "--note", "ring twice"]
    fewer = shop("create", *one_line)
    assert fewer.stderr.endswith("with other content: --line (1, the order has 2)\n")
    assert (fewer.exit_code, fewer.stdout) == (4, "")
    assert written(shop) == before


def test_an_order_file_hears_of_its_own_field_names(shop, tmp_path):
    assert shop("create", *ORDER).exit_code == 0
    document = {"channel": "web", "channel_ref": "W-9", "promo": "ONCE", "note": "ring twice",
                "customer": {"name": "Maria Anders", "email": "maria@example.com"},
                "billing_address": {"line1": "Obere Str. 57", "city": "Berlin", "postal_code": "12209",
                                    "country": "DE", "region": "Brandenburg"},
                "lines": [{"sku": "CHAI", "quantity": 3}, {"sku": "FEE", "quantity": 1, "unit_price": "2.50",
                                                           "description": "Handling fee", "discount": "1.00"}]}
    outcome = shop("create", "--from-file", "-", input=json.dumps(document))
    assert outcome.exit_code == 4
    assert outcome.stderr.endswith("with other content: billing_address.region, shipping_address.region, "
                                   "line 1 (quantity), line 2 (discount)\n")
    del document["billing_address"]["region"]
    document["lines"] = [{"sku": "CHAI", "quantity": 2}, {"sku": "FEE", "quantity": 1, "unit_price": "2.50",
                                                          "description": "Handling fee"}]
    same = shop("create", "--from-file", "-", input=json.dumps(document))
    assert (same.exit_code, same.stdout) == (0, "1\n"), same


def test_a_retry_finds_the_order_whatever_its_status_now(shop):
    assert shop("create", *ORDER).exit_code == 0
    assert shop("status", "1", "--to", "canceled", "--reason", "customer called").exit_code == 0
    outcome = shop("create", *ORDER)
    assert (outcome.exit_code, outcome.stdout) == (0, "1\n")
    assert "order 1 (web W-9, canceled) already exists" in outcome.stderr


def test_without_a_reference_the_same_order_twice_is_two_orders(shop):
    no_ref = [a for a in ORDER if a not in ("--ref", "W-9", "--promo", "ONCE")]
    assert [shop("create", *no_ref).stdout for _ in range(2)] == ["1\n", "2\n"]
