"""`ordercli create`: by options, from JSON, and every validation failure (exit 5, nothing written)."""

import json

import pytest

from tests.helpers import CUSTOMER, query, table_count

FEE = "FEE:1@2.50:Handling fee"


def test_creates_an_open_order_and_prints_its_number(cli):
    outcome = cli("create", *CUSTOMER, "--line", "SETUP:2@40:Installation", "--line", FEE,
                  "--channel", "phone", "--ref", "CALL-7", "--note", "call before noon")
    assert outcome.exit_code == 0, outcome
    assert outcome.stdout == "1\n"
    assert "created order 1 (open, 2 line(s), total 82.50 EUR)" in outcome.stderr
    assert "ordercli verify 1" in outcome.stderr
    order = cli.json("show", "1")
    assert order["status"] == "open"
    assert order["channel"] == "phone" and order["channel_ref"] == "CALL-7"
    assert order["customer"] == {"id": 1, "name": "Maria Anders", "email": "maria@example.com", "phone": "+49300074321"}
    assert order["billing_address"]["country"] == "DE"
    assert order["shipping_address"] == order["billing_address"]
    assert [(l["sku"], l["quantity"], l["unit_price"]["amount"]) for l in order["lines"]] == [
        ("SETUP", 2, "40.00"), ("FEE", 1, "2.50")]
    assert order["totals"]["total"] == {"amount": "82.50", "currency": "EUR"}
    assert order["note"] == "call before noon"
    assert [(h["event"], h["from"], h["to"]) for h in order["history"]] == [("created", None, "open")]


def test_json_output_is_the_whole_order(cli):
    order = cli.json("create", *CUSTOMER, "--line", FEE)
    assert order["number"] == 1
    assert order["lines"][0]["description"] == "Handling fee"


def test_a_separate_shipping_address(cli):
    order = cli.json("create", *CUSTOMER, "--line", FEE, "--ship-name", "Lager Nord", "--ship-address", "Hafenweg 3",
                     "--ship-city", "Hamburg", "--ship-postal-code", "20457", "--ship-country", "DE")
    assert order["shipping_address"]["line1"] == "Hafenweg 3"
    assert order["shipping_address"]["name"] == "Lager Nord"
    assert order["billing_address"]["line1"] == "Obere Str. 57"


def test_the_same_email_is_the_same_customer(cli):
    cli.json("create", *CUSTOMER, "--line", FEE)
    second = cli.json("create", "--name", "Maria Anders-Schmidt", "--email", "MARIA@example.com", "--address", "Neue Str. 1",
                      "--city", "Berlin", "--country", "DE", "--line", FEE)
    assert second["customer"]["id"] == 1
    assert second["customer"]["name"] == "Maria Anders-Schmidt"
    assert second["customer"]["phone"] == "+49300074321"
    first = cli.json("show", "1")
    assert first["billing_address"]["line1"] == "Obere Str. 57"  # an order keeps the address it had
    assert table_count(cli, "customers") == 1


def test_an_order_from_a_json_file_and_from_stdin(cli, tmp_path):
    document = {
        "channel": "marketplace", "channel_ref": "AMZ-1", "currency": "USD",
        "customer": {"name": "Howard Snyder", "phone": "(503) 555-7555"},
        "billing_address": {"line1": "2732 Baker Blvd.", "city": "Eugene", "region": "OR", "postal_code": "97403",
                            "country": "US"},
        "lines": [{"sku": "BOX", "quantity": 3, "unit_price": 19.99, "description": "Gift box", "tax_rate": "7.5",
                   "discount": "10%", "kind": "physical"}],
    }
    path = tmp_path / "order.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    order = cli.json("create", "--from-file", str(path))
    assert order["currency"] == "USD"
    line = order["lines"][0]
    assert line["discount"] == {"amount": "6.00", "currency": "USD"}  # 10 % of 59.97, rounded half up
    assert line["net"]["amount"] == "53.97"
    assert line["tax"]["amount"] == "4.05"  # 7.5 % of 53.97 = 4.04775
    assert order["customer"]["phone"] == "+15035557555"
    document["channel_ref"] = "AMZ-2"
    piped = cli.json("create", "--from-file", "-", input=json.dumps(document))
    assert piped["number"] == 2


