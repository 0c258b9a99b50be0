"""Promo codes: add and list. They are applied (and counted) by `create_order`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordercli.db.queries import promos
from ordercli.db.sql import is_unique_violation
from ordercli.domain.errors import Refused
from ordercli.domain.money import Money, normalize_currency, parse_money, parse_percent
from ordercli.domain.promos import check_new_promo, normalize_code
from ordercli.domain.validation import as_field
from ordercli.services.views import Stamp


@dataclass(frozen=True)
class PromoView:
    code: str
    percent_bp: int | None
    amount: Money | None
    valid_from: datetime | None
    valid_until: datetime | None
    max_uses: int | None
    uses: int
    created_at: datetime


def add_promo(db, code: str, stamp: Stamp, *, percent: str | None = None, amount: str | None = None,
              currency: str = "EUR", valid_from: datetime | None = None, valid_until: datetime | None = None,
              max_uses: int | None = None) -> PromoView:
    """A new promo code: a percent off, or an amount off in one currency."""
    code = normalize_code(code)
    percent_bp = as_field("percent", parse_percent, percent) if percent is not None else None
    money = as_field("amount", parse_money, amount, normalize_currency(currency)) if amount is not None else None
    check_new_promo(percent_bp, money.minor if money else None, valid_from, valid_until, max_uses)
    with db.write() as connection:
        if promos.by_code(connection, code):
            raise Refused(f"promo code {code} already exists")
        try:
            promos.add(connection, {"code": code, "percent_bp": percent_bp,
                                    "amount_minor": money.minor if money else None,
                                    "currency": money.currency if money else None, "valid_from": valid_from,
                                    "valid_until": valid_until, "max_uses": max_uses, "created_at": stamp.at})
        except Exception as error:  # added by someone else a moment ago
            if is_unique_violation(error, "uq_promo_codes_code"):
                raise Refused(f"promo code {code} already exists") from None
            raise
    return PromoView(code, percent_bp, money, valid_from, valid_until, max_uses, 0, stamp.at)


def list_promos(db) -> list[PromoView]:
    with db.read() as connection:
        return [PromoView(r.code, r.percent_bp, Money(r.amount_minor, r.currency) if r.amount_minor is not None else None,
                          r.valid_from, r.valid_until, r.max_uses, r.uses, r.created_at)
                for r in promos.all_codes(connection)]
