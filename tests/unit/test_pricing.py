import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercli.domain.errors import InvalidData
from ordercli.domain.pricing import Discount, LineTerms, price_order, share


@given(st.integers(min_value=0, max_value=10**9), st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30))
def test_shares_add_up_exactly_and_stay_within_one_unit_of_the_exact_share(amount, weights):
    parts = share(amount, weights)
    total = sum(weights)
    if total == 0:
        assert parts == [0] * len(weights)
        return
    assert sum(parts) == amount
    for part, weight in zip(parts, weights):
        exact = amount * weight / total
        assert exact - 1 < part < exact + 1


def test_shares_go_to_the_largest_remainders_first():
    assert share(100, [1, 1, 1]) == [34, 33, 33]
    assert share(10, [3, 3, 4]) == [3, 3, 4]


def test_tax_is_rounded_per_line_and_summed():
    pricing = price_order([LineTerms(1, 250, 1900), LineTerms(1, 250, 1900)])
    # each line: 2.50 x 19 % = 0.475 -> 0.48; per order it would be 0.95
    assert [line.tax_minor for line in pricing.lines] == [48, 48]
    assert pricing.tax_minor == 96
    assert pricing.total_minor == 500 + 96


def test_a_percent_promo_is_taken_off_the_subtotal_and_shared_before_tax():
    pricing = price_order(
        [LineTerms(2, 1000, 1900), LineTerms(1, 1000, 700)],
        Discount(percent_bp=1000),
    )
    assert pricing.subtotal_minor == 3000
    assert pricing.discount_minor == 300
    assert [line.order_discount_minor for line in pricing.lines] == [200, 100]
    assert [line.net_minor for line in pricing.lines] == [1800, 900]
    assert [line.tax_minor for line in pricing.lines] == [342, 63]
    assert pricing.total_minor == 3000 - 300 + 342 + 63


def test_an_amount_promo_never_exceeds_the_subtotal():
    pricing = price_order([LineTerms(1, 300, 0)], Discount(amount_minor=1000))
    assert pricing.discount_minor == 300
    assert pricing.total_minor == 0


def test_line_discounts_as_percent_or_amount():
    pricing = price_order([LineTerms(4, 500, 0, Discount(percent_bp=1500)), LineTerms(1, 500, 0, Discount(amount_minor=120))])
    assert [line.discount_minor for line in pricing.lines] == [300, 120]
    assert pricing.subtotal_minor == 1700 + 380


def test_a_line_discount_larger_than_the_line_is_refused():
    with pytest.raises(InvalidData, match="line 1: the discount is larger than the line"):
        price_order([LineTerms(1, 100, 0, Discount(amount_minor=101))])


def test_totals_beyond_a_safe_integer_range_are_refused():
    with pytest.raises(InvalidData, match="too large"):
        price_order([LineTerms(1_000_000, 99_999_999_999, 0)] * 2)


@given(st.lists(st.tuples(st.integers(1, 1000), st.integers(0, 10**7), st.sampled_from([0, 700, 1900, 2000])),
                min_size=1, max_size=20),
       st.one_of(st.none(), st.integers(1, 10000).map(lambda p: Discount(percent_bp=p)),
                 st.integers(1, 10**8).map(lambda a: Discount(amount_minor=a))))
def test_an_order_always_adds_up(lines, discount):
    pricing = price_order([LineTerms(q, p, t) for q, p, t in lines], discount)
    assert pricing.subtotal_minor - pricing.discount_minor == sum(line.net_minor for line in pricing.lines)
    assert pricing.tax_minor == sum(line.tax_minor for line in pricing.lines)
    assert pricing.total_minor == sum(line.total_minor for line in pricing.lines)
    assert all(line.net_minor >= 0 for line in pricing.lines)