def test_options_and_a_file_are_not_mixed(cli, tmp_path):
    outcome = cli("create", "--from-file", "x.json", "--name", "A")
    assert outcome.exit_code == 2
    assert "give the order either as --from-file or as options, not both" in outcome.stderr


def test_missing_fields_are_all_listed_without_a_terminal(cli):
    outcome = cli("create", "--city", "Berlin")
    assert outcome.exit_code == 2  # options left out: a usage error
    assert outcome.stderr.strip() == (
        "ordercli: missing required fields: --name, --email or --phone, --address, --country, --line "
        "(see ordercli create --help)")
    assert outcome.stdout == ""
    assert table_count(cli, "orders") == 0


def test_missing_fields_in_a_file_are_named_as_in_the_json(cli):
    outcome = cli("create", "--from-file", "-", input='{"customer": {"name": "A"}}')
    assert outcome.exit_code == 5
    assert "missing required fields: customer.email or customer.phone, billing_address.line1" in outcome.stderr


BAD = [
    (["--email", "maria@"], "email 'maria@' is not valid"),
    (["--phone", "12"], "phone '12' is not a valid number for DE"),
    (["--country", "XX"], "unknown country 'XX'"),
    (["--line", "TEA:0@1.00:Tea"], "line 1: quantity '0' must be at least 1"),
    (["--line", "TEA:1.5@1.00:Tea"], "line 1: quantity '1.5' is not a whole number"),
    (["--line", "TEA:2000000@1.00:Tea"], "is more than 1,000,000"),
    (["--line", "TEA:1@NaN:Tea"], "price 'NaN' is not a finite number"),
    (["--line", "TEA:1@Infinity:Tea"], "price 'Infinity' is not a finite number"),
    (["--line", "TEA:1@1e9999:Tea"], "without an exponent"),
    (["--line", "TEA:1@-1:Tea"], "price '-1' is negative"),
    (["--line", "TEA:1@0.001:Tea"], "price '0.001' has more decimals than EUR allows (2)"),
    (["--line", "TEA:1@100:Tea", "--currency", "JPY"], None),
    (["--line", "TEA:1@1.5:Tea", "--currency", "JPY"], "price '1.5' has more decimals than JPY allows (0)"),
    (["--line", "TEA:1@1:Tea", "--currency", "EURO"], "unknown currency 'EURO'"),
    (["--line", "NOPE:1"], "line 1: unknown SKU NOPE (an ad-hoc line needs a description and a price)"),
    (["--line", "no colon"], "line 'no colon' must look like SKU:QTY[@PRICE][:DESCRIPTION]"),
    (["--line", "A B:1@1:x"], "SKU 'A B' is not valid"),
    (["--name", "Eve\x1b[2J"], "customer name contains a control character (U+001B)"),
]


@pytest.mark.parametrize("change, message", BAD, ids=[m or "jpy-ok" for _, m in BAD])
def test_each_validation_failure_exits_5_with_one_line_and_writes_nothing(cli, change, message):
    args = list(CUSTOMER)
    for i in range(0, len(change), 2):
        flag, value = change[i], change[i + 1]
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    if "--line" not in change:
        args += ["--line", FEE]
    outcome = cli("create", *args)
    if message is None:
        assert outcome.exit_code == 0, outcome
        return
    assert outcome.exit_code == 5, outcome
    assert message in outcome.stderr
    assert len(outcome.stderr.strip().splitlines()) == 1
    assert "Traceback" not in outcome.stderr
    assert outcome.stdout == ""
    assert table_count(cli, "orders") == 0
    assert table_count(cli, "customers") == 0
    assert table_count(cli, "addresses") == 0


def test_several_problems_are_reported_together(cli):
    args = list(CUSTOMER)
    args[args.index("--email") + 1] = "bad"
    args[args.index("--phone") + 1] = "1"
    outcome = cli("create", *args, "--line", "X:0@1:Thing", "--line", "Y:1@-2:Other")
    assert outcome.exit_code == 5
    for part in ("email 'bad'", "phone '1'", "line 1: quantity '0'", "line 2: price '-2' is negative"):
        assert part in outcome.stderr


