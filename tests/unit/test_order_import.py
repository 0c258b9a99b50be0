"""Reading order files to import, and the import's own rules (no database): both layouts and
JSON lines, headers, rows, amounts as the file states them, statuses, times, re-imports."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pytest

from ordercli.domain.errors import InvalidData
from ordercli.domain.importing import (Content, ImportedOrder, ImportProblem, StatedLine, StatedOrder, SHOPIFY_RULE,
                                       check_order, differences, located, parse_file_time, place, plan_fulfillment,
                                       rate_from_tax_names, read_shopify_status)
from ordercli.domain.orders import AddressRequest, LineRequest, OrderRequest, ProductTerms, validate_order
from ordercli.domain.statuses import Status
from ordercli.io.export_formats import LINES, SHOPIFY
from ordercli.io.order_import import FORMATS, OrderReader
from tests.helpers import ROOT

EXAMPLE = ROOT / "examples" / "import" / "orders.csv"
SHOPIFY_EXAMPLE = ROOT / "examples" / "import" / "shopify-orders.csv"


def read(text: str, fmt: str = "ordercli") -> list:
    return list(OrderReader(io.StringIO(text, newline=""), fmt))


def csv_text(rows: list[dict], columns=LINES) -> str:
    import csv

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def line_row(**values) -> dict:
    """A row of ordercli's layout: one order of one line that adds up, with `values` changed."""
    row = {"order": "1", "channel": "web", "channel_ref": "W-1", "status": "open", "currency": "EUR",
           "customer_name": "Maria Anders", "customer_email": "maria@example.com", "billing_line1": "Obere Str. 57",
           "billing_city": "Berlin", "billing_country": "DE", "subtotal": "10.00", "discount": "0.00",
           "shipping": "0.00", "tax": "1.90", "total": "11.90", "line": "1", "sku": "FEE", "description": "Fee",
           "kind": "service", "quantity": "1", "unit_price": "10.00", "tax_rate": "19", "line_net": "10.00",
           "line_tax": "1.90", "line_total": "11.90", "shipped": "0"}
    row.update(values)
    return row


def checked(text: str, fmt: str = "ordercli"):
    [order] = read(text, fmt)
    return check_order(order, "EUR")


# -- the two layouts ------------------------------------------------------------------------------


def test_the_example_reads_as_four_orders_with_their_rows():
    with open(EXAMPLE, encoding="utf-8", newline="") as stream:
        orders = list(OrderReader(stream, "ordercli"))
    assert [(o.source, o.rows, o.status) for o in orders] == [
        ("1001", [2, 3], "closed"), ("1002", [4], "canceled"), ("1003", [5, 6], "open"), ("1004", [7], "open")]
    first = orders[0]
    assert first.request.email == "maria.anders@example.com" and len(first.request.lines) == 2
    assert first.fulfilled_at == "2026-03-04T16:30:00Z"
    assert orders[2].request.shipping.line2 == "Bureau 12"  # its own shipping address
    assert orders[0].request.shipping is not None  # the export repeats the billing address there


def test_customer_text_guarded_by_export_reads_back_without_the_apostrophe():
    order = read(csv_text([line_row(customer_name="'=1+1", billing_line1="''=2", description="'-5 % sale",
                                    note="'t Hoekje")]))[0]
    assert order.request.name == "=1+1"  # the one ' export added, taken off
    assert order.request.billing.line1 == "'=2"  # a name that really starts with ' keeps it
    assert order.request.lines[0].description == "-5 % sale"
    assert order.request.note == "'t Hoekje"  # no formula behind the ': it was never guarded


@pytest.mark.parametrize("header, message", [
    (["order", "customer_name", "colour"], "unknown columns: colour"),
    (["order", "customer_name"], "missing columns: billing_line1, billing_city, billing_country, sku, quantity, "
                                 "customer_email or customer_phone"),
    (list(LINES) + ["sku"], "columns named twice: sku"),
    (list(SHOPIFY), "the columns are those of Shopify's orders export: give --format shopify"),
])
def test_a_wrong_header_refuses_the_whole_file(header, message):
    with pytest.raises(InvalidData, match=message):
        read(",".join(header) + "\r\n")


