import pytest

from ordercli.domain.errors import InvalidData
from ordercli.domain.validation import (
    clean_text,
    normalize_country,
    normalize_email,
    normalize_gtin,
    normalize_phone,
    normalize_sku,
    parse_order_number,
    parse_quantity,
)


def test_emails_are_checked_offline_and_normalized():
    assert normalize_email("Maria@Example.COM") == "maria@example.com"
    # a domain that cannot exist still passes: no DNS lookups, works offline
    assert normalize_email("ops@no-such-domain-4f2a9c.com") == "ops@no-such-domain-4f2a9c.com"


@pytest.mark.parametrize("text", ["maria", "maria@", "@example.com", "ma ria@example.com", "maria@example"])
def test_bad_emails_are_refused(text):
    with pytest.raises(InvalidData, match="is not valid"):
        normalize_email(text)


def test_phones_are_parsed_in_the_customers_country_and_stored_as_e164():
    assert normalize_phone("030-0074321", "DE") == "+49300074321"
    assert normalize_phone("+44 20 7946 0958", None) == "+442079460958"
    assert normalize_phone("(503) 555-9831", "US") == "+15035559831"


@pytest.mark.parametrize("text, country, message", [
    ("12", "DE", "not a valid number"),
    ("hello", "DE", "not a phone number"),
    ("030-0074321", None, "give it with \\+country code"),
])
def test_bad_phones_are_refused(text, country, message):
    with pytest.raises(InvalidData, match=message):
        normalize_phone(text, country)


@pytest.mark.parametrize("text, code", [("DE", "DE"), ("de", "DE"), ("DEU", "DE"), ("Germany", "DE"), ("Mexico", "MX")])
def test_countries_are_iso_codes(text, code):
    assert normalize_country(text) == code


@pytest.mark.parametrize("text", ["XX", "Narnia", "", "D"])
def test_unknown_countries_are_refused(text):
    with pytest.raises(InvalidData, match="unknown country"):
        normalize_country(text)


def test_skus_are_upper_case_and_limited_to_safe_characters():
    assert normalize_sku(" chai-1 ") == "CHAI-1"
    for bad in ["", "-X", "A B", "A:B", "X" * 65, "=cmd()"]:
        with pytest.raises(InvalidData):
            normalize_sku(bad)


@pytest.mark.parametrize("value, number", [("1", 1), (" 12 ", 12), (5, 5), ("1000000", 1_000_000)])
def test_quantities_are_whole_and_positive(value, number):
    assert parse_quantity(value) == number


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "abc", "", "1000001", True, "1e3"])
def test_bad_quantities_are_refused(value):
    with pytest.raises(InvalidData):
        parse_quantity(value)


def test_signed_quantities_for_adjustments():
    assert parse_quantity("-3", allow_negative=True) == -3
    assert parse_quantity("+3", allow_negative=True) == 3
    with pytest.raises(InvalidData, match="must not be zero"):
        parse_quantity("0", allow_negative=True)


def test_order_numbers():
    assert parse_order_number("1042") == 1042
    assert parse_order_number("#1042") == 1042
    for bad in ["0", "-1", "abc", "1.0", "", "١٢"]:
        with pytest.raises(InvalidData, match="is not an order number"):
            parse_order_number(bad)


def test_text_is_trimmed_and_control_characters_are_refused():
    assert clean_text("  Anna  ", "name") == "Anna"
    assert clean_text("   ", "name") is None
    with pytest.raises(InvalidData, match="name is required"):
        clean_text("", "name", required=True)
    with pytest.raises(InvalidData, match="control characters"):
        clean_text("Anna\x1b[31m", "name")
    with pytest.raises(InvalidData, match="longer than 5"):
        clean_text("abcdef", "name", max_length=5)


def test_gtins_need_a_correct_check_digit():
    assert normalize_gtin("4006381333931") == "4006381333931"
    with pytest.raises(InvalidData, match="GTIN"):
        normalize_gtin("4006381333932")
