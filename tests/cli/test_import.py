"""`ordercli import`: orders in bulk from ordercli's own layout (CSV or JSON lines) and from
Shopify's orders export, on both backends.

Each test reads what a user would: exit codes, the lines on stderr, `show --json`, what the
database holds afterwards (nothing, when a command failed), and the rejects file."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.helpers import CUSTOMER, ROOT, query, table_count

EXAMPLE = ROOT / "examples" / "import" / "orders.csv"
SHOPIFY_EXAMPLE = ROOT / "examples" / "import" / "shopify-orders.csv"
TABLES = ("orders", "order_lines", "customers", "addresses", "order_history", "shipments", "shipment_lines",
          "stock_movements", "promo_codes")


def counts(cli) -> dict[str, int]:
    return {table: table_count(cli, table) for table in TABLES}


def rows_of(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def write(path: Path, rows: list[dict], columns=None) -> Path:
    columns = columns or list(rows[0])
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def amount(value: dict) -> Decimal:
    return Decimal(value["amount"])


def order_of(cli, ref: str) -> dict:
    [number] = [r.id for r in query(cli, "SELECT id FROM orders WHERE channel_ref = :ref", {"ref": ref})]
    return cli.json("show", str(number))


# -- ordercli's own layout ------------------------------------------------------------------------


def test_the_example_imports_each_order_in_the_state_the_file_says(cli):
    outcome = cli("import", str(EXAMPLE))
    assert outcome.exit_code == 0, outcome
    assert outcome.stdout == ""
    assert f"imported 4 order(s) from {EXAMPLE} (6 line(s), 1 with a shipment of what left, 4 new customer(s))" \
        in outcome.stderr
    statuses = {r.channel_ref: r.status for r in query(cli, "SELECT channel_ref, status FROM orders")}
    assert statuses == {"W-1001": "closed", "302-4417723-1182210": "canceled", "W-1003": "open",
                        "order 1004": "open"}  # no channel_ref: the file's own order number


def test_a_historic_order_has_its_dates_a_delivered_external_shipment_and_no_stock(cli):
    for args in (["location", "add", "main"], ["product", "add", "CHAI-500", "--name", "Chai", "--price", "12.50"],
                 ["stock", "receive", "CHAI-500", "10"]):
        assert cli(*args).exit_code == 0
    assert cli("import", str(EXAMPLE)).exit_code == 0
    closed = order_of(cli, "W-1001")
    assert (closed["status"], closed["placed_at"]) == ("closed", "2026-03-02T09:14:00Z")
    [shipment] = closed["shipments"]
    assert (shipment["method"], shipment["stage"]) == ("external", "delivered")
    assert {s["stage"]: s["at"] for s in shipment["stages"]} == {"handed_over": "2026-03-04T16:30:00Z",
                                                                 "delivered": "2026-03-04T16:30:00Z"}
    assert [(line["sku"], line["quantity"]) for line in shipment["lines"]] == [("CHAI-500", 2), ("MUG-STONE", 1)]
    assert [line["shipped"] for line in closed["lines"]] == [2, 1]
    [entry] = closed["history"]
    assert (entry["event"], entry["from"], entry["to"], entry["command"]) == ("imported", None, "closed", "import")
    assert entry["reason"].startswith(f"imported from {EXAMPLE} (row 2): web order W-1001; placed 2026-03-02 09:14 UTC")
    assert "shipment" in entry["reason"] and "fulfilled 2026-03-04 16:30 UTC" in entry["reason"]
    # the historic order took nothing; the open one (4 units of CHAI-500) has them promised
    stock = {(r.order_id, r.kind): r.units for r in query(
        cli, "SELECT order_id, kind, SUM(reserved_delta) AS units FROM stock_movements WHERE order_id IS NOT NULL "
             "GROUP BY order_id, kind")}
    assert stock == {(order_of(cli, "W-1003")["number"], "reserved"): 4}
    assert cli("stock", "check").exit_code == 0


def test_totals_are_the_files_to_the_cent(cli):
    assert cli("import", str(EXAMPLE)).exit_code == 0
    for row in rows_of(EXAMPLE):
        order = order_of(cli, row["channel_ref"] or f"order {row['order']}")
        totals = order["totals"]
        assert (str(amount(totals["subtotal"])), str(amount(totals["tax"])), str(amount(totals["total"])),
                str(amount(totals["shipping"]))) == (row["subtotal"], row["tax"], row["total"], row["shipping"])
        line = order["lines"][int(row["line"]) - 1]
        assert (str(amount(line["unit_price"])), str(amount(line["discount"])), str(amount(line["tax"]))) == (
            row["unit_price"], row["line_discount"], row["line_tax"])


def test_importing_the_same_file_again_creates_nothing_and_says_so(cli):
    assert cli("import", str(EXAMPLE)).exit_code == 0
    before = counts(cli)
    again = cli("import", str(EXAMPLE))
    assert again.exit_code == 0, again
    assert "nothing imported: all 4 order(s) were imported before and are left as they are (1, 2, 3, 4)" \
        in again.stderr
    assert counts(cli) == before
    document = cli.json("import", str(EXAMPLE))
    assert (document["imported"], [o["number"] for o in document["existing"]]) == ([], [1, 2, 3, 4])


def test_the_same_reference_with_other_content_is_refused_and_nothing_changes(cli, tmp_path):
    assert cli("import", str(EXAMPLE)).exit_code == 0
    rows = rows_of(EXAMPLE)
    for row in rows:
        if row["order"] == "1003":
            row["customer_name"] = "Frédérique Dupont"
        if row["order"] == "1004":
            row["quantity"], row["line_net"], row["line_tax"], row["line_total"] = "3", "56.70", "5.67", "62.37"
            row["subtotal"], row["tax"], row["total"] = "56.70", "5.67", "62.37"
    changed = write(tmp_path / "changed.csv", rows)
    before = counts(cli)
    outcome = cli("import", str(changed))
    assert outcome.exit_code == 4, outcome
    assert "ordercli: row 5 (order 1003): a web order with reference W-1003 already exists (order 3) with other " \
           "content: customer_name" in outcome.stderr
    assert "ordercli: row 7 (order 1004): a phone order with reference order 1004 already exists (order 4) with " \
           "other content: subtotal, tax, total, line 1 (quantity, net, tax)" in outcome.stderr
    assert counts(cli) == before


def test_one_bad_row_and_nothing_is_imported_every_problem_listed_by_row(cli, tmp_path):
    rows = rows_of(EXAMPLE)
    rows[1]["quantity"] = "0"  # the 2nd line of order 1001, row 3
    rows[3]["customer_email"] = "not an email"  # order 1003, rows 5 and 6
    rows[4]["customer_email"] = "not an email"
    path = write(tmp_path / "bad.csv", rows)
    outcome = cli("import", str(path))
    assert outcome.exit_code == 5, outcome
    problems = [line for line in outcome.stderr.splitlines() if line.startswith("ordercli: row")]
    assert problems == [
        "ordercli: row 3 (order 1001): quantity '0' must be at least 1",
        "ordercli: row 5 (order 1003): email 'not an email' is not valid: An email address must have an @-sign.",
    ]
    assert "nothing imported: 2 problem(s) in 2 of 4 order(s) (listed above); fix them, or --skip-invalid to " \
           "import the others" in outcome.stderr
    assert counts(cli) == dict.fromkeys(TABLES, 0)


def test_skip_invalid_imports_the_rest_and_writes_the_rejected_rows_to_fix_and_import_again(cli, tmp_path):
    rows = rows_of(EXAMPLE)
    rows[2]["unit_price"] = "34,90"  # order 1002 (row 4)
    path = write(tmp_path / "orders.csv", rows)
    outcome = cli("import", str(path), "--skip-invalid")
    assert outcome.exit_code == 5, outcome
    rejects = tmp_path / "orders.rejects.csv"
    assert "ordercli: row 4 (order 1002): price '34,90': use a point for decimals and no thousands separators, as " \
           "in 1234.50" in outcome.stderr
    assert f"imported 3 order(s) from {path}" in outcome.stderr
    assert f"rejected 1 (listed above), their rows written to {rejects}" in outcome.stderr
    written = rows_of(rejects)
    assert [r["order"] for r in written] == ["1002"] and list(written[0]) == list(rows[0])  # the header, the row
    written[0]["unit_price"] = "34.90"
    fixed = cli("import", str(write(rejects, written)))
    assert fixed.exit_code == 0, fixed
    assert table_count(cli, "orders") == 4


def test_rejects_go_where_asked_and_stdin_needs_a_place_for_them(cli, tmp_path):
    rows = rows_of(EXAMPLE)
    rows[2]["currency"] = "EURO"
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    refused = cli("import", "-", "--skip-invalid", input=text.getvalue())
    assert refused.exit_code == 2 and "--skip-invalid with stdin needs --rejects FILE" in refused.stderr
    target = tmp_path / "out" / "rejected.csv"
    target.parent.mkdir()
    outcome = cli("import", "-", "--skip-invalid", "--rejects", str(target), input=text.getvalue())
    assert outcome.exit_code == 5, outcome
    assert [r["order"] for r in rows_of(target)] == ["1002"]
    assert [p.name for p in target.parent.iterdir()] == ["rejected.csv"]  # no temporary file left
    alone = cli("import", str(EXAMPLE), "--rejects", str(target))
    assert alone.exit_code == 2 and "--rejects goes with --skip-invalid" in alone.stderr


def test_dry_run_checks_against_the_database_and_changes_nothing(cli):
    outcome = cli("import", str(EXAMPLE), "--dry-run")
    assert outcome.exit_code == 0, outcome
    assert f"dry run: would import 4 order(s) from {EXAMPLE}" in outcome.stderr and "nothing changed" in outcome.stderr
    assert table_count(cli, "orders") == 0
    document = cli.json("import", str(EXAMPLE), "--dry-run")
    assert document["dry_run"] is True and document["applied"] is False
    assert [o["number"] for o in document["imported"]] == [None] * 4


def test_json_says_what_was_imported_and_rejected(cli, tmp_path):
    rows = rows_of(EXAMPLE)
    rows[5]["billing_country"] = "Atlantis"
    path = write(tmp_path / "orders.csv", rows)
    outcome = cli("import", str(path), "--skip-invalid", "--json")
    assert outcome.exit_code == 5, outcome
    document = json.loads(outcome.stdout)
    assert set(document) == {"format", "file_kind", "dry_run", "applied", "rows", "imported", "existing", "rejected",
                             "rejects_file", "promised_units", "waiting_units", "new_customers", "new_promo_codes",
                             "notes"}
    assert (document["format"], document["file_kind"], document["rows"], document["applied"]) == (
        "ordercli", "csv", 6, True)
    assert document["imported"][0] == {"number": 1, "source": "1001", "rows": [2, 3], "channel": "web",
                                       "channel_ref": "W-1001", "status": "closed", "lines": 2, "shipment_number": 1}
    assert document["rejected"] == [{"source": "1004", "rows": [7], "problems": [
        {"row": 7, "message": "billing_address: unknown country 'Atlantis' (use an ISO 3166 code such as DE)",
         "code": 5}]}]
    assert document["rejects_file"] == str(tmp_path / "orders.rejects.csv")


def test_open_orders_have_their_stock_promised_as_created_ones(cli, tmp_path):
    for args in (["location", "add", "main"], ["product", "add", "CHAI-500", "--name", "Chai", "--price", "12.50"],
                 ["stock", "receive", "CHAI-500", "3"]):
        assert cli(*args).exit_code == 0
    outcome = cli("import", str(EXAMPLE))
    assert outcome.exit_code == 4, outcome  # order 1003 wants 4 of CHAI-500
    assert "ordercli: row 5 (order 1003): insufficient stock for CHAI-500: requested 4, available 3" in outcome.stderr
    assert table_count(cli, "orders") == 0
    waiting = cli("import", str(EXAMPLE), "--backorder")
    assert waiting.exit_code == 0, waiting
    assert "3 unit(s) promised, 1 waiting for stock" in waiting.stderr
    line = order_of(cli, "W-1003")["lines"][0]
    assert (line["promised"], line["waiting"]) == ([{"location": "main", "quantity": 3}], 1)
    assert cli("stock", "check").exit_code == 0


def test_our_own_export_imports_into_another_database_without_gaining_an_apostrophe(cli, tmp_path, backend):
    names = {"F1": "=1+1", "F2": "'=1+1", "F3": "-5 % club", "F4": "@home", "F5": "'t Hoekje"}
    for ref, name in names.items():
        outcome = cli("create", "--name", name, "--email", f"{ref.lower()}@example.com", "--phone", "+4930 1234567",
                      "--address", f"{name} 1", "--city", "Berlin", "--country", "DE", "--channel", "web",
                      "--ref", ref, "--line", "FEE:1@2.50:=HYPERLINK(\"x\")", "--note", name)
        assert outcome.exit_code == 0, outcome
    plain = cli("create", *CUSTOMER, "--line", "FEE:1@2.50:Fee")  # no reference: `order N` in the other database
    assert plain.exit_code == 0, plain
    exported = cli("export", "--out", str(tmp_path / "orders.csv"))
    assert exported.exit_code == 0, exported
    from tests.helpers import Cli

    other = Cli(str(tmp_path / "other.db"), tmp_path)
    outcome = other("import", str(tmp_path / "orders.csv"))
    assert outcome.exit_code == 0, outcome
    for ref, name in names.items():
        order = order_of(other, ref)
        assert (order["customer"]["name"], order["billing_address"]["line1"], order["note"]) == (
            name, f"{name} 1", name)
        assert order["customer"]["phone"] == "+49301234567"
        assert order["lines"][0]["description"] == '=HYPERLINK("x")'
    assert order_of(other, "order 6")["customer"]["name"] == "Maria Anders"
    again = other("import", str(tmp_path / "orders.csv"))  # and again: nothing twice
    assert again.exit_code == 0 and "were imported before" in again.stderr


def test_json_lines_import_orders_as_create_takes_them(cli, tmp_path):
    path = tmp_path / "orders.jsonl"
    orders = [
        {"order": "J-1", "channel": "web", "channel_ref": "WEB-1", "status": "closed",
         "placed_at": "2026-02-01T10:00:00Z", "fulfilled_at": "2026-02-03T09:00:00Z",
         "customer": {"name": "Paul Henriot", "email": "paul@example.fr"},
         "billing_address": {"line1": "59 rue de l'Abbaye", "city": "Reims", "postal_code": "51100", "country": "FR"},
         "lines": [{"sku": "GIFTBOX", "quantity": 2, "unit_price": "14.00", "description": "Gift box",
                    "tax_rate": "20", "tax": "5.60"}],
         "shipping": {"amount": "4.90", "tax_rate": "20", "tax": "0.98"},
         "totals": {"subtotal": "28.00", "tax": "6.58", "total": "39.48"}},
        {"order": 2, "channel": "phone", "customer": {"name": "Ana Trujillo", "phone": "+52 55 5555 4729"},
         "billing_address": {"line1": "Avda. de la Constitución 2222", "city": "México D.F.", "country": "MX"},
         "lines": [{"sku": "SETUP", "quantity": 1, "unit_price": "120.00", "description": "Installation"}]},
    ]
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in orders), encoding="utf-8")
    outcome = cli("import", str(path))
    assert outcome.exit_code == 0, outcome
    closed = order_of(cli, "WEB-1")
    assert (closed["status"], str(amount(closed["totals"]["total"])), closed["shipments"][0]["stage"]) == (
        "closed", "39.48", "delivered")
    assert order_of(cli, "order 2")["status"] == "open"


@pytest.mark.parametrize("args, code, message", [
    (["import", "missing.csv"], 5, "ordercli: cannot read missing.csv: No such file or directory"),
    (["import", "{latin}"], 5, "ordercli: {latin} is not UTF-8 text"),
    (["import", "{columns}"], 5, "ordercli: this is not ordercli's order layout (the columns of `ordercli export`): "
                                 "unknown columns: colour; missing columns: sku, quantity"),
    (["import", "{example}", "--format", "woo"], 2,
     "ordercli: --format 'woo' is not one of ordercli, shopify (see ordercli import --help)"),
    (["import", "{shopify}"], 5, "ordercli: the columns are those of Shopify's orders export: give --format shopify"),
    (["import", "{separators}"], 5, "ordercli: row 2 (order 1): price '1.234,50': use a point for decimals and no "
                                    "thousands separators, as in 1234.50"),
])
def test_bad_input_is_refused_with_one_clear_line_and_nothing_changes(cli, tmp_path, args, code, message):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("order,customer_name\n1,Jos\xe9\n".encode("latin-1"))
    columns = tmp_path / "columns.csv"
    columns.write_text("order,customer_name,customer_email,billing_line1,billing_city,billing_country,colour\n"
                       "1,Ana,ana@example.com,Avda. 1,Madrid,ES,red\n", encoding="utf-8")
    rows = [{"order": "1", "customer_name": "Ana", "customer_email": "ana@example.com", "billing_line1": "Avda. 1",
             "billing_city": "Madrid", "billing_country": "ES", "sku": "FEE", "description": "Fee", "quantity": "1",
             "unit_price": "1.234,50"}]
    separators = write(tmp_path / "separators.csv", rows)
    paths = {"latin": latin, "columns": columns, "example": EXAMPLE, "shopify": SHOPIFY_EXAMPLE,
             "separators": separators}
    outcome = cli(*[a.format(**paths) for a in args])
    assert outcome.exit_code == code, outcome
    assert message.format(**paths) in outcome.stderr.splitlines()
    assert outcome.stdout == ""
    assert table_count(cli, "orders") == 0


# -- Shopify -------------------------------------------------------------------------------------


def test_a_shopify_export_imports_with_its_orders_lines_customers_addresses_codes_and_totals(cli):
    outcome = cli("import", str(SHOPIFY_EXAMPLE), "--format", "shopify")
    assert outcome.exit_code == 0, outcome
    assert "added 1 promo code(s) the file names, expired: they apply to no new order (WELCOME10)" in outcome.stderr
    statuses = {r.channel_ref: r.status for r in query(cli, "SELECT channel_ref, status FROM orders")}
    assert statuses == {"#1001": "closed", "#1002": "open", "#1003": "returned", "#1004": "canceled",
                        "#1005": "partially_shipped", "#1006": "closed"}
    first = order_of(cli, "#1001")
    assert first["customer"] == {"id": first["customer"]["id"], "name": "Olivia Martin",
                                 "email": "olivia.martin@example.com", "phone": "+14155550132"}
    assert first["billing_address"] == {"name": "Olivia Martin, Martin Design Studio", "line1": "1450 Mission Street",
                                        "line2": "Suite 300", "city": "San Francisco", "region": "CA",
                                        "postal_code": "94103", "country": "US"}
    assert first["promo_code"] == "WELCOME10" and first["placed_at"] == "2024-03-04T18:12:40Z"
    assert [(l["sku"], l["description"], l["quantity"], str(amount(l["unit_price"])), str(amount(l["discount"])))
            for l in first["lines"]] == [("TEE-BLK-M", "Classic Tee - Black / M", 2, "24.00", "4.80"),
                                         ("MUG-11OZ", "Ceramic Mug - 11 oz", 1, "14.50", "1.45")]
    second = order_of(cli, "#1002")
    assert second["shipping_address"]["name"] == "Emma Wilson" and second["shipping_address"]["postal_code"] == "11249"
    partial = order_of(cli, "#1005")
    assert [line["shipped"] for line in partial["lines"]] == [2, 0]
    assert partial["customer"]["id"] == first["customer"]["id"]  # the same customer, by email
    assert order_of(cli, "#1006")["lines"][0]["kind"] == "service"  # a gift card requires no shipping
    for row in rows_of(SHOPIFY_EXAMPLE):
        if not row["Total"]:
            continue
        totals = order_of(cli, row["Name"])["totals"]
        assert (str(amount(totals["subtotal"]) - amount(totals["discount"])), str(amount(totals["shipping"])),
                str(amount(totals["tax"])), str(amount(totals["total"]))) == (
            row["Subtotal"], row["Shipping"], row["Taxes"], row["Total"]), row["Name"]
    assert table_count(cli, "customers") == 5
    again = cli("import", str(SHOPIFY_EXAMPLE), "--format", "shopify")
    assert again.exit_code == 0 and "all 6 order(s) were imported before" in again.stderr


def test_a_shopify_order_whose_prices_include_tax_is_refused(cli, tmp_path):
    rows = rows_of(SHOPIFY_EXAMPLE)
    rows[0]["Total"] = "62.24"  # Subtotal + Shipping: the taxes are in the prices
    path = write(tmp_path / "taxes-included.csv", rows)
    outcome = cli("import", str(path), "--format", "shopify")
    assert outcome.exit_code == 5, outcome
    assert "ordercli: row 2 (order #1001): its prices include tax (Total 62.24 = Subtotal + Shipping, with Taxes " \
           "4.51 in them): ordercli keeps prices net of tax and cannot take these amounts as stated" \
           in outcome.stderr
    assert table_count(cli, "orders") == 0


def test_preparing_alone_or_in_child_processes_stores_the_same(cli, tmp_path):
    """The import prepares orders in child processes where it can: the database ends the same."""
    from tests.helpers import Cli, arranging

    assert cli("import", str(EXAMPLE)).exit_code == 0
    alone = Cli(str(tmp_path / "alone.db"), tmp_path) if cli.target.endswith(".db") else None
    if alone is None:
        pytest.skip("compared on SQLite")
    from ordercli.io.text_input import open_text
    from ordercli.services.importing import ImportOptions, import_orders

    with arranging(alone, "import") as (database, stamp), open_text(EXAMPLE) as stream:
        result, _ = import_orders(database, stream, stamp, ImportOptions(source_name=str(EXAMPLE)), parallel=False)
    assert result.applied and len(result.imported) == 4
    columns = "channel, channel_ref, status, subtotal_minor, discount_minor, tax_minor, total_minor, placed_at"
    assert query(alone, f"SELECT {columns} FROM orders ORDER BY id") == query(cli, f"SELECT {columns} FROM orders "
                                                                                 "ORDER BY id")
    assert counts(alone) == counts(cli)


def test_a_json_line_with_a_key_given_twice_is_refused_and_counted(cli, tmp_path):
    line = ('\ufeff{"channel": "web", "channel_ref": "A1", "channel_ref": "A2", "customer": {"name": "X", '
            '"email": "x@example.com"}, "billing_address": {"line1": "a", "city": "b", "country": "DE"}, '
            '"lines": [{"sku": "FEE", "quantity": 1, "unit_price": "1.00", "description": "d"}]}\n')
    path = tmp_path / "twice.jsonl"
    path.write_text(line, encoding="utf-8")
    outcome = cli("import", str(path))
    assert outcome.exit_code == 5
    assert outcome.stderr.splitlines() == [
        'ordercli: row 1: the key "channel_ref" is given twice in one object',
        "nothing imported: 1 problem(s) in 1 of 1 order(s) (listed above); fix them, or --skip-invalid to import "
        "the others"]
    assert table_count(cli, "orders") == 0
