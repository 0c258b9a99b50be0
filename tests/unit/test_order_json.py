import json

import pytest

from ordercli.domain.errors import InvalidData
from ordercli.io.order_json import parse_order_json


def test_reads_a_whole_order_with_exact_numbers():
    request = parse_order_json(json.dumps({
        "channel": "web", "channel_ref": "W-1", "currency": "EUR",
        "customer": {"name": "Ana", "email": "ana@example.com"},
        "billing_address": {"line1": "Avda. 1", "city": "México D.F.", "country": "MX"},
        "lines": [{"sku": "CHAI", "quantity": 2}, {"sku": "FEE", "quantity": 1, "unit_price": 0.10, "description": "Fee"}],
    }).replace('"0.1"', "0.10"))
    assert request.name == "Ana"
    assert request.billing.city == "México D.F."
    assert request.shipping is None
    assert request.lines[1].unit_price == "0.1"
    assert request.lines[0].quantity == 2


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
    assert "lines[1].sku must be text or a number" in problems
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
