"""Changing what an order charges for delivery, while nothing of it has shipped."""

from __future__ import annotations

from ordercli.db import dialect
from ordercli.db.queries import history
from ordercli.db.sql import execute, first, scalar
from ordercli.domain.errors import Field, InvalidData, NotFound, Refused
from ordercli.domain.money import Money, parse_money, parse_percent, percent_text
from ordercli.domain.pricing import Shipping
from ordercli.domain.statuses import Status
from ordercli.domain.validation import clean_text
from ordercli.services.orders import load_order
from ordercli.services.views import OrderView, Stamp

# The shipping charge can change until something ships (and while the order is still wanted).
CHANGEABLE = frozenset({Status.OPEN, Status.READY_TO_SHIP})


def change_shipping_charge(db, number: int, amount: str, stamp: Stamp, *, tax_rate: str | None = None,
                           reason: str | None = None) -> OrderView:
    """Set the order's shipping charge (net) and its tax rate (default: as it was, or the highest
    rate of its lines if it had none); the order's tax and total follow. Refused once anything
    has been handed over."""
    reason = clean_text(reason, Field("reason"), max_length=500)
    with db.write() as connection:
        dialect.lock_ids(connection, "orders", [number])
        row = first(connection, "SELECT id, status, currency, tax_minor, total_minor, shipping_minor, "
                                "shipping_tax_rate_bp, shipping_tax_minor FROM orders WHERE id = :n", {"n": number})
        if row is None:
            raise NotFound(f"order {number} does not exist")
        try:
            charge = parse_money(amount, row.currency, "shipping charge")
        except InvalidData:
            raise InvalidData(f"the shipping charge {amount.strip()!r} is not an amount in {row.currency} "
                              "(4.90; 0 for none)") from None
        if tax_rate is not None:
            rate = parse_percent(tax_rate, "shipping tax rate")
        elif row.shipping_minor:
            rate = row.shipping_tax_rate_bp
        else:
            rate = scalar(connection, "SELECT COALESCE(MAX(tax_rate_bp), 0) FROM order_lines WHERE order_id = :n",
                          {"n": number})
        if Status(row.status) not in CHANGEABLE:
            raise Refused(f"order {number} is {row.status}: its shipping charge can change only while nothing has "
                          "shipped (open or ready_to_ship)")
        shipped = scalar(connection, "SELECT count(*) FROM shipments s WHERE s.order_id = :n AND s.deleted_at IS NULL "
                                     "AND s.stage IN ('handed_over', 'delivered')", {"n": number})
        if shipped:
            raise Refused(f"order {number} has shipped already: its shipping charge can no longer change")
        new = Shipping(charge.minor, rate)
        tax = row.tax_minor - row.shipping_tax_minor + new.tax_minor()
        total = row.total_minor - row.shipping_minor - row.shipping_tax_minor + new.amount_minor + new.tax_minor()
        execute(connection, "UPDATE orders SET shipping_minor = :s, shipping_tax_rate_bp = :r, shipping_tax_minor = :t, "
                            "tax_minor = :tax, total_minor = :total, updated_at = :at WHERE id = :n",
                {"s": new.amount_minor, "r": rate, "t": new.tax_minor(), "tax": tax, "total": total, "at": stamp.at,
                 "n": number})
        before = f"{Money(row.shipping_minor, row.currency)} at {percent_text(row.shipping_tax_rate_bp)}%"
        after = f"{Money(new.amount_minor, row.currency)} at {percent_text(rate)}%"
        history.append(connection, stamp, [(number, "shipping_charge", row.status, row.status,
                                            f"shipping charge {before} -> {after}" + (f": {reason}" if reason else ""))])
        return load_order(connection, number)
