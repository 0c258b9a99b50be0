"""`ship --line SKU[:QTY]` and the manifest's sku and quantity columns, read by the domain."""

import pytest

from ordercli.domain.errors import InvalidData
from ordercli.domain.fulfillment import Want, parse_want


@pytest.mark.parametrize("text, want", [
    ("CHAI", Want("CHAI")),
    (" chai ", Want("CHAI")),
    ("CHAI:2", Want("CHAI", 2)),
    ("chai : 2", Want("CHAI", 2)),
    ("CHAI:0000000002", Want("CHAI", 2)),  # leading zeros are not digits too many
    ("CHAI:1000000", Want("CHAI", 1_000_000)),
    ("GIFT-WRAP/2.A_1:1", Want("GIFT-WRAP/2.A_1", 1)),
])
def test_a_sku_alone_or_with_a_whole_number_of_units(text, want):
    assert parse_want(text) == want


@pytest.mark.parametrize("text, message", [
    ("", "'' is not SKU or SKU:QTY"),
    (":3", "':3' is not SKU or SKU:QTY"),
    ("CHAI:3:4", "'CHAI:3:4' is not SKU or SKU:QTY"),
    ("CHAI:", "quantity '' of CHAI is not a whole number of units"),
    ("CHAI:-1", "quantity '-1' of CHAI is not a whole number of units"),
    ("CHAI:+1", "quantity '+1' of CHAI is not a whole number of units"),
    ("CHAI:1.5", "quantity '1.5' of CHAI is not a whole number of units"),
    ("CHAI:\u0663", "quantity '\u0663' of CHAI is not a whole number of units"),
    ("CHAI:0", "quantity of CHAI must be at least 1"),
    ("CHAI:1000001", "quantity '1000001' of CHAI is more than 1,000,000"),
    ("CHAI:" + "9" * 5000, "of CHAI is more than 1,000,000"),  # refused before int() reads 5,000 digits
    ("CHAI\u200b:1", "SKU 'CHAI\\u200b' is not valid"),
    ("CH\u0410I", "SKU 'CH\u0410I' is not valid"),
    ("CHAI\x1b[2J:1", "SKU 'CHAI\\x1b[2J' is not valid"),
    ("X" * 65, "is not valid (letters, digits and . _ / -, at most 64 characters)"),
])
def test_what_no_order_line_can_carry_is_refused_with_what_was_typed_quoted(text, message):
    with pytest.raises(InvalidData) as refused:
        parse_want(text)
    assert message in str(refused.value)
