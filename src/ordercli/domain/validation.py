"""Checks on what people and files type in, using libraries made for each kind of value.

Each function returns the normalized value or raises InvalidData with one clear sentence.
The libraries are imported inside the functions so that commands which never validate an
email or a phone number do not pay for loading them.
"""

from __future__ import annotations

import re
import unicodedata

from ordercli.domain.errors import Field, InvalidData, Problem

# Whole units per line: large enough for any wholesale order, small enough to catch a
# pasted barcode in the quantity column.
MAX_QUANTITY = 1_000_000

SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


def shown(value: object, limit: int = 40) -> str:
    """What someone typed, quoted for a message and cut short, so that a pasted megabyte still
    makes a one-line error (repr also escapes control and invisible characters)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value):,} characters)"
    return repr(value)


def named(text: str, limit: int = 40) -> str:
    """Text for a message as it is when short and printable, else quoted by `shown`."""
    return text if len(text) <= limit and text.isprintable() else shown(text, limit)


# The text rule (docs/commands.md, "Checks on entry"). Format characters (Unicode category Cf) draw
# nothing and can hide or reorder what a reader sees; only the zero-width joiner and
# non-joiner are kept, because emoji sequences and scripts such as Persian and the Indic
# ones need them.
JOINERS = frozenset("\u200c\u200d")
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters and symbols that draw nothing: the Hangul fillers and the blank Braille pattern.
BLANK_GRAPHICS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Unassigned code points count as visible: a newer Unicode than Python's may have drawn them.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Mn", "Me"})


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _character_problem(ch: str, multiline: bool) -> str | None:
    """Why one character may not be in a text field (completing "name ..."), or None."""
    if ch in "\n\t" and multiline:
        return None
    category = unicodedata.category(ch)
    if ch in "\n\r\v\f" or category in ("Zl", "Zp"):
        return "may break lines only with \\n" if multiline else "must be one line: it contains a line break"
    if ch == "\t":
        return "contains a tab"
    if category == "Cc":
        return "contains a control character"
    if category == "Cf":
        if ch in JOINERS:
            return None
        return ("contains a bidirectional control character" if ch in BIDI_CONTROLS
                else "contains an invisible formatting character")
    if category == "Cs":
        return "contains a lone surrogate"
    if category == "Co":
        return "contains a private-use character"
    if category == "Cn" and _is_noncharacter(ord(ch)):
        return "contains a Unicode noncharacter"
    return None


def clean_text(value: object, what: str, *, max_length: int = 200, required: bool = False,
               multiline: bool = False) -> str | None:
    """Trimmed text a person can read; None when empty and not required.

    Refused: control characters (line breaks and tabs too, unless `multiline`), format
    characters other than the two joiners, lone surrogates, private-use characters and
    noncharacters, and text in which nothing visible remains. The length is checked first,
    so a pasted megabyte is refused without reading it character by character. `what` starts
    each problem: a `Field` lets the entry point call the field its own way.
    """
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise InvalidData(Problem(what, " must be text"))
    if multiline and "\r\n" in text:
        text = text.replace("\r\n", "\n")
    if not text:
        if required:
            raise InvalidData(Problem(what, " is required"))
        return None
    if len(text) > max_length:
        raise InvalidData(Problem(what, f" is longer than {max_length} characters"))
    if text.isascii() and text.isprintable():
        return text  # the common case: nothing to look at character by character
    visible = False
    for ch in text:
        problem = _character_problem(ch, multiline)
        if problem is not None:
            raise InvalidData(Problem(what, f" {problem} (U+{ord(ch):04X})"))
        if not visible and ch not in BLANK_GRAPHICS and unicodedata.category(ch) not in _INVISIBLE_CATEGORIES:
            visible = True
    if not visible:
        raise InvalidData(Problem(what, " has no visible characters"))
    return text


def as_field(name: str, check, *args):
    """`check(*args, name)` for a check that starts each problem with the name it is given last
    but writes plain text (the money parsers): its problems come back about the Field `name`."""
    try:
        return check(*args, name)
    except InvalidData as error:
        raise InvalidData([Problem(Field(name), problem[len(name):]) if problem.startswith(name) else problem
                           for problem in error.problems]) from None


def normalize_actor(text: str, source: str) -> str:
    """Who is acting, as written to every history row: one line of at most 100 characters."""
    actor = clean_text(text, source, max_length=100)
    if actor is None:
        raise InvalidData(f"{source} is empty: give a name")
    return actor


def normalize_email(text: str) -> str:
    """Checked for syntax only (no DNS: works offline), normalized and lower-cased.

    Lower case so that one customer is one email however they type it: mail systems treat
    the part before the @ case-insensitively in practice.
    """
    from email_validator import EmailNotValidError, validate_email

    if len(text) > 320:  # RFC 3696: 64 before the @, 255 after
        raise InvalidData(f"email {shown(text)} is not valid: it is longer than 320 characters")
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidData(f"email {shown(text)} is not valid: {error}") from None


def normalize_country(text: str) -> str:
    """An ISO 3166 alpha-2 code from a code (DE, DEU) or an English name (Germany)."""
    import pycountry

    raw = text.strip()
    country = None
    if len(raw) > 100:
        country = None
    elif len(raw) == 2:
        country = pycountry.countries.get(alpha_2=raw.upper())
    elif len(raw) == 3:
        country = pycountry.countries.get(alpha_3=raw.upper())
    elif len(raw) > 3:
        try:
            country = pycountry.countries.lookup(raw)
        except LookupError:
            country = None
    if country is None:
        raise InvalidData(f"unknown country {shown(text)} (use an ISO 3166 code such as DE)")
    return country.alpha_2


# What a phone number may be written with: ASCII digits and the usual separators. Letters are
# refused because libphonenumber reads them as keypad digits ("030 0074321 (office)" would
# become a longer, different number), and digits of other scripts because every number
# ordercli reads is written in ASCII digits.
_PHONE_CHARACTERS = re.compile(r"\+?[0-9 ()./-]+")
MAX_PHONE_LENGTH = 40


def normalize_phone(text: str, country: str | None) -> str:
    """A valid phone number in E.164; national numbers are read in `country`.

    E.164 has no extensions: a number with one is refused rather than stored without it.
    """
    import phonenumbers

    raw = text.strip()
    if len(raw) > MAX_PHONE_LENGTH:
        raise InvalidData(f"phone {shown(text)} is longer than {MAX_PHONE_LENGTH} characters")
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        number = None
    if number is None:
        hint = "" if country else " (give it with +country code, or give a country)"
        raise InvalidData(f"phone {shown(text)} is not a phone number{hint}")
    if number.extension:
        raise InvalidData(f"phone {shown(text)} has an extension (ext {number.extension}): ordercli stores numbers "
                          f"without extensions; put it in the note")
    if not _PHONE_CHARACTERS.fullmatch(raw):
        raise InvalidData(f"phone {shown(text)} may contain only the digits 0-9, spaces and + ( ) - . /")
    if not phonenumbers.is_valid_number(number):
        where = f" for {country}" if country and not raw.startswith("+") else ""
        raise InvalidData(f"phone {shown(text)} is not a valid number{where}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_sku(text: str) -> str:
    """A SKU: letters, digits and . _ / - (starting with a letter or digit), at most 64 long."""
    raw = (text or "").strip()
    if not SKU_PATTERN.fullmatch(raw):
        raise InvalidData(
            f"SKU {shown(text)} is not valid (letters, digits and . _ / -, at most 64 characters)"
        )
    return raw.upper()


def normalize_gtin(text: str) -> str:
    """A GTIN (EAN-8, UPC-A, EAN-13, GTIN-14) with a correct check digit, in ASCII digits."""
    from stdnum import ean
    from stdnum.exceptions import ValidationError

    problem = f"GTIN {shown(text)} is not valid (8, 12, 13 or 14 digits with a correct check digit)"
    if len(text) > 40 or not re.fullmatch(r"[0-9 -]*", text.strip()):
        raise InvalidData(problem)
    try:
        return ean.validate(text)
    except ValidationError:
        raise InvalidData(problem) from None


_WHOLE_NUMBER = re.compile(r"([+-]?)0*([0-9]+)")


def parse_quantity(value: object, what: str = "quantity", *, allow_negative: bool = False) -> int:
    """A whole number of units in ASCII digits, at least 1 (or non-zero when negatives are allowed)."""
    if isinstance(value, bool):
        raise InvalidData(f"{what} {value!r} is not a whole number")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        match = _WHOLE_NUMBER.fullmatch(text)
        if not match:
            raise InvalidData(f"{what} {shown(value)} is not a whole number (write it with the digits 0-9)")
        sign, digits = match.groups()
        if len(digits) > len(str(MAX_QUANTITY)):  # int() of thousands of digits is refused or slow
            raise InvalidData(f"{what} {shown(value)} is more than {MAX_QUANTITY:,}")
        number = -int(digits) if sign == "-" else int(digits)
    if allow_negative:
        if number == 0:
            raise InvalidData(f"{what} must not be zero")
    elif number < 1:
        raise InvalidData(f"{what} {shown(value)} must be at least 1")
    if abs(number) > MAX_QUANTITY:
        raise InvalidData(f"{what} {shown(value)} is more than {MAX_QUANTITY:,}")
    return number


_ORDER_NUMBER = re.compile(r"#?([0-9]{1,18})")


def parse_order_number(value: object) -> int:
    """An order number: a positive whole number in ASCII digits (a leading '#' is forgiven)."""
    text = str(value).strip()
    match = _ORDER_NUMBER.fullmatch(text)
    if not match or int(match.group(1)) < 1:
        raise InvalidData(f"{shown(text)} is not an order number")
    return int(match.group(1))


class Problems:
    """Collects every problem in a piece of input so one error can list them all."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def check(self, function, *args, prefix: str = "", **kwargs):
        """Call a validating function; remember its problem and return None on failure."""
        try:
            return function(*args, **kwargs)
        except InvalidData as error:
            self.items.extend(Problem(prefix, problem) if prefix else problem for problem in error.problems)
            return None

    def add(self, problem: str) -> None:
        self.items.append(problem)

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidData(self.items)