def test_a_shopify_import_of_ordercli_columns_says_which_format_it_is():
    with pytest.raises(InvalidData, match="the columns are those of ordercli export: give --format ordercli"):
        read(",".join(LINES) + "\r\n", "shopify")


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"),
    (",".join(LINES) + "\r\n", "the file holds no orders, only its header"),
    ('{"lines": []}\n', None),
])
def test_empty_files_are_refused(text, message):
    if message is None:
        with pytest.raises(InvalidData, match="Shopify's orders export is CSV"):
            read(text, "shopify")
        return
    with pytest.raises(InvalidData, match=message):
        read(text)


def test_rows_of_an_order_must_be_together():
    text = csv_text([line_row(), line_row(order="2", channel_ref="W-2"), line_row(line="2", sku="FEE2")])
    with pytest.raises(InvalidData, match=r"the rows of order 1 are not together \(row 2, then row 4"):
        read(text)


def test_rows_of_one_order_must_agree_on_the_order_and_each_line_stands_on_its_row():
    text = csv_text([line_row(), line_row(line="2", sku="FEE2", customer_email="other@example.com")])
    [order] = read(text)
    assert order.line_rows == [2, 3]
    assert order.problems == ["row 3 of the order says another customer_email than row 2"]


def test_lines_are_taken_in_their_line_order():
    text = csv_text([line_row(line="2", sku="B"), line_row(line="1", sku="A")])
    [order] = read(text)
    assert [line.sku for line in order.request.lines] == ["A", "B"] and order.line_rows == [3, 2]


def test_a_row_without_an_order_is_a_problem_of_its_own():
    items = read(csv_text([line_row(order=""), line_row(order="2", channel_ref="W-2")]))
    assert isinstance(items[0], ImportProblem) and items[0].row == 2
    assert "order is empty" in str(items[0])
    assert isinstance(items[1], ImportedOrder)


def test_formats_offered_are_the_commands_choices():
    from ordercli.cli.importing import FORMATS as CHOICES

    assert CHOICES == FORMATS


# -- JSON lines -----------------------------------------------------------------------------------


def json_order(**values) -> dict:
    order = {"channel": "web", "channel_ref": "W-7", "status": "closed", "placed_at": "2026-02-01T10:00:00Z",
             "customer": {"name": "Paul Henriot", "email": "paul@example.fr"},
             "billing_address": {"line1": "59 rue de l'Abbaye", "city": "Reims", "country": "FR"},
             "lines": [{"sku": "BOX", "quantity": 2, "unit_price": "14.00", "description": "Gift box",
                        "tax_rate": "20", "shipped": 2}],
             "totals": {"total": "33.60"}}
    order.update(values)
    return order


def test_json_lines_are_create_orders_with_the_imports_keys():
    [order] = read(json.dumps(json_order()) + "\n")
    assert (order.source, order.rows, order.status, order.placed_at) == ("W-7", [1], "closed", "2026-02-01T10:00:00Z")
    assert order.lines[0].shipped == "2" and order.stated.total == "33.60"
    assert order.request.lines[0].quantity == "2"  # numbers as written, never floats
    result = check_order(order, "EUR")
    assert result.status == Status.CLOSED


def test_json_lines_refuse_unknown_keys_and_bad_lines_each_on_its_row():
    items = read(json.dumps(json_order(colour="red")) + "\n\nnot json\n" + '{"a": 1, "a": 2}\n')
    assert "unknown field colour" in items[0].problems
    assert [(type(i).__name__, i.row) for i in items[1:]] == [("ImportProblem", 3), ("ImportProblem", 4)]
    assert "not valid JSON" in str(items[1]) and "given twice" in str(items[2])


def test_a_json_order_without_a_reference_is_refused():
    order = json_order()
    del order["channel_ref"]
    [read_order] = read(json.dumps(order) + "\n")
    with pytest.raises(InvalidData, match="needs its channel_ref or its order number"):
        check_order(read_order, "EUR")


# -- amounts, times, statuses --------------------------------------------------------------------


@pytest.mark.parametrize("price", ["1,234.50", "1.234,50", "1 234,50", "12,50", "1'234.50"])
def test_amounts_with_a_thousands_separator_or_a_decimal_comma_are_refused_by_the_rule(price):
    with pytest.raises(InvalidData) as error:
        checked(csv_text([line_row(unit_price=price)]))
    assert error.value.problems == [f"line 1: price {price!r}: use a point for decimals and no thousands "
                                    "separators, as in 1234.50"]  # said once, not again by create's own checks


