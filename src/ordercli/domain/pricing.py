"""Order arithmetic: line discounts, an order discount shared over the lines, tax per line.

The rule, in order:
1. line gross = quantity x unit price;
2. a line discount (percent of the gross, or an amount up to the gross) is rounded per line;
3. subtotal = sum of lines after their own discounts;
4. an order discount (a promo code: a percent of the subtotal, rounded once, or an amount up
   to the subtotal) is shared over the lines in proportion to their value, by the largest
   remainder method, so the shares add up to the discount exactly;
5. tax = line net x the line's tax rate, rounded per line (ROUND_HALF_UP);
6. a shipping charge (what the customer pays for delivery) is net of tax too, with its own
   tax rate, taxed like a line; a promo code does not discount it;
7. order tax = sum of line taxes + the shipping tax;
   total = subtotal - order discount + shipping + tax.
Prices are net of tax.
"""

from __future__ import annotations

from dataclasses import dataclass
from ordercli.domain.errors import InvalidData
from ordercli.domain.money import apply_rate, rate_of

# Totals stay far inside a signed 64-bit integer of minor units.
MAX_TOTAL_MINOR = 10**17


@dataclass(frozen=True)
class Discount:
    """A percent (in basis points) or a fixed amount (in minor units); exactly one is set."""

    percent_bp: int | None = None
    amount_minor: int | None = None

    def __post_init__(self) -> None:
        if (self.percent_bp is None) == (self.amount_minor is None):
            raise ValueError("a discount is either a percent or an amount")

    def of(self, base_minor: int) -> int:
        """The discount on `base_minor`, never more than the base."""
        if self.percent_bp is not None:
            return apply_rate(base_minor, rate_of(self.percent_bp))
        return min(self.amount_minor, base_minor)


@dataclass(frozen=True)
class LineTerms:
    quantity: int
    unit_price_minor: int
    tax_rate_bp: int
    discount: Discount | None = None
    # The tax as given rather than computed: an exchange's replacement carries exactly the tax of
    # the units it replaces (their share of their line's tax), so a defect costs nothing.
    tax_minor: int | None = None


@dataclass(frozen=True)
class PricedLine:
    gross_minor: int
    discount_minor: int        # the line's own discount
    order_discount_minor: int  # the line's share of the order discount
    net_minor: int
    tax_minor: int

    @property
    def total_minor(self) -> int:
        return self.net_minor + self.tax_minor


@dataclass(frozen=True)
class Shipping:
    """What the customer pays for delivery: a net amount and its tax rate."""

    amount_minor: int = 0
    tax_rate_bp: int = 0

    def tax_minor(self) -> int:
        return apply_rate(self.amount_minor, rate_of(self.tax_rate_bp))


@dataclass(frozen=True)
class OrderPricing:
    lines: tuple[PricedLine, ...]
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int
    shipping_minor: int = 0
    shipping_tax_minor: int = 0


def share(amount: int, weights: list[int]) -> list[int]:
    """Split `amount` over `weights` proportionally; the parts are whole and add up exactly.

    Largest remainder method: every part gets the floor of its exact share, and what is left
    goes one unit at a time to the largest remainders (earlier lines first on a tie).
    """
    total = sum(weights)
    if amount == 0 or total == 0:
        return [0] * len(weights)
    floors = [amount * w // total for w in weights]
    left = amount - sum(floors)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in by_remainder[:left]:
        floors[i] += 1
    return floors


def price_order(lines: list[LineTerms], order_discount: Discount | None = None,
                shipping: Shipping | None = None) -> OrderPricing:
    """Price every line and the order with the rule in this module's docstring."""
    gross = [line.quantity * line.unit_price_minor for line in lines]
    own = []
    for index, (line, line_gross) in enumerate(zip(lines, gross), start=1):
        if line.discount is None:
            own.append(0)
            continue
        if line.discount.amount_minor is not None and line.discount.amount_minor > line_gross:
            raise InvalidData(f"line {index}: the discount is larger than the line")
        own.append(line.discount.of(line_gross))
    after = [g - d for g, d in zip(gross, own)]
    subtotal = sum(after)
    discount = order_discount.of(subtotal) if order_discount else 0
    shares = share(discount, after)
    priced = []
    for line, line_gross, line_own, line_after, line_share in zip(lines, gross, own, after, shares):
        net = line_after - line_share
        tax = line.tax_minor if line.tax_minor is not None else apply_rate(net, rate_of(line.tax_rate_bp))
        priced.append(PricedLine(line_gross, line_own, line_share, net, tax))
    shipping = shipping or Shipping()
    shipping_tax = shipping.tax_minor()
    tax_total = sum(p.tax_minor for p in priced) + shipping_tax
    total = subtotal - discount + shipping.amount_minor + tax_total
    if max(sum(gross), total) >= MAX_TOTAL_MINOR:
        raise InvalidData("the order total is too large")
    return OrderPricing(tuple(priced), subtotal, discount, tax_total, total, shipping.amount_minor, shipping_tax)

