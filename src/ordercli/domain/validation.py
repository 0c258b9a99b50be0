"""Checks on what people and files type in, using libraries made for each kind of value.

Each function returns the normalized value or raises InvalidData with one clear sentence.
The libraries are imported inside the functions so that commands which never validate an
email or a phone number do not pay for loading them.
"""

from __future__ import annotations

import re
import unicodedata

from ordercli.domain.errors import InvalidData

# Whole units per line: large enough for any wholesale order, small enough to catch a
# pasted barcode in the quantity column.
MAX_QUANTITY = 1_000_000

SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


def clean_text(value: object, what: str, *, max_length: int = 200, required: bool = False) -> str | None:
    """Trimmed text without control characters; None when empty and not required."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise InvalidData(f"{what} must be text")
    if not text:
        if required:
            raise InvalidData(f"{what} is required")
        return None
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise InvalidData(f"{what} contains control characters")
    if len(text) > max_length:
        raise InvalidData(f"{what} is longer than {max_length} characters")
    return text


def normalize_email(text: str) -> str:
    """Checked for syntax only (no DNS: works offline), normalized and lower-cased.

    Lower case so that one customer is one email however they type it: mail systems treat
    the part before the @ case-insensitively in practice.
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidData(f"email {text!r} is not valid: {error}") from None


def normalize_country(text: str) -> str:
    """An ISO 3166 alpha-2 code from a code (DE, DEU) or an English name (Germany)."""
    import pycountry

    raw = text.strip()
    country = None
    if len(raw) == 2:
        country = pycountry.countries.get(alpha_2=raw.upper())
    elif len(raw) == 3:
        country = pycountry.countries.get(alpha_3=raw.upper())
    if country is None and len(raw) > 3:
        try:
            country = pycountry.countries.lookup(raw)
        except LookupError:
            country = None
    if country is None:
        raise InvalidData(f"unknown country {text!r} (use an ISO 3166 code such as DE)")
    return country.alpha_2


def normalize_phone(text: str, country: str | None) -> str:
    """A valid phone number in E.164; national numbers are read in `country`."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        hint = "" if country else " (give it with +country code, or give a country)"
        raise InvalidData(f"phone {text!r} is not a phone number{hint}") from None
    if not phonenumbers.is_valid_number(number):
        where = f" for {country}" if country and not text.strip().startswith("+") else ""
        raise InvalidData(f"phone {text!r} is not a valid number{where}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_sku(text: str) -> str:
    """A SKU: letters, digits and . _ / - (starting with a letter or digit), at most 64 long."""
    raw = (text or "").strip()
    if not SKU_PATTERN.match(raw):
        raise InvalidData(
            f"SKU {text!r} is not valid (letters, digits and . _ / -, at most 64 characters)"
        )
    return raw.upper()


def normalize_gtin(text: str) -> str:
    """A GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) with a correct check digit."""
    from stdnum import ean
    from stdnum.exceptions import ValidationError

    try:
        return ean.validate(text)
    except ValidationError:
        raise InvalidData(f"GTIN {text!r} is not valid (8, 12, 13 or 14 digits with a correct check digit)") from None


def parse_quantity(value: object, what: str = "quantity", *, allow_negative: bool = False) -> int:
    """A whole number of units, at least 1 (or non-zero when negatives are allowed)."""
    if isinstance(value, bool):
        raise InvalidData(f"{what} {value!r} is not a whole number")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            raise InvalidData(f"{what} {value!r} is not a whole number")
        number = int(text)
    if allow_negative:
        if number == 0:
            raise InvalidData(f"{what} must not be zero")
    elif number < 1:
        raise InvalidData(f"{what} {value!r} must be at least 1")
    if abs(number) > MAX_QUANTITY:
        raise InvalidData(f"{what} {value!r} is more than {MAX_QUANTITY:,}")
    return number


def parse_order_number(value: object) -> int:
    """An order number: a positive whole number (a leading '#' is forgiven)."""
    text = str(value).strip().removeprefix("#")
    if not text.isdigit() or not text.isascii() or int(text) < 1 or len(text) > 18:
        raise InvalidData(f"{str(value).strip()!r} is not an order number")
    return int(text)


class Problems:
    """Collects every problem in a piece of input so one error can list them all."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def check(self, function, *args, prefix: str = "", **kwargs):
        """Call a validating function; remember its problem and return None on failure."""
        try:
            return function(*args, **kwargs)
        except InvalidData as error:
            self.items.extend(f"{prefix}{problem}" for problem in error.problems)
            return None

    def add(self, problem: str) -> None:
        self.items.append(problem)

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidData(self.items)