@pytest.mark.parametrize("text, expected", [
    ("2026-11-29T10:15:00Z", datetime(2026, 11, 29, 10, 15, tzinfo=timezone.utc)),
    ("2026-11-29T11:15:00+01:00", datetime(2026, 11, 29, 10, 15, tzinfo=timezone.utc)),
    ("2024-03-05 14:22:31 -0800", datetime(2024, 3, 5, 22, 22, 31, tzinfo=timezone.utc)),
    ("2026-11-29 10:15", datetime(2026, 11, 29, 10, 15, tzinfo=timezone.utc)),
    ("", None),
])
def test_times_as_files_write_them(text, expected):
    assert parse_file_time(text, "placed_at") == expected


@pytest.mark.parametrize("text", ["yesterday", "29.11.2026", "2026-13-01T00:00:00Z", "٢٠٢٦-11-29"])
def test_times_that_cannot_be_read_are_refused(text):
    with pytest.raises(InvalidData, match="placed_at .* is not a time"):
        parse_file_time(text, "placed_at")


def test_stated_totals_must_add_up_with_the_lines():
    with pytest.raises(InvalidData) as error:
        place(checked(csv_text([line_row(total="12.00", line_net="9.00")])), {})
    assert "line 1: net 9.00 is not quantity x unit price less its discounts (10.00)" in error.value.problems
    assert "the total 12.00 is not what its lines make (11.90)" in error.value.problems


def test_amounts_are_kept_as_stated_when_they_add_up():
    # the tax is the file's (rounded down on the channel), not 19 % of 10.05 = 1.91
    row = line_row(unit_price="10.05", line_net="10.05", line_tax="1.90", line_total="11.95", subtotal="10.05",
                   tax="1.90", total="11.95")
    placed = place(checked(csv_text([row])), {})
    assert (placed.pricing.tax_minor, placed.pricing.total_minor, placed.pricing.lines[0].tax_minor) == (190, 1195, 190)


def test_an_order_discount_stated_as_a_whole_is_shared_over_the_lines():
    rows = [line_row(unit_price="10.00", line_net="", line_tax="", line_total="", subtotal="30.00", discount="3.00",
                     tax="", total=""),
            line_row(line="2", sku="FEE2", quantity="2", unit_price="10.00", line_net="", line_tax="", line_total="",
                     subtotal="30.00", discount="3.00", tax="", total="")]
    placed = place(checked(csv_text(rows)), {})
    assert [line.order_discount_minor for line in placed.pricing.lines] == [100, 200]
    assert placed.pricing.discount_minor == 300 and placed.pricing.subtotal_minor == 3000


def shopify_order(**values) -> ImportedOrder:
    """A Shopify order of two taxable lines, priced as Shopify writes it."""
    request = OrderRequest(name="Olivia Martin", email="olivia@example.com",
                           billing=AddressRequest(None, "1450 Mission Street", None, "San Francisco", "CA", "94103",
                                                  "US"),
                           channel="web", channel_ref="#1001", currency="USD", shipping_charge="5.99",
                           lines=[LineRequest("TEE", "2", "24.00", "Tee", "4.80", "7.25"),
                                  LineRequest("MUG", "1", "14.50", "Mug", "1.45", "7.25")])
    stated = StatedOrder(rule=SHOPIFY_RULE, subtotal="56.25", discount="6.25", tax="4.51", total="66.75",
                         tax_rate="7.25")
    for key, value in values.items():
        setattr(stated, key, value)
    return ImportedOrder("#1001", [2, 3], [2, 3], request, status="closed", stated=stated,
                         lines=[StatedLine(kind_hint="physical"), StatedLine(kind_hint="physical")])


def test_shopify_taxes_are_shared_over_the_lines_and_shipping_to_the_cent():
    placed = place(check_order(shopify_order(), "USD"), {})
    pricing = placed.pricing
    assert sum(line.tax_minor for line in pricing.lines) + pricing.shipping_tax_minor == 451
    assert (pricing.subtotal_minor - pricing.discount_minor, pricing.total_minor) == (5625, 6675)
    assert [line.kind for line in placed.lines] == ["physical", "physical"]  # requires shipping: goods to ship


def test_shopify_prices_that_include_tax_are_refused_not_recomputed():
    with pytest.raises(InvalidData, match="its prices include tax .*cannot take these amounts as stated"):
        place(check_order(shopify_order(total="62.24"), "USD"), {})  # 56.25 + 5.99: the taxes are inside


