import operator
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercli.domain.errors import InvalidData
from ordercli.domain.money import Money, apply_rate, normalize_currency, parse_money, parse_percent, percent_text


@pytest.mark.parametrize(
    "text, currency, minor",
    [("0", "EUR", 0), ("12.3", "EUR", 1230), ("12.34", "EUR", 1234), ("1500", "JPY", 1500),
     ("1.234", "KWD", 1234), (" 7.00 ", "USD", 700)],
)
def test_parses_amounts_into_minor_units_of_the_currency(text, currency, minor):
    assert parse_money(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    "text, currency, message",
    [
        ("NaN", "EUR", "not a finite number"),
        ("Infinity", "EUR", "not a finite number"),
        ("-Infinity", "EUR", "not a finite number"),
        ("1e9999", "EUR", "without an exponent"),
        ("1E2", "EUR", "without an exponent"),
        ("-1", "EUR", "negative"),
        ("0.001", "EUR", "more decimals than EUR allows (2)"),
        ("1.5", "JPY", "more decimals than JPY allows (0)"),
        ("abc", "EUR", "not a number"),
        ("", "EUR", "not a number"),
        ("1000000000", "EUR", "too large"),
    ],
)
def test_refuses_amounts_that_are_not_real_prices(text, currency, message):
    with pytest.raises(InvalidData, match=re.escape(message)):
        parse_money(text, currency)


def test_unknown_currency_is_refused():
    with pytest.raises(InvalidData, match="unknown currency 'EURO'"):
        normalize_currency("EURO")
    with pytest.raises(InvalidData, match="unknown currency 'ZZZ'"):
        normalize_currency("zzz")
    assert normalize_currency(" usd ") == "USD"


def test_money_refuses_to_add_across_currencies():
    with pytest.raises(ValueError, match="EUR with USD"):
        Money(100, "EUR") + Money(100, "USD")
    assert Money(100, "EUR") + Money(250, "EUR") == Money(350, "EUR")


@pytest.mark.parametrize("compare", [operator.lt, operator.le, operator.gt, operator.ge], ids=["<", "<=", ">", ">="])
def test_money_refuses_to_compare_across_currencies(compare):
    # without a rate there is no answer: 100 USD is neither less nor more than 200 EUR
    with pytest.raises(ValueError, match="cannot compare USD with EUR"):
        compare(Money(100, "USD"), Money(200, "EUR"))
    with pytest.raises(ValueError, match="cannot compare EUR with USD"):
        compare(Money(200, "EUR"), Money(100, "USD"))


def test_sorting_amounts_of_mixed_currencies_is_refused():
    with pytest.raises(ValueError, match="cannot compare"):
        sorted([Money(300, "EUR"), Money(100, "USD"), Money(200, "EUR")])
    with pytest.raises(ValueError, match="cannot compare"):
        max(Money(300, "EUR"), Money(100, "JPY"))


def test_money_of_one_currency_compares_by_amount():
    assert Money(100, "EUR") < Money(200, "EUR") and not Money(200, "EUR") < Money(100, "EUR")
    assert Money(200, "EUR") <= Money(200, "EUR") and not Money(201, "EUR") <= Money(200, "EUR")
    assert Money(-5, "EUR") < Money(0, "EUR")
    assert Money(300, "EUR") > Money(200, "EUR") and not Money(200, "EUR") > Money(200, "EUR")
    assert Money(200, "EUR") >= Money(200, "EUR") and not Money(199, "EUR") >= Money(200, "EUR")
    assert sorted([Money(300, "EUR"), Money(100, "EUR"), Money(200, "EUR")]) == [
        Money(100, "EUR"), Money(200, "EUR"), Money(300, "EUR")]
    assert max(Money(300, "EUR"), Money(1000, "EUR")) == Money(1000, "EUR")


def test_amounts_in_different_currencies_are_unequal_not_an_error():
    assert Money(100, "EUR") != Money(100, "USD")
    assert not Money(100, "EUR") == Money(100, "USD")
    assert Money(100, "EUR") == Money(100, "EUR")
    assert len({Money(100, "EUR"), Money(100, "USD"), Money(100, "EUR")}) == 2


def test_money_does_not_compare_with_plain_numbers():
    assert Money(100, "EUR") != 100
    for compare in (operator.lt, operator.le, operator.gt, operator.ge):
        with pytest.raises(TypeError):
            compare(Money(100, "EUR"), 100)
        with pytest.raises(TypeError):
            compare(100, Money(100, "EUR"))


def test_money_multiplies_by_whole_quantities_only():
    assert Money(199, "EUR") * 3 == Money(597, "EUR")
    with pytest.raises(TypeError):
        Money(199, "EUR") * 1.5


def test_amount_shows_exactly_the_currency_decimals():
    assert str(Money(5, "EUR").amount) == "0.05"
    assert str(Money(1500, "JPY").amount) == "1500"
    assert str(Money(1, "KWD").amount) == "0.001"


def test_rates_round_half_up_at_the_minor_unit():
    # 0.5 cent and above rounds up, below rounds down (not banker's rounding)
    assert apply_rate(250, Decimal("0.19")) == 48  # 47.5 -> 48
    assert apply_rate(50, Decimal("0.07")) == 4  # 3.5 -> 4
    assert apply_rate(10, Decimal("0.19")) == 2  # 1.9 -> 2
    assert apply_rate(7, Decimal("0.07")) == 0  # 0.49 -> 0


@pytest.mark.parametrize("text, basis_points", [("19", 1900), ("7.5", 750), ("0", 0), ("100", 10000), ("19%", 1900)])
def test_percentages_become_basis_points(text, basis_points):
    assert parse_percent(text) == basis_points


@pytest.mark.parametrize("text", ["-1", "101", "7.555", "NaN", "x"])
def test_refuses_percentages_out_of_range_or_too_precise(text):
    with pytest.raises(InvalidData):
        parse_percent(text)


@given(st.integers(min_value=0, max_value=10000))
def test_percent_text_reads_back_as_the_same_basis_points(basis_points):
    assert parse_percent(percent_text(basis_points)) == basis_points


@given(st.decimals(min_value=0, max_value=Decimal("999999999.99"), places=2, allow_nan=False, allow_infinity=False))
def test_any_two_decimal_amount_survives_a_round_trip_through_minor_units(amount):
    money = parse_money(str(amount), "EUR")
    assert money.amount == amount
