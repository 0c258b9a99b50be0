"""Hostile values for the parsers outside validation.py: money, times, promo codes, location
names, the order JSON and the reading of files and stdin."""

import io
import sys
from datetime import datetime, timezone

import pytest

from ordercli.domain.errors import InvalidData
from ordercli.domain.money import Money, normalize_currency, parse_money, parse_percent
from ordercli.domain.orders import validate_order
from ordercli.domain.promos import normalize_code
from ordercli.domain.stock import normalize_location_name
from ordercli.domain.times import parse_duration, parse_when
from ordercli.io.order_json import parse_order_json
from ordercli.io.text_input import open_text, read_text

ORDER = ('{"customer": {"name": "Ana", "email": "ana@example.com"}, '
         '"billing_address": {"line1": "Avda. 1", "city": "Madrid", "country": "ES"}, '
         '"lines": [{"sku": "FEE", "quantity": QTY, "unit_price": "1.00", "description": "Fee"}]}')


# -- money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["\u0663.00", "\uff13.00", "3.\u0660\u0660", "\u0969", "1_000", " 1 000"])
def test_prices_are_written_in_ascii_digits_only(text):
    with pytest.raises(InvalidData, match="is not a number"):
        parse_money(text, "EUR")


def test_a_price_of_thousands_of_digits_is_refused_before_it_is_parsed():
    with pytest.raises(InvalidData, match=r"^price '1{40}'\.\.\. \(5,001 characters\) is too long for a number"):
        parse_money("1" * 5000 + ".", "EUR")
    assert parse_money("0000000000000000000000000012.50", "EUR") == Money(1250, "EUR")


@pytest.mark.parametrize("text", ["\u0667", "\u0661\u0669%", "\uff11\uff19"])
def test_tax_rates_and_percent_discounts_are_ascii_digits(text):
    with pytest.raises(InvalidData, match="is not a number"):
        parse_percent(text, "tax rate")


@pytest.mark.parametrize("text", ["\u0415UR", "\uff25\uff35\uff32"])  # a Cyrillic E; fullwidth EUR
def test_currencies_are_ascii_codes(text):
    with pytest.raises(InvalidData, match="unknown currency"):
        normalize_currency(text)


# -- times ----------------------------------------------------------------------------------------


def test_durations_and_dates_are_ascii_digits():
    for text in ("\u0662h", "\uff12h", "\u0662\u0660\u0662\u0666-01-01"):
        with pytest.raises(InvalidData):
            parse_when(text, datetime(2026, 11, 28, tzinfo=timezone.utc))
    with pytest.raises(InvalidData, match="is not a duration"):
        parse_duration("\u0663d")


def test_a_duration_of_thousands_of_digits_is_too_long_not_a_crash():
    with pytest.raises(InvalidData, match=r"\(5,001 characters\) is too long a duration"):
        parse_duration("9" * 5000 + "h")
    assert parse_duration("0002h").total_seconds() == 7200


# -- identifiers that are upper- or lower-cased ---------------------------------------------------


def test_promo_codes_and_location_names_are_ascii_before_their_case_is_changed():
    assert normalize_code(" welcome10 ") == "WELCOME10"
    for lookalike in ("\ufb00", "wel\u0131come"):  # the ligature ff upper-cases to FF, dotless i to I
        with pytest.raises(InvalidData, match="promo code .* is not valid"):
            normalize_code(lookalike)
    assert normalize_location_name(" Main ") == "main"
    with pytest.raises(InvalidData, match="location name .* is not valid"):
        normalize_location_name("\u212aiel")  # the Kelvin sign lower-cases to k


# -- the order JSON --------------------------------------------------------------------------------


@pytest.mark.parametrize("document, key", [
    ('{"lines": [], "lines": []}', '"lines"'),
    ('{"customer": {"name": "Ana", "name": "Eve"}}', '"name"'),
    ('{"lines": [{"sku": "A", "quantity": 1, "quantity": 100}]}', '"quantity"'),
])
def test_a_key_given_twice_is_refused_and_named(document, key):
    with pytest.raises(InvalidData) as error:
        parse_order_json(document)
    assert str(error.value) == f"the order file has the key {key} twice in one object"


def test_deep_nesting_is_invalid_data_not_a_recursion_error():
    with pytest.raises(InvalidData, match="nested too deeply"):
        parse_order_json('{"note": ' + "[" * 100_000 + "]" * 100_000 + "}")


def test_a_huge_json_integer_stays_text_and_is_refused_by_the_quantity_rule():
    request = parse_order_json(ORDER.replace("QTY", "1" * 5000))
    assert request.lines[0].quantity == "1" * 5000
    with pytest.raises(InvalidData, match=r"line 1: quantity '1{40}'\.\.\. \(5,000 characters\) is more than"):
        validate_order(request, "EUR")


def test_a_lone_surrogate_in_a_json_string_is_refused_by_the_text_rule():
    request = parse_order_json(ORDER.replace("QTY", "1").replace('"Ana"', '"An\\ud800a"'))
    with pytest.raises(InvalidData, match=r"customer name contains a lone surrogate \(U\+D800\)"):
        validate_order(request, "EUR")


# -- files and stdin -------------------------------------------------------------------------------


def test_a_file_with_a_byte_order_mark_reads_as_its_text(tmp_path):
    path = tmp_path / "order.json"
    path.write_bytes(b"\xef\xbb\xbf{}\r\n")
    assert read_text(path) == "{}\r\n"


def test_a_file_that_is_not_utf8_is_invalid_data(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("sku,name\nA,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(InvalidData, match=f"^{path} is not UTF-8 text$"):
        read_text(path)
    with pytest.raises(InvalidData, match="cannot read"):
        read_text(tmp_path)


@pytest.mark.parametrize("data, text", [(b"\xef\xbb\xbf1\n2\n", "1\n2\n"), ("Caf\xe9\n".encode(), "Caf\xe9\n")])
def test_stdin_is_read_as_bytes_and_decoded_strictly(monkeypatch, data, text):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape"))
    assert read_text("-") == text


def test_stdin_that_is_not_utf8_is_invalid_data_even_where_python_would_smuggle_it_in(monkeypatch):
    # Under a C locale Python decodes stdin with surrogateescape: \xe9 became '\udce9' and failed
    # only when it was written to the database (a crash, exit 1).
    stdin = io.TextIOWrapper(io.BytesIO(b"1\n\xe9\n"), encoding="utf-8", errors="surrogateescape")
    monkeypatch.setattr(sys, "stdin", stdin)
    with pytest.raises(InvalidData, match="^stdin is not UTF-8 text$"):
        with open_text("-") as stream:
            list(stream)
    assert not stdin.buffer.closed