def test_a_shopify_subtotal_that_does_not_add_up_is_refused():
    with pytest.raises(InvalidData, match=r"the Subtotal 60.00 is not the lines after their discounts \(56.25\)"):
        place(check_order(shopify_order(subtotal="60.00", total="70.50"), "USD"), {})


@pytest.mark.parametrize("financial, fulfillment, cancelled, lines, expected", [
    ("paid", "fulfilled", "", ["fulfilled"], ("closed", [None])),
    ("paid", "unfulfilled", "", ["pending"], ("open", [None])),
    ("pending", "", "", [""], ("open", [None])),
    ("refunded", "fulfilled", "", ["fulfilled"], ("returned", [None])),
    ("voided", "unfulfilled", "2024-03-09 15:02:11 -0500", ["pending"], ("canceled", [None])),
    ("refunded", "unfulfilled", "", ["pending"], ("canceled", [None])),
    ("paid", "partial", "", ["fulfilled", "pending"], ("partially_shipped", ["2", "0"])),
    ("partially_refunded", "partial", "2024-03-09 15:02:11 -0500", ["fulfilled", "pending"],
     ("partially_closed", ["2", "0"])),
    ("partially_refunded", "fulfilled", "", ["fulfilled"], ("closed", [None])),
])
def test_shopify_statuses(financial, fulfillment, cancelled, lines, expected):
    status, note, shipped = read_shopify_status(financial, fulfillment, cancelled, lines, ["2"] * len(lines))
    assert (status, shipped) == expected
    assert note.startswith("Shopify: ")


@pytest.mark.parametrize("financial, fulfillment, lines, message", [
    ("paid", "partial", ["partial"], "Lineitem fulfillment status is partial: the export does not say how many"),
    ("gratis", "fulfilled", ["fulfilled"], "Financial Status 'gratis' is not one of"),
    ("paid", "shipped", ["fulfilled"], "Fulfillment Status 'shipped' is not one of"),
])
def test_shopify_statuses_that_cannot_be_read(financial, fulfillment, lines, message):
    with pytest.raises(InvalidData, match=message):
        read_shopify_status(financial, fulfillment, "", lines, ["2"])


@pytest.mark.parametrize("taxes, rate", [
    ([("VAT 20%", "3.00")], "20"),
    ([("CA State Tax 7.25%", "4.51"), ("", "")], "7.25"),
    ([("Quebec QST 9.975%", "1.00")], "9.98"),  # two decimals, half up
    ([("NY State Tax 4%", "3.56"), ("New York City Tax 4.5%", "4.01")], None),  # which lines each falls on: unknown
    ([("TVA 20%", "0.00")], None),  # charged nothing
    ([("Sales tax", "1.00")], None),
])
def test_the_rate_of_a_shopify_orders_lines_is_its_one_taxs(taxes, rate):
    assert rate_from_tax_names(taxes) == rate


def test_shopify_rows_read_zip_codes_without_the_apostrophe_and_the_company_beside_the_name():
    with open(SHOPIFY_EXAMPLE, encoding="utf-8", newline="") as stream:
        orders = list(OrderReader(stream, "shopify"))
    first = orders[0]
    assert first.request.billing.postal_code == "94103"
    assert first.request.billing.name == "Olivia Martin, Martin Design Studio"
    assert first.request.promo == "WELCOME10" and first.request.channel_ref == "#1001"
    assert [line.description for line in first.request.lines] == ["Classic Tee - Black / M", "Ceramic Mug - 11 oz"]
    assert orders[-1].request.shipping is None  # a gift card: no shipping address


# -- what an order becomes --------------------------------------------------------------------------


def resolved(*quantities):
    from ordercli.domain.orders import ResolvedLine

    return [ResolvedLine(i, 7, f"SKU{i}", "x", "physical", q, 100, None, 0, "ship")
            for i, q in enumerate(quantities, start=1)]


def test_a_closed_order_shipped_everything_and_holds_no_stock():
    plan = plan_fulfillment(Status.CLOSED, resolved(2, 1), [None, None])
    assert (plan.status, plan.shipped, plan.promise) == (Status.CLOSED, (2, 1), (0, 0))


def test_an_open_order_promises_its_lines_and_ready_to_ship_is_imported_as_open():
    plan = plan_fulfillment(Status.READY_TO_SHIP, resolved(2, 1), ["0", ""])
    assert (plan.status, plan.shipped, plan.promise) == (Status.OPEN, (0, 0), (2, 1))
    assert "verify it here" in plan.note