def test_a_duplicate_channel_reference_is_refused(cli):
    cli.json("create", *CUSTOMER, "--line", FEE, "--channel", "web", "--ref", "W-9")
    outcome = cli("create", *CUSTOMER, "--line", "FEE:2@2.50:Handling fee", "--channel", "web", "--ref", "W-9")
    assert outcome.exit_code == 4  # the same reference with other content (tests/cli/test_create_retry.py)
    assert "a web order with reference W-9 already exists (order 1) with other content" in outcome.stderr
    # the same reference on another channel is another order
    assert cli("create", *CUSTOMER, "--line", FEE, "--channel", "store", "--ref", "W-9").exit_code == 0


def test_promo_codes_apply_and_are_refused_when_unknown_expired_or_used_up(cli):
    assert cli("promo", "add", "welcome10", "--percent", "10", "--max-uses", "1").exit_code == 0
    assert cli("promo", "add", "OLD", "--amount", "5", "--valid-until", "2020-01-31").exit_code == 0
    assert cli("promo", "add", "LATER", "--percent", "5", "--valid-from", "2999-01-01").exit_code == 0
    assert cli("promo", "add", "USD5", "--amount", "5", "--currency", "USD").exit_code == 0
    order = cli.json("create", *CUSTOMER, "--line", "SETUP:1@40:Installation", "--promo", "Welcome10")
    assert order["promo_code"] == "WELCOME10"
    assert order["totals"]["discount"]["amount"] == "4.00"
    assert order["totals"]["total"]["amount"] == "36.00"
    cases = [
        ("WELCOME10", 4, "promo code WELCOME10 is used up (1 of 1 uses)"),
        ("NOPE", 3, "promo code NOPE does not exist"),
        ("OLD", 4, "promo code OLD expired on 2020-01-31 23:59 UTC"),
        ("LATER", 4, "promo code LATER is not valid before 2999-01-01 00:00 UTC"),
        ("USD5", 4, "promo code USD5 is an amount in USD; the order is in EUR"),
    ]
    for code, exit_code, message in cases:
        outcome = cli("create", *CUSTOMER, "--line", FEE, "--promo", code)
        assert (outcome.exit_code, message in outcome.stderr) == (exit_code, True), outcome
    assert table_count(cli, "orders") == 1
    assert query(cli, "SELECT uses FROM promo_codes WHERE code = 'WELCOME10'")[0].uses == 1
    listed = cli.json("promo", "list")
    assert [(p["code"], p["uses"]) for p in listed] == [("LATER", 0), ("OLD", 0), ("USD5", 0), ("WELCOME10", 1)]


def test_bad_promo_definitions_are_refused(cli):
    for args, message in [
        (["X1", "--percent", "10", "--amount", "5"], "give exactly one of --percent or --amount"),
        (["X1"], "give exactly one of --percent or --amount"),
        (["X1", "--percent", "0"], "--percent must be more than 0"),
        (["X1", "--percent", "120"], "between 0 and 100"),
        (["X1", "--amount", "0"], "--amount must be more than 0"),
        (["bad code!", "--percent", "5"], "is not valid"),
        (["X1", "--percent", "5", "--valid-from", "2026-12-31", "--valid-until", "2026-01-01"], "--valid-until must be after"),
        (["X1", "--percent", "5", "--max-uses", "0"], "--max-uses must be from 1 to 1,000,000,000"),
        (["X1", "--percent", "5", "--max-uses", "99999999999999999999"], "--max-uses must be from 1 to"),
    ]:
        outcome = cli("promo", "add", *args)
        assert outcome.exit_code == 5, (args, outcome)
        assert message in outcome.stderr
    assert cli("promo", "add", "TWICE", "--percent", "5").exit_code == 0
    outcome = cli("promo", "add", "twice", "--percent", "5")
    assert (outcome.exit_code, "promo code TWICE already exists" in outcome.stderr) == (4, True)
    assert table_count(cli, "promo_codes") == 1
