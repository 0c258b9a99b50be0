"""Money: integer minor units with an ISO 4217 currency; Decimal arithmetic; never float.

Rounding rule (the one rule, used everywhere): ROUND_HALF_UP to the currency's minor unit,
applied per order line (line discount, the line's share of an order discount, the line's tax).
Order totals are sums of already-rounded line amounts, so a document always adds up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from ordercli.domain.errors import InvalidData
from ordercli.domain.validation import shown

ROUNDING = ROUND_HALF_UP

# A single amount (a price, a promo amount) is refused above this many major units: large
# enough for any real price, small enough that quantity x price x lines stays far inside a
# signed 64-bit integer of minor units.
MAX_AMOUNT = Decimal("1000000000")  # one billion


@lru_cache(maxsize=None)
def currency_exponent(code: str) -> int:
    """The number of decimals of an ISO 4217 currency (EUR 2, JPY 0, KWD 3)."""
    import iso4217  # imported here: it parses its table on import

    try:
        currency = iso4217.Currency(code)
    except ValueError:
        raise InvalidData(f"unknown currency {code!r} (use an ISO 4217 code such as EUR)") from None
    if currency.exponent is None:
        raise InvalidData(f"currency {code} has no minor unit and cannot price orders")
    return currency.exponent


def normalize_currency(text: str) -> str:
    """Upper-case, check against ISO 4217, and return the code."""
    code = (text or "").strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise InvalidData(f"unknown currency {shown(text)} (use an ISO 4217 code such as EUR)")
    currency_exponent(code)
    return code


@dataclass(frozen=True)
class Money:
    """An amount in integer minor units of one currency.

    Amounts of one currency add, subtract and compare; across currencies they refuse to
    (ValueError), as there is no rate to compare them by. Equality across currencies is False.
    """

    minor: int
    currency: str

    @classmethod
    def from_decimal(cls, amount: Decimal, currency: str) -> Money:
        """Exact conversion; refuses an amount with more decimals than the currency has."""
        exponent = currency_exponent(currency)
        scaled = amount.scaleb(exponent)
        if scaled != scaled.to_integral_value():
            raise InvalidData(
                f"{amount} has more decimals than {currency} allows ({exponent})"
            )
        return cls(int(scaled), currency)

    @property
    def amount(self) -> Decimal:
        """The amount in major units, with exactly the currency's decimals."""
        exponent = currency_exponent(self.currency)
        return Decimal(self.minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))

    def _same(self, other: Money, doing: str = "combine") -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot {doing} Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"cannot {doing} {self.currency} with {other.currency}")

    # Written out rather than dataclass(order=True), which compares (minor, currency) tuples
    # and so calls 100 USD less than 200 EUR.
    def _compared(self, other: Money) -> int:
        """The other amount's minor units, once it is known to be in the same currency."""
        self._same(other, "compare")
        return other.minor

    def __lt__(self, other: Money) -> bool:
        return self.minor < self._compared(other) if isinstance(other, Money) else NotImplemented

    def __le__(self, other: Money) -> bool:
        return self.minor <= self._compared(other) if isinstance(other, Money) else NotImplemented

    def __gt__(self, other: Money) -> bool:
        return self.minor > self._compared(other) if isinstance(other, Money) else NotImplemented

    def __ge__(self, other: Money) -> bool:
        return self.minor >= self._compared(other) if isinstance(other, Money) else NotImplemented

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __mul__(self, quantity: int) -> Money:
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise TypeError("Money multiplies by whole quantities only; use apply_rate for rates")
        return Money(self.minor * quantity, self.currency)

    __rmul__ = __mul__

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def round_minor(value: Decimal) -> int:
    """Round a Decimal number of minor units to a whole one with the project's rule."""
    return int(value.quantize(Decimal(1), rounding=ROUNDING))


def apply_rate(minor: int, rate: Decimal) -> int:
    """`minor * rate` rounded with the project's rule (rate as a fraction: 0.19 for 19 %)."""
    return round_minor(Decimal(minor) * rate)


# A plain decimal in ASCII digits: Decimal() alone would also read "٣.00" (Arabic-Indic
# digits), "1_000" and exponents.
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_SPECIAL_DECIMALS = {"nan", "snan", "inf", "infinity"}
# Longer than any amount, rate or discount ordercli can hold (one billion with three decimals
# is 14 characters); anything longer is refused before it is parsed.
MAX_NUMBER_LENGTH = 40


def parse_decimal(text: str, what: str) -> Decimal:
    """A finite, plain decimal number in ASCII digits; refuses NaN, Infinity and exponents."""
    raw = str(text).strip()
    if len(raw) > MAX_NUMBER_LENGTH:
        raise InvalidData(f"{what} {shown(text)} is too long for a number (at most {MAX_NUMBER_LENGTH} characters)")
    if _PLAIN_DECIMAL.fullmatch(raw):
        return Decimal(raw)
    if raw.lower().lstrip("+-") in _SPECIAL_DECIMALS:
        raise InvalidData(f"{what} {text!r} is not a finite number")
    mantissa, e, exponent = raw.lower().partition("e")
    if e and _PLAIN_DECIMAL.fullmatch(mantissa) and re.fullmatch(r"[+-]?[0-9]+", exponent):
        raise InvalidData(f"{what} {text!r}: write the number without an exponent")
    raise InvalidData(f"{what} {shown(text)} is not a number (write it with the digits 0-9 and a '.')")


def parse_amount(text: str, what: str = "price") -> Decimal:
    """A non-negative, finite amount below the sane bound (its decimals are checked with its currency)."""
    value = parse_decimal(text, what)
    if value < 0:
        raise InvalidData(f"{what} {text!r} is negative")
    if value >= MAX_AMOUNT:
        raise InvalidData(f"{what} {text!r} is too large (the limit is {MAX_AMOUNT:,})")
    return value


def parse_money(text: str, currency: str, what: str = "price") -> Money:
    """A non-negative amount in `currency`, within its decimals and a sane bound."""
    value = parse_amount(text, what)
    exponent = currency_exponent(currency)
    if value != value.quantize(Decimal(1).scaleb(-exponent), rounding=ROUNDING):
        raise InvalidData(
            f"{what} {text!r} has more decimals than {currency} allows ({exponent})"
        )
    return Money.from_decimal(value, currency)


def parse_percent(text: str, what: str = "rate") -> int:
    """A percentage from 0 to 100 with at most two decimals, as basis points (19.5 -> 1950)."""
    value = parse_decimal(str(text).strip().removesuffix("%"), what)
    if value < 0 or value > 100:
        raise InvalidData(f"{what} {text!r} must be between 0 and 100 percent")
    basis_points = value * 100
    if basis_points != basis_points.to_integral_value():
        raise InvalidData(f"{what} {text!r} has more than two decimals")
    return int(basis_points)


def percent_text(basis_points: int) -> str:
    """Basis points as a percentage string without trailing zeros: 1950 -> '19.5'."""
    text = f"{Decimal(basis_points) / 100:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def rate_of(basis_points: int) -> Decimal:
    """Basis points as a fraction: 1900 -> 0.19."""
    return Decimal(basis_points) / Decimal(10000)
