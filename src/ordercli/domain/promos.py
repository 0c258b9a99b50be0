"""Promo codes: what one must look like, and whether it applies to an order now."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ordercli.domain.errors import Field, InvalidData, Problem, Refused
from ordercli.domain.pricing import Discount
from ordercli.domain.validation import shown

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")
MAX_USES = 1_000_000_000  # fits the INTEGER column on every backend
_MAX_USES_RANGE = Problem(Field("max_uses"), f" must be from 1 to {MAX_USES:,}")


@dataclass(frozen=True)
class PromoTerms:
    code: str
    percent_bp: int | None
    amount_minor: int | None
    currency: str | None
    valid_from: datetime | None
    valid_until: datetime | None
    max_uses: int | None
    uses: int

    @property
    def discount(self) -> Discount:
        return Discount(percent_bp=self.percent_bp, amount_minor=self.amount_minor)


def normalize_code(text: str) -> str:
    """Promo codes are case-insensitive: stored and compared upper-case (ASCII only, so that
    no other letter upper-cases into one: the ligature 'ﬀ' would become 'FF')."""
    code = (text or "").strip()
    code = code.upper() if code.isascii() else ""
    if not CODE_PATTERN.fullmatch(code):
        raise InvalidData(
            f"promo code {shown(text)} is not valid (letters, digits, - and _, at most 40 characters)"
        )
    return code


def parse_max_uses(text: str | None) -> int | None:
    """max_uses as a whole number written in ASCII digits; None means no limit."""
    if text is None:
        return None
    raw = text.strip()
    if not re.fullmatch(r"[+-]?[0-9]+", raw):
        raise InvalidData(Problem(Field("max_uses"), f" {shown(text)} is not a whole number"))
    if len(raw.lstrip("+-").lstrip("0")) > len(str(MAX_USES)):  # int() of thousands of digits fails
        raise InvalidData(_MAX_USES_RANGE)
    return int(raw)


def check_new_promo(percent_bp: int | None, amount_minor: int | None, valid_from: datetime | None,
                    valid_until: datetime | None, max_uses: int | None) -> None:
    """The rules a new promo code must meet; every problem is listed."""
    percent, amount = Field("percent"), Field("amount")
    problems = []
    if (percent_bp is None) == (amount_minor is None):
        problems.append(Problem("give exactly one of ", percent, " or ", amount))
    if percent_bp is not None and percent_bp <= 0:
        problems.append(Problem(percent, " must be more than 0"))
    if amount_minor is not None and amount_minor <= 0:
        problems.append(Problem(amount, " must be more than 0"))
    if valid_from and valid_until and valid_until <= valid_from:
        problems.append(Problem(Field("valid_until"), " must be after ", Field("valid_from")))
    if max_uses is not None and not 1 <= max_uses <= MAX_USES:
        problems.append(_MAX_USES_RANGE)
    if problems:
        raise InvalidData(problems)


def check_applies(promo: PromoTerms, currency: str, now: datetime) -> None:
    """Refuse a promo code that is not valid yet, expired, used up or in another currency."""
    if promo.valid_from and now < promo.valid_from:
        raise Refused(f"promo code {promo.code} is not valid before {promo.valid_from:%Y-%m-%d %H:%M} UTC")
    if promo.valid_until and now > promo.valid_until:
        raise Refused(f"promo code {promo.code} expired on {promo.valid_until:%Y-%m-%d %H:%M} UTC")
    if promo.max_uses is not None and promo.uses >= promo.max_uses:
        raise Refused(f"promo code {promo.code} is used up ({promo.uses} of {promo.max_uses} uses)")
    if promo.currency is not None and promo.currency != currency:
        raise Refused(f"promo code {promo.code} is an amount in {promo.currency}; the order is in {currency}")
