import json

import pytest

from ordercli.domain.errors import InvalidData
from ordercli.io.order_json import parse_order_json


def test_reads_a_whole_order_with_exact_numbers():
    request = parse_order_json("""{
        "channel": "web", "channel_ref": "W-1", "currency": "EUR",
        "customer": {"name": "Ana", "email": "ana@example.com"},
        "billing_address": {"line1": "Avda. 1", "city": "México D.F.", "postal_code": "05021", "country": "MX"},
        "lines": [{"sku": "CHAI", "quantity": 2}, {"sku": "FEE", "quantity": 1, "unit_price": 0.10,
                   "description": "Fee"}]}""")
    assert request.name == "Ana"
    assert request.billing.city == "México D.F." and request.billing.postal_code == "05021"
    assert request.shipping is None
    assert request.lines[1].unit_price == "0.10"  # exactly as written, never a float
    assert request.lines[0].quantity == "2"


def test_unknown_fields_and_wrong_types_are_all_listed():
    with pytest.raises(InvalidData) as error:
        parse_order_json(json.dumps({
            "customer": {"name": "Ana", "mail": "x"},
            "lines": [{"sku": "A", "qty": 1}, {"sku": ["A"], "quantity": True}],
            "colour": "red",
        }))
    problems = error.value.problems
    assert "unknown field colour" in problems
    assert "unknown field customer.mail" in problems
    assert "unknown field lines[0].qty" in problems
    assert "lines[1].sku must be text (in quotes)" in problems
    assert "lines[1].quantity must be text or a number" in problems


@pytest.mark.parametrize("text, message", [
    ("{", "not valid JSON"),
    ("[]", "one JSON object"),
    ('{"lines": {}}', "lines must be a list"),
    ('{"backorder": "yes"}', "backorder must be true or false"),
])
def test_malformed_files_are_refused(text, message):
    with pytest.raises(InvalidData, match=message):
        parse_order_json(text)


def test_numbers_in_text_fields_are_refused_and_exponents_stay_visible():
    with pytest.raises(InvalidData) as error:
        parse_order_json(json.dumps({"channel": 5, "customer": {"email": 12},
                                     "billing_address": {"postal_code": 5021},
                                     "lines": [{"sku": "A", "quantity": 1, "unit_price": 1e2}]}))
    assert set(error.value.problems) == {"channel must be text (in quotes)", "customer.email must be text (in quotes)",
                                         "billing_address.postal_code must be text (in quotes)"}
    request = parse_order_json('{"lines": [{"sku": "A", "quantity": 2, "unit_price": 1e2}]}')
    assert request.lines[0].unit_price == "1e2"  # refused later, like on the command line
    assert request.lines[0].quantity == "2"
