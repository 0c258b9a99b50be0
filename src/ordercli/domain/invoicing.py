"""Invoicing: what an order's next invoices cover, split by delivery method, and what a credit
note negates.

The rules (docs/commands.md, "ordercli invoice", says them for people):
- An order's lines are invoiced by delivery method: home delivery (`ship`), pickup in store,
  hand-over at the counter, download and service each get their own invoice, with its own
  number. An order with one method gets one invoice.
- The invoice policy says what may be invoiced: `ordered` (everything ordered, at once: shops
  paid up front) or `fulfilled` (what has been handed over: shipped, collected, downloaded;
  service lines once the order is closed). Under `fulfilled`, each later invoice covers what
  was fulfilled since the last one, still one per method.
- Amounts of a partly invoiced line are its cumulative share: after k of Q units have been
  invoiced, the invoices of the line add up to round(net x k / Q) (half up), so the last
  invoice takes the remainder and all of them add up to the order exactly. Tax likewise.
- The shipping charge belongs to the home delivery invoice (the first one that has it); an
  order without home delivery lines puts it on its first invoice.
- A credit note negates what it credits: whole invoices by default, or some units of some
  lines (their cumulative share of the invoiced line), and the shipping charge on request.
  Credited units may be invoiced again (a corrected invoice).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ordercli.domain.errors import InvalidData, Refused
from ordercli.domain.validation import MAX_QUANTITY, normalize_sku, shown

POLICIES = ("fulfilled", "ordered")

# Delivery methods in the order their invoices come, with what a title calls each part.
METHOD_TITLES = {
    "ship": "home delivery",
    "pickup": "pickup in store",
    "hand_over": "hand-over at the counter",
    "download": "download",
    "service": "service",
}


def share(total: int, part: int, whole: int) -> int:
    """round(total x part / whole), half up, in integers (total >= 0 and 0 <= part <= whole)."""
    if part == whole:
        return total
    return (2 * total * part + whole) // (2 * whole)


@dataclass(frozen=True)
class BillableLine:
    """An order line as invoicing sees it: its amounts, how many units the policy lets be
    invoiced in all (`billable`), and what its invoices and credit notes add up to so far."""

    id: int
    line_no: int
    sku: str
    description: str
    quantity: int
    unit_price_minor: int
    net_minor: int
    tax_minor: int
    tax_rate_bp: int
    delivery_method: str
    billable: int
    invoiced_units: int = 0
    invoiced_net: int = 0
    invoiced_tax: int = 0


@dataclass(frozen=True)
class PartLine:
    order_line_id: int | None
    sku: str
    description: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    tax_rate_bp: int
    net_minor: int
    tax_minor: int
    credited_line_id: int | None = None


@dataclass(frozen=True)
class Part:
    """One invoice (or credit note) to issue: its method, lines and shipping charge."""

    method: str
    lines: tuple[PartLine, ...]
    shipping_minor: int = 0
    shipping_tax_rate_bp: int = 0
    shipping_tax_minor: int = 0

    @property
    def subtotal_minor(self) -> int:
        return sum(line.net_minor for line in self.lines)

    @property
    def discount_minor(self) -> int:
        return sum(line.discount_minor for line in self.lines)

    @property
    def tax_minor(self) -> int:
        return sum(line.tax_minor for line in self.lines) + self.shipping_tax_minor

    @property
    def total_minor(self) -> int:
        return self.subtotal_minor + self.shipping_minor + self.tax_minor

    def taxes(self) -> tuple[tuple[int, int, int], ...]:
        """(rate, net, tax) per tax rate, the lowest rate first; shipping counts at its rate."""
        per_rate: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for line in self.lines:
            per_rate[line.tax_rate_bp][0] += line.net_minor
            per_rate[line.tax_rate_bp][1] += line.tax_minor
        if self.shipping_minor or self.shipping_tax_minor:
            per_rate[self.shipping_tax_rate_bp][0] += self.shipping_minor
            per_rate[self.shipping_tax_rate_bp][1] += self.shipping_tax_minor
        return tuple((rate, net, tax) for rate, (net, tax) in sorted(per_rate.items()))


@dataclass(frozen=True)
class Shipping:
    """The order's shipping charge and what invoices (net of credit notes) have taken of it."""

    amount_minor: int = 0
    tax_rate_bp: int = 0
    tax_minor: int = 0
    invoiced_minor: int = 0
    invoiced_tax_minor: int = 0


def plan_invoices(lines: list[BillableLine], shipping: Shipping = Shipping()) -> list[Part]:
    """The invoices to issue now: one per delivery method with units to invoice, in the order
    of METHOD_TITLES. Empty when there is nothing (more) to invoice."""
    by_method: dict[str, list[PartLine]] = defaultdict(list)
    for line in lines:
        units = line.billable - line.invoiced_units
        if units <= 0:
            continue
        done = line.invoiced_units + units
        net = share(line.net_minor, done, line.quantity) - line.invoiced_net
        tax = share(line.tax_minor, done, line.quantity) - line.invoiced_tax
        by_method[line.delivery_method].append(PartLine(
            order_line_id=line.id, sku=line.sku, description=line.description, quantity=units,
            unit_price_minor=line.unit_price_minor, discount_minor=units * line.unit_price_minor - net,
            tax_rate_bp=line.tax_rate_bp, net_minor=net, tax_minor=tax))
    methods = [m for m in METHOD_TITLES if m in by_method]
    parts = [Part(m, tuple(by_method[m])) for m in methods]
    left = shipping.amount_minor - shipping.invoiced_minor
    if parts and left > 0:
        has_home_delivery = any(line.delivery_method == "ship" for line in lines)
        target = next((i for i, p in enumerate(parts) if p.method == "ship"), None if has_home_delivery else 0)
        if target is not None:
            part = parts[target]
            parts[target] = Part(part.method, part.lines, left, shipping.tax_rate_bp,
                                 shipping.tax_minor - shipping.invoiced_tax_minor)
    return parts