def test_a_partially_shipped_order_promises_what_is_left():
    plan = plan_fulfillment(Status.PARTIALLY_SHIPPED, resolved(3, 1), ["1", "0"])
    assert (plan.shipped, plan.promise) == ((1, 0), (2, 1))


@pytest.mark.parametrize("status, shipped, message", [
    (Status.CANCELED, ["1", "0"], "line 1: shipped 1, but a canceled order has shipped nothing"),
    (Status.CLOSED, ["1", None], "line 1: shipped 1 of 2, but a closed order has shipped every unit"),
    (Status.PARTIALLY_SHIPPED, [None, None], "a partially_shipped order needs the units each line shipped"),
    (Status.PARTIALLY_CLOSED, ["2", "1"], "has shipped some units and not all: its lines say all"),
    (Status.OPEN, ["3", "0"], "line 1: shipped 3 is more than its quantity 2"),
    (Status.RETURNED, ["0", "0"], "a returned order has shipped something that came back"),
])
def test_what_the_file_says_shipped_must_fit_its_status(status, shipped, message):
    with pytest.raises(InvalidData, match=message):
        plan_fulfillment(status, resolved(2, 1), shipped)


def test_a_historic_order_may_name_a_discontinued_product_an_open_one_may_not():
    products = {"FEE": ProductTerms(3, "FEE", "Fee", 1000, "EUR", 1900, "service", active=False)}
    placed = place(checked(csv_text([line_row(status="closed", shipped="1")])), products)
    assert placed.lines[0].product_id == 3
    with pytest.raises(InvalidData, match="FEE is discontinued"):
        place(checked(csv_text([line_row()])), products)


def test_the_same_order_again_differs_in_nothing_and_other_content_is_named():
    placed = place(checked(csv_text([line_row()])), {})
    from ordercli.domain.importing import content_of

    mine = content_of(placed)
    assert differences(mine, mine) == []
    stored = mine._replace(name="Maria Schmidt", total_minor=1200,
                           lines=((*mine.lines[0][:1], 2, *mine.lines[0][2:]),))
    assert differences(mine, stored) == ["customer_name", "total", "line 1 (quantity)"]


def test_a_lines_problem_is_reported_on_the_lines_row():
    text = csv_text([line_row(), line_row(line="2", sku="bad sku!", quantity="0")])
    [order] = read(text)
    with pytest.raises(InvalidData) as error:
        check_order(order, "EUR")
    found = located(order, error.value, {})
    assert [(p.row, p.message) for p in found if p.row == 3][0][1].startswith("SKU 'bad sku!' is not valid")
    assert all(p.source == "1" for p in found)
    assert str(found[0]).startswith("row 3 (order 1): ")


def test_checking_with_a_memo_gives_what_checking_without_one_gives():
    """`create`'s own checks, remembered across orders, say exactly what they say each time."""
    memo: dict = {}
    requests = [
        OrderRequest(name="Ana", email="ana@example.com", phone="+52 55 5555 4729",
                     billing=AddressRequest(None, "Avda. 1", None, "México D.F.", None, "05021", "MX"),
                     lines=[LineRequest("FEE", "1", "10", "Fee")]),
        OrderRequest(name="Ana", email="not an email", billing=AddressRequest(None, "Avda. 1", None, "x", None, None,
                                                                               "Atlantis"),
                     shipping=AddressRequest(None, "", None, "y", None, None, "DE"),
                     lines=[LineRequest("bad sku!", "0", "-1", None)]),
    ]
    for request in requests * 2:  # the second time from the memo
        try:
            expected = validate_order(request, "EUR")
        except InvalidData as error:
            expected = error.problems
        try:
            got = validate_order(request, "EUR", memo=memo)
        except InvalidData as error:
            got = error.problems
        assert got == expected
    assert memo  # and it did remember


def test_content_compares_only_what_the_file_gave():
    base = Content("Ana", None, None, (None,) * 7, (None,) * 7, "EUR", None, None, 0, 0, 0, 0, 0, 0, None,
                   (("FEE", 1, 100, 0, 0, 100, 0, None, None, None, None),))
    stored = base._replace(email="ana@example.com", placed_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                           lines=(("FEE", 1, 100, 0, 0, 100, 0, 1900, "Fee", "service", "service"),))
    assert differences(base, stored) == []