def title_of(kind: str, order_number: int, method: str, methods_in_order: int, refers_to: str | None = None) -> str:
    """What a document says it covers."""
    if kind == "credit_note":
        return f"Credit note for invoice {refers_to}"
    if methods_in_order <= 1:
        return f"Invoice for order {order_number}"
    return f"Invoice for order {order_number}: the {METHOD_TITLES.get(method, method)} part"


@dataclass(frozen=True)
class InvoicedLine:
    """A line of an issued invoice, with what credit notes have credited of it so far."""

    id: int
    sku: str
    description: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    tax_rate_bp: int
    net_minor: int
    tax_minor: int
    order_line_id: int | None = None
    credited_units: int = 0
    credited_net: int = 0
    credited_tax: int = 0

    @property
    def creditable(self) -> int:
        return self.quantity - self.credited_units


@dataclass(frozen=True)
class CreditWant:
    sku: str
    quantity: int


def parse_credit_want(text: str) -> CreditWant:
    """`SKU:QTY` as `credit-note --line` takes it."""
    sku_text, sep, qty_text = text.rpartition(":")
    if not sep or not sku_text.strip():
        raise InvalidData(f"{shown(text)} is not SKU:QTY (e.g. ABC-1:2)")
    sku = normalize_sku(sku_text)
    digits = qty_text.strip()
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidData(f"{shown(text)}: the quantity {shown(qty_text)} is not a whole number")
    quantity = int(digits)
    if not 0 < quantity <= MAX_QUANTITY:
        raise InvalidData(f"{shown(text)}: the quantity must be between 1 and {MAX_QUANTITY:,}")
    return CreditWant(sku, quantity)


def plan_credit(number: str, lines: list[InvoicedLine], wants: list[CreditWant] | None, *,
                shipping: Shipping, with_shipping: bool, units: dict[int, int] | None = None) -> Part:
    """The credit note for an invoice: everything not yet credited (`wants` None), or the
    units asked for (by SKU, or by invoice line: `units`, as a return credits exactly its
    lines). Raises Refused when the invoice has less left to credit than asked."""
    asked: dict[int, int] = {}
    if units is not None:
        for line in lines:
            if units.get(line.id, 0) > line.creditable:
                raise Refused(f"invoice {number} has {line.creditable} of {shown(line.sku)} left to credit, not "
                              f"{units[line.id]}")
        asked = {line_id: quantity for line_id, quantity in units.items() if quantity > 0}
        wants = []
    if wants is not None:  # the same SKU twice is one want of both quantities
        merged: dict[str, int] = {}
        for want in wants:
            merged[want.sku] = merged.get(want.sku, 0) + want.quantity
        wants = [CreditWant(sku, quantity) for sku, quantity in merged.items()]
    if wants is None:
        asked = {line.id: line.creditable for line in lines if line.creditable > 0}
        with_shipping = True
    elif units is None:
        for want in wants:
            needed = want.quantity
            candidates = [line for line in lines if line.sku == want.sku]
            if not candidates:
                raise Refused(f"invoice {number} has no line {shown(want.sku)}")
            for line in candidates:
                free = line.creditable - asked.get(line.id, 0)
                took = min(free, needed)
                if took > 0:
                    asked[line.id] = asked.get(line.id, 0) + took
                    needed -= took
            if needed:
                left = sum(line.creditable for line in candidates)
                raise Refused(f"invoice {number} has {left} of {shown(want.sku)} left to credit, not "
                              f"{want.quantity}" if left else f"{shown(want.sku)} on invoice {number} is credited already")
    credit_lines = []
    for line in lines:
        units = asked.get(line.id, 0)
        if units <= 0:
            continue
        done = line.credited_units + units
        net = share(line.net_minor, done, line.quantity) - line.credited_net
        tax = share(line.tax_minor, done, line.quantity) - line.credited_tax
        discount = units * line.unit_price_minor - net
        credit_lines.append(PartLine(line.order_line_id, line.sku, line.description, -units, line.unit_price_minor,
                                     -discount, line.tax_rate_bp, -net, -tax, credited_line_id=line.id))
    ship_left = shipping.amount_minor - shipping.invoiced_minor if with_shipping else 0
    ship_tax_left = shipping.tax_minor - shipping.invoiced_tax_minor if with_shipping else 0
    if not credit_lines and ship_left <= 0:
        raise Refused(f"invoice {number} is credited in full already: there is nothing left to credit")
    return Part("", tuple(credit_lines), -max(ship_left, 0), shipping.tax_rate_bp, -max(ship_tax_left, 0))
