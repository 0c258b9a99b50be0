"""Importing orders: how an order read from a file becomes an order as ordercli stores it.

An imported order is checked as `create` checks one (`validate_order`, the catalogue through
`resolve_lines`), and then keeps what the file says it is:

- **Its money as the file states it.** Prices, quantities, discounts, the shipping charge and
  the taxes are the file's; every total the file states must add up with its lines, or the
  order is refused, never recomputed (`price_stated`). What the file leaves out is computed by
  the pricing rule of domain/pricing.py. Amounts are written with a point for decimals and no
  thousands separators: '1,234.50' and '1.234,50' are refused alike (`check_amount_text`).
- **Its state** (`plan_fulfillment`): an open order has its stock promised as a created one
  does; an order the file says is fulfilled, canceled or returned is imported in that state,
  its fulfilled units as one `external` shipment (handed over and delivered when the file says
  it was fulfilled), and holds no stock.
- **Its identity**: the channel and the channel's reference, as for `create`; without a
  reference, the file's own order number: `order 12` (`reference_for`).

Nothing here reads a database or a clock; the services do, and pass what they found.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import NamedTuple

from ordercli.domain.errors import InsufficientStock, InvalidData, MissingFields, OrderCliError, Problem, Refused
from ordercli.domain.money import apply_rate, parse_money, parse_percent, rate_of, round_minor
from ordercli.domain.orders import OrderRequest, ProductTerms, ResolvedLine, ValidOrder, resolve_lines, validate_order
from ordercli.domain.pricing import MAX_TOTAL_MINOR, Discount, share
from ordercli.domain.statuses import HOLDS_STOCK, Status
from ordercli.domain.validation import MAX_QUANTITY, named, shown

# The history event of an imported order (from nothing to the status it was imported in).
IMPORTED = "imported"

# How the amounts of a format are read (see `price_stated`).
ORDERCLI_RULE = "ordercli"
SHOPIFY_RULE = "shopify"

# Statuses read from a file, and what each is imported as when it is not itself.
AS_OPEN = frozenset({Status.OPEN, Status.READY_TO_SHIP})
NOTHING_SHIPPED = frozenset({Status.OPEN, Status.READY_TO_SHIP, Status.CANCELED, Status.FAILED, Status.ABANDONED})

# Characters that separate thousands (or write decimals) in other locales: refused in amounts.
_SEPARATORS = re.compile("[,'_ \u00a0\u202f\u066b\u066c]")
AMOUNT_RULE = "use a point for decimals and no thousands separators, as in 1234.50"


# -- an order as read from a file ----------------------------------------------------------


@dataclass
class StatedLine:
    """What the file says of a line beyond the order request's fields (text; None: not said)."""

    order_discount: str | None = None  # the line's share of the order discount
    net: str | None = None
    tax: str | None = None
    total: str | None = None
    shipped: str | None = None  # units that have left
    taxable: bool = True  # Shopify: whether the order's taxes fall on the line
    kind_hint: str | None = None  # the kind of a line whose SKU the catalogue lacks (Shopify: requires shipping)


@dataclass
class StatedOrder:
    """The order's amounts as the file states them (text; None: not said), and the rule they
    are read by (`ORDERCLI_RULE` or `SHOPIFY_RULE`)."""

    rule: str = ORDERCLI_RULE
    subtotal: str | None = None
    discount: str | None = None
    shipping_tax: str | None = None
    tax: str | None = None
    total: str | None = None
    duties: str | None = None
    tax_rate: str | None = None  # Shopify: the rate the tax names state ("20"), None when none does


@dataclass
class ImportedOrder:
    """One order as a format's reader found it: the request `create` would take, and the rest.

    `source` is the file's own name for the order (its order number, a Shopify Name);
    `rows` are the file's rows it came from (the first is the order's own), `line_rows` the row
    of each line; `problems` what the reader already found wrong (the order is refused)."""

    source: str
    rows: list[int]
    line_rows: list[int]
    request: OrderRequest
    status: str | None = None
    status_note: str | None = None  # how the reader read the file's status, for the history
    placed_at: str | None = None
    fulfilled_at: str | None = None
    stated: StatedOrder = field(default_factory=StatedOrder)
    lines: list[StatedLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    readable: bool = True  # False: the reader could not make a request of it (its problems say why)


@dataclass(frozen=True)
class ImportProblem:
    """Why (part of) an order of the file is not imported: the row it is on, the order (its
    `source`; None when the row belongs to no order), and the error, whose kind gives the exit
    code."""

    row: int
    source: str | None
    error: OrderCliError

    @property
    def message(self) -> str:
        return str(self.error)

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" (order {named(self.source)})" if self.source else "")
        return f"{where}: {self.error}"


# -- checks of single values ----------------------------------------------------------------


def check_amount_text(text: object, what: str) -> None:
    """Refuse an amount written with a thousands separator or a decimal comma, whatever its
    locale: '1,234.50' and '1.234,50' are never read as one number or another."""
    if isinstance(text, str) and _SEPARATORS.search(text.strip()):
        raise InvalidData(f"{what} {shown(text)}: {AMOUNT_RULE}")


def parse_file_time(text: str | None, what: str) -> datetime | None:
    """A time as files write it: ISO 8601 (2026-11-29T10:15:00Z, with an offset, or without
    one for UTC), or as Shopify writes it (2026-11-29 10:15:00 +0100); UTC. Empty: None."""
    if text is None or not text.strip():
        return None
    raw = text.strip()
    if len(raw) > 40 or not raw.isascii() or not raw[:1].isdigit():
        raise InvalidData(f"{what} {shown(text)} is not a time (2026-11-29T10:15:00Z)")
    if len(raw) == 20 and raw[10] == "T" and raw[19] == "Z":  # as ordercli writes them: read at once
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            pass
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) ?([+-]\d{2}):?(\d{2})", raw)
    if match:
        raw = f"{match.group(1)}{match.group(2)}:{match.group(3)}"
    elif raw[-1:] in "zZ":
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidData(f"{what} {shown(text)} is not a time (2026-11-29T10:15:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


_SMALL_UNITS = {str(n): n for n in range(1000)}


def _units(text: str | None, what: str) -> int | None:
    """A number of units that may be 0 (shipped), in ASCII digits; None when not stated."""
    found = _SMALL_UNITS.get(text)
    if found is not None:
        return found
    if text is None or not str(text).strip():
        return None
    raw = str(text).strip()
    if not re.fullmatch(r"[0-9]{1,7}", raw) or int(raw) > MAX_QUANTITY:
        raise InvalidData(f"{what} {shown(text)} is not a whole number of units")
    return int(raw)


def rate_from_tax_names(names: Sequence[tuple[str, str]]) -> str | None:
    """The tax rate of a Shopify order's lines, from its tax lines (name, value): the percent
    the name of its one tax ends with ('VAT 20%' -> '20'), rounded to 0.01 % (half up). None
    when no tax is charged, when its name states no percent, or when there are several (the
    export does not say which lines each falls on): the lines then take the catalogue's rate."""
    from decimal import Decimal

    charged = [(name, value) for name, value in names if (value or "").strip() and not _is_zero(value)]
    if len(charged) != 1:
        return None
    match = re.search(r"([0-9]{1,3}(?:\.[0-9]{1,6})?)\s*%\s*$", charged[0][0] or "")
    if match is None:
        return None
    return str(Decimal(round_minor(Decimal(match.group(1)) * 100)) / 100)


def _is_zero(text: str) -> bool:
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(text.strip()) == 0
    except InvalidOperation:
        return False


SHOPIFY_FINANCIAL = ("pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded", "voided",
                     "expired")
SHOPIFY_FULFILLMENT = ("fulfilled", "partial", "unfulfilled", "restocked")


def read_shopify_status(financial: str, fulfillment: str, cancelled_at: str, line_statuses: Sequence[str],
                        quantities: Sequence[str]) -> tuple[str, str, list[str | None]]:
    """A Shopify order's status in ordercli's words, how it was read (for the history), and
    the units each line shipped (None: all of them, as the order is fulfilled).

    Refunded after something was fulfilled: returned. Canceled (Cancelled at), voided, refunded
    or restocked: canceled when nothing was fulfilled, partially_closed when part was, closed
    when all was. Otherwise fulfilled: closed; partial: partially_shipped; unfulfilled: open.
    In part: a line item fulfilled shipped all its units, one pending or unfulfilled none, and
    one partially fulfilled is refused (the export does not say how many of its units left).
    """
    money, goods = (financial or "").strip().lower(), (fulfillment or "").strip().lower() or "unfulfilled"
    problems = []
    if money and money not in SHOPIFY_FINANCIAL:
        problems.append(f"Financial Status {shown(financial)} is not one of {', '.join(SHOPIFY_FINANCIAL)}")
    if goods not in SHOPIFY_FULFILLMENT:
        problems.append(f"Fulfillment Status {shown(fulfillment)} is not one of {', '.join(SHOPIFY_FULFILLMENT)}")
    cancelled = None
    try:
        cancelled = parse_file_time(cancelled_at, "Cancelled at")
    except InvalidData as error:
        problems.extend(error.problems)
    if problems:
        raise InvalidData(problems)
    note = f"Shopify: {money or 'no financial status'}, {goods}" + (
        f", cancelled {cancelled.isoformat(' ', 'minutes')[:16]} UTC" if cancelled else "")
    if money == "refunded" and goods in ("fulfilled", "partial"):
        status = Status.RETURNED
    elif cancelled or money in ("voided", "refunded") or goods == "restocked":
        status = {"fulfilled": Status.CLOSED, "partial": Status.PARTIALLY_CLOSED}.get(goods, Status.CANCELED)
    else:
        status = {"fulfilled": Status.CLOSED, "partial": Status.PARTIALLY_SHIPPED}.get(goods, Status.OPEN)
    if goods != "partial":
        return status.value, note, [None] * len(line_statuses)
    shipped: list[str | None] = []
    for index, (state, quantity) in enumerate(zip(line_statuses, quantities), start=1):
        state = (state or "").strip().lower()
        if state == "fulfilled":
            shipped.append(quantity)
        elif state in ("", "pending", "unfulfilled", "restocked"):
            shipped.append("0")
        elif state == "partial":
            problems.append(f"line {index}: Lineitem fulfillment status is partial: the export does not say how many "
                            "of its units left")
            shipped.append(None)
        else:
            problems.append(f"line {index}: Lineitem fulfillment status {shown(state)} is not one of fulfilled, "
                            "partial, pending")
            shipped.append(None)
    if problems:
        raise InvalidData(problems)
    return status.value, note, shipped


def reference_for(request: OrderRequest, source: str) -> str:
    """The channel reference an imported order is kept under: the file's, else the file's own
    number for it (`order 12`), so that importing the file again finds it."""
    ref = request.channel_ref
    if ref is not None and str(ref).strip():
        return ref
    return f"order {source}"


# -- a checked order ------------------------------------------------------------------------


class CheckedOrder(NamedTuple):
    """An imported order that passed every check that needs no database."""

    imported: ImportedOrder
    order: ValidOrder
    status: Status
    placed_at: datetime | None
    fulfilled_at: datetime | None


_LINE_AMOUNT = operator.attrgetter("unit_price", "discount")
_STATED_AMOUNTS = operator.attrgetter("order_discount", "net", "tax", "total")
_ORDER_AMOUNTS = operator.attrgetter("subtotal", "discount", "shipping_tax", "tax", "total", "duties")
_LINE_AMOUNTS = (("unit_price", "price"), ("discount", "discount"))
_STATED_LINE_AMOUNTS = (("order_discount", "order discount"), ("net", "net"), ("tax", "tax"), ("total", "total"))
_STATED_ORDER_AMOUNTS = (("subtotal", "subtotal"), ("discount", "discount"), ("shipping_tax", "shipping tax"),
                         ("tax", "tax"), ("total", "total"), ("duties", "duties"))


def _amounts_with_separators(imported: ImportedOrder) -> list[str]:
    """Refuse (and replace by 0) every amount of the order written with a separator."""
    request = imported.request
    texts = [request.shipping_charge, *_ORDER_AMOUNTS(imported.stated)]
    for line in request.lines:
        texts += _LINE_AMOUNT(line)
    for stated in imported.lines:
        texts += _STATED_AMOUNTS(stated)
    if not _SEPARATORS.search("|".join(filter(None, texts))):  # each is text (or None)
        return []
    found = []

    def check(holder, attribute: str, what: str) -> None:
        try:
            check_amount_text(getattr(holder, attribute), what)
        except InvalidData as error:
            found.extend(error.problems)
            setattr(holder, attribute, "0")

    check(request, "shipping_charge", "shipping charge")
    for index, line in enumerate(request.lines, start=1):
        for attribute, name in _LINE_AMOUNTS:
            check(line, attribute, f"line {index}: {name}")
    for index, stated in enumerate(imported.lines, start=1):
        for attribute, name in _STATED_LINE_AMOUNTS:
            check(stated, attribute, f"line {index}: {name}")
    for attribute, name in _STATED_ORDER_AMOUNTS:
        check(imported.stated, attribute, f"order {name}")
    return found


def check_order(imported: ImportedOrder, default_currency: str, *, memo: dict | None = None) -> CheckedOrder:
    """Every check of an imported order that needs no database, as `create` makes them and the
    import's own: amounts, times, status. Raises InvalidData listing every problem (a problem
    of a line starts 'line N: '). `memo` is `validate_order`'s, kept across the orders of a file."""
    problems: list[str] = list(imported.problems)
    if not imported.readable:
        raise InvalidData(problems)
    request = imported.request
    # An amount with a separator is said once, in the import's words; the request then carries
    # a plain 0 in its place, so that `create`'s checks do not say it again in theirs.
    problems += _amounts_with_separators(imported)
    request.channel_ref = reference_for(request, imported.source)
    order = None
    try:
        order = validate_order(request, default_currency, memo=memo)
    except InvalidData as error:
        problems.extend(error.problems)
    status = placed_at = fulfilled_at = None
    try:
        status = parse_status(imported.status)
    except InvalidData as error:
        problems.extend(error.problems)
    for name in ("placed_at", "fulfilled_at"):
        try:
            value = parse_file_time(getattr(imported, name), name)
        except InvalidData as error:
            problems.extend(error.problems)
            continue
        if name == "placed_at":
            placed_at = value
        else:
            fulfilled_at = value
    if problems:
        raise InvalidData(problems)
    return CheckedOrder(imported, order, status, placed_at, fulfilled_at)


def parse_status(text: str | None) -> Status:
    """A status as the file writes it (ordercli's own words); empty: open."""
    if text is None or not str(text).strip():
        return Status.OPEN
    try:
        return Status(str(text).strip().lower())
    except ValueError:
        raise InvalidData(f"status {shown(text)} is not one of {', '.join(Status)}") from None


# -- what an order becomes --------------------------------------------------------------------


class Fulfillment(NamedTuple):
    """The status an order is imported in, the units of each line that left outside ordercli
    (one external shipment), and the units of each line to promise from stock."""

    status: Status
    shipped: tuple[int, ...]
    promise: tuple[int, ...]
    note: str | None = None


def plan_fulfillment(status: Status, lines: Sequence[ResolvedLine], shipped: Sequence[str | None],
                     note: str | None = None) -> Fulfillment:
    """How an order the file says is in `status` is imported, with the units `shipped` of its
    lines as the file says (None: not said).

    open (and ready_to_ship, which is imported as open: verifying it is ordercli's own step)
    has nothing shipped and its physical catalogue lines promised from stock; closed has every
    unit shipped (said or not); returned what was shipped, every unit unless said; canceled,
    failed and abandoned nothing; partially_shipped and partially_closed what the file says was
    shipped: some units, not all. partially_shipped promises what is left, as it still ships.
    """
    problems: list[str] = []
    units: list[int | None] = []
    for line, text in zip(lines, shipped):
        try:
            value = _units(text, f"line {line.line_no}: shipped")
        except InvalidData as error:
            problems.extend(error.problems)
            value = None
        if value is not None and value > line.quantity:
            problems.append(f"line {line.line_no}: shipped {value} is more than its quantity {line.quantity}")
        units.append(value)
    if problems:
        raise InvalidData(problems)
    said = any(u is not None for u in units)
    imported = Status.OPEN if status in AS_OPEN else status
    if status == Status.READY_TO_SHIP:
        note = note or "ready_to_ship in the file, imported as open: verify it here (ordercli verify)"
    if status in NOTHING_SHIPPED:
        moved = [(line.line_no, u) for line, u in zip(lines, units) if u]
        if moved:
            raise InvalidData([f"line {n}: shipped {u}, but a {status} order has shipped nothing" for n, u in moved])
        done = [0] * len(lines)
    elif status in (Status.CLOSED, Status.RETURNED):
        done = [line.quantity if u is None else u for line, u in zip(lines, units)]
        short = [(line, u) for line, u in zip(lines, done) if u < line.quantity]
        if status == Status.CLOSED and short:
            raise InvalidData([f"line {line.line_no}: shipped {u} of {line.quantity}, but a closed order has "
                               "shipped every unit (partially_shipped or partially_closed?)" for line, u in short])
        if status == Status.RETURNED and not any(done):
            raise InvalidData("a returned order has shipped something that came back: no line says it shipped")
    else:  # partially shipped or closed: only the file can say what left
        if not said:
            raise InvalidData(f"a {status} order needs the units each line shipped (shipped)")
        done = [u or 0 for u in units]
        if not any(done) or all(d >= line.quantity for line, d in zip(lines, done)):
            raise InvalidData(f"a {status} order has shipped some units and not all: its lines say "
                              + ("none" if not any(done) else "all"))
    holds = imported in HOLDS_STOCK
    promise = tuple((line.quantity - d) if holds and line.kind == "physical" and line.product_id is not None else 0
                    for line, d in zip(lines, done))
    return Fulfillment(imported, tuple(done), promise, note)


class Placement(NamedTuple):
    """An imported order ready to store: checked, its lines resolved, priced as the file states
    it, and its state planned."""

    checked: CheckedOrder
    lines: tuple[ResolvedLine, ...]
    pricing: StatedPricing
    shipping_tax_rate_bp: int
    fulfillment: Fulfillment

    @property
    def order(self) -> ValidOrder:
        return self.checked.order

    @property
    def imported(self) -> ImportedOrder:
        return self.checked.imported

    @property
    def status(self) -> Status:
        return self.fulfillment.status


def sold_as(products: Mapping[str, ProductTerms]) -> dict[str, ProductTerms]:
    """The catalogue as a historic order sees it: a discontinued product was on sale then."""
    return {sku: replace(p, active=True) if not p.active else p for sku, p in products.items()}


def place(checked: CheckedOrder, products: Mapping[str, ProductTerms],
          sold: Mapping[str, ProductTerms] | None = None) -> Placement:
    """The order's lines from the catalogue (`resolve_lines`, as `create`), its money as the
    file states it (`price_stated`) and its state (`plan_fulfillment`); InvalidData lists every
    problem. A line whose SKU the catalogue lacks takes the kind the file hints at; a historic
    order (one that holds no stock) may name a discontinued product, which it was sold as:
    it is resolved against `sold` (`sold_as(products)`, made once by the caller)."""
    imported, order = checked.imported, checked.order
    lines = list(order.lines)
    hinted = False
    for index, (line, stated) in enumerate(zip(lines, imported.lines)):
        if line.kind is None and stated.kind_hint and line.sku not in products:
            lines[index] = replace(line, kind=stated.kind_hint)
            hinted = True
    if hinted:
        order = replace(order, lines=tuple(lines))
    if checked.status not in HOLDS_STOCK:
        products = sold if sold is not None else sold_as(products)
    resolved = resolve_lines(order, products)
    pricing, shipping_rate = price_stated(resolved, imported.lines, imported.stated, order)
    fulfillment = plan_fulfillment(checked.status, resolved, [s.shipped for s in imported.lines],
                                   imported.status_note)
    if hinted:
        checked = checked._replace(order=order)
    return Placement(checked, tuple(resolved), pricing, shipping_rate, fulfillment)


# -- money as the file states it --------------------------------------------------------------


class StatedLinePrice(NamedTuple):
    """A line's amounts as stored (the names of domain.pricing.PricedLine)."""

    discount_minor: int  # the line's own discount
    order_discount_minor: int  # its share of the order discount
    net_minor: int
    tax_minor: int


class StatedPricing(NamedTuple):
    """An order's amounts as stored (the names of domain.pricing.OrderPricing)."""

    lines: tuple[StatedLinePrice, ...]
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int
    shipping_minor: int
    shipping_tax_minor: int


# Amounts already read, (text, currency) -> minor units: the amounts of a file repeat.
_AMOUNTS: dict[tuple[str, str], int | None] = {}


def _money(text: str | None, currency: str, what: str) -> int | None:
    """An amount as stated (None when it is not), in minor units; InvalidData naming `what`."""
    if not text:
        return None
    found = _AMOUNTS.get((text, currency), _AMOUNTS)
    if found is not _AMOUNTS:
        return found
    raw = str(text).strip()
    minor = parse_money(raw, currency, what).minor if raw else None
    if len(_AMOUNTS) > 100_000:
        _AMOUNTS.clear()
    _AMOUNTS[(text, currency)] = minor
    return minor


def _said(currency: str, amount: int) -> str:
    from ordercli.domain.money import Money

    return str(Money(amount, currency).amount)


def price_stated(lines: Sequence[ResolvedLine], stated_lines: Sequence[StatedLine], stated: StatedOrder,
                 order: ValidOrder) -> tuple[StatedPricing, int]:
    """The order priced with the amounts the file states, and the shipping charge's tax rate.

    ordercli's rule (its export, and JSON lines): a line is quantity x unit price, less its
    discount and its share of the order discount (`order_discount`; when only the order's
    `discount` is stated, it is shared over the lines in proportion to their value, as a promo
    code is); its tax is as stated, or its net at its rate; the shipping tax likewise. Each
    stated net, line total, subtotal, discount, tax and total must equal what the lines make.

    Shopify's rule: a line is quantity x price less its Lineitem discount (its share of every
    discount); the Subtotal must be the lines after their discounts, or, when no line states a
    discount, the lines less the Discount Amount, which is then shared over them. The Taxes are
    shared over the taxable lines and the shipping in proportion to their net (largest
    remainder), so they add up to the file's to the cent. The Total must be Subtotal + Shipping
    + Taxes: when it is Subtotal + Shipping while there are Taxes, the prices include tax, which
    ordercli (net prices) cannot keep as stated, and the order is refused; so are duties.
    """
    currency = order.currency
    problems: list[str] = []

    amounts = _AMOUNTS

    def money(text, what):
        if not text:
            return None
        found = amounts.get((text, currency), amounts)
        if found is not amounts:
            return found
        try:
            return _money(text, currency, what)
        except InvalidData as error:
            problems.extend(error.problems)
            return None

    gross = [line.quantity * line.unit_price_minor for line in lines]
    own = []
    for line, line_gross in zip(lines, gross):
        discount = line.discount or Discount(amount_minor=0)
        if discount.amount_minor is not None and discount.amount_minor > line_gross:
            problems.append(f"line {line.line_no}: the discount {_said(currency, discount.amount_minor)} is larger "
                            f"than the line ({_said(currency, line_gross)})")
        own.append(discount.of(line_gross))
    after = [g - d for g, d in zip(gross, own)]
    shipping = order.shipping_minor
    if stated.rule == SHOPIFY_RULE:
        shares, taxes, shipping_tax, shipping_rate = _shopify_amounts(lines, stated_lines, stated, order, own, after,
                                                                      money, problems)
    else:
        shares, taxes, shipping_tax, shipping_rate = _ordercli_amounts(lines, stated_lines, stated, order, after,
                                                                       money, problems)
    priced = tuple(StatedLinePrice(d, s, a - s, t) for d, s, a, t in zip(own, shares, after, taxes))
    subtotal, discount = sum(after), sum(shares)
    tax = sum(taxes) + shipping_tax
    total = subtotal - discount + shipping + tax
    if stated.rule != SHOPIFY_RULE:
        _check_stated_totals(stated, currency, subtotal, discount, tax, total, money, problems)
    if max(sum(gross), total) >= MAX_TOTAL_MINOR:
        problems.append("the order total is too large")
    if problems:
        raise InvalidData(problems)
    return StatedPricing(priced, subtotal, discount, tax, total, shipping, shipping_tax), shipping_rate


def _ordercli_amounts(lines, stated_lines, stated: StatedOrder, order: ValidOrder, after, money, problems):
    currency = order.currency
    given = [money(s.order_discount, f"line {line.line_no}: order discount") for line, s in zip(lines, stated_lines)]
    if any(g is not None for g in given):
        shares = [g or 0 for g in given]
    else:
        whole = money(stated.discount, "discount")
        shares = share(whole or 0, after)
        if whole and whole > sum(after):
            problems.append(f"the discount {_said(currency, whole)} is larger than the lines "
                            f"({_said(currency, sum(after))})")
    taxes = []
    for line, s, a, part in zip(lines, stated_lines, after, shares):
        where = f"line {line.line_no}: "
        net = a - part
        if part > a:
            problems.append(f"{where}its order discount {_said(currency, part)} is larger than the line "
                            f"after its own discount ({_said(currency, a)})")
        said_net = money(s.net, f"{where}net")
        if said_net is not None and said_net != net:
            problems.append(f"{where}net {_said(currency, said_net)} is not quantity x unit price less its discounts "
                            f"({_said(currency, net)})")
        tax = money(s.tax, f"{where}tax")
        if tax is None:
            tax = apply_rate(net, rate_of(line.tax_rate_bp))
        said_total = money(s.total, f"{where}total")
        if said_total is not None and said_total != net + tax:
            problems.append(f"{where}total {_said(currency, said_total)} is not its net and tax "
                            f"({_said(currency, net + tax)})")
        taxes.append(tax)
    rate = order.shipping_tax_rate_bp
    if rate is None:
        rate = max((line.tax_rate_bp for line in lines), default=0) if order.shipping_minor else 0
    shipping_tax = money(stated.shipping_tax, "shipping tax")
    if shipping_tax is None:
        shipping_tax = apply_rate(order.shipping_minor, rate_of(rate))
    return shares, taxes, shipping_tax, rate


def _shopify_amounts(lines, stated_lines, stated: StatedOrder, order: ValidOrder, own, after, money, problems):
    currency = order.currency
    subtotal = money(stated.subtotal, "Subtotal")
    discount = money(stated.discount, "Discount Amount")
    shares = [0] * len(lines)
    if subtotal is not None and subtotal != sum(after):
        if not any(own) and discount and sum(after) - discount == subtotal:
            shares = share(discount, after)
        else:
            problems.append(f"the Subtotal {_said(currency, subtotal)} is not the lines after their discounts "
                            f"({_said(currency, sum(after))})")
    duties = money(stated.duties, "Duties")
    if duties:
        problems.append(f"the order has Duties of {_said(currency, duties)}, which ordercli does not keep")
    taxes_total = money(stated.tax, "Taxes") or 0
    net_subtotal = sum(after) - sum(shares)
    total = money(stated.total, "Total")
    if total is not None and total != net_subtotal + order.shipping_minor + taxes_total:
        if taxes_total and total == net_subtotal + order.shipping_minor:
            problems.append(f"its prices include tax (Total {_said(currency, total)} = Subtotal + Shipping, with "
                            f"Taxes {_said(currency, taxes_total)} in them): ordercli keeps prices net of tax and "
                            "cannot take these amounts as stated")
        else:
            problems.append(f"the Total {_said(currency, total)} is not Subtotal + Shipping + Taxes "
                            f"({_said(currency, net_subtotal + order.shipping_minor + taxes_total)})")
    rate = max((line.tax_rate_bp for line in lines), default=0)
    if stated.tax_rate is not None:
        try:
            rate = parse_percent(stated.tax_rate, "tax rate")
        except InvalidData as error:
            problems.extend(error.problems)
    weights = [(a - s) if s_line.taxable else 0 for a, s, s_line in zip(after, shares, stated_lines)]
    weights.append(order.shipping_minor)
    if taxes_total and not any(weights):
        problems.append(f"the Taxes {_said(currency, taxes_total)} fall on nothing: no line is taxable and there is "
                        "no shipping")
        weights = [1] * len(weights)
    parts = share(taxes_total, weights)
    shipping_tax = parts[-1]
    return shares, parts[:-1], shipping_tax, rate if shipping_tax else 0


def _check_stated_totals(stated: StatedOrder, currency: str, subtotal: int, discount: int, tax: int, total: int,
                         money, problems: list[str]) -> None:
    """Each total the file states must be what its lines make (ordercli's rule)."""
    for what, text, made in (("subtotal", stated.subtotal, subtotal), ("discount", stated.discount, discount),
                             ("tax", stated.tax, tax), ("total", stated.total, total)):
        said = money(text, what)
        if said is not None and said != made:
            problems.append(f"the {what} {_said(currency, said)} is not what its lines make ({_said(currency, made)})")


# -- the same order imported again ------------------------------------------------------------


class Content(NamedTuple):
    """What an imported order holds, as it is compared with an order stored under its channel
    reference (`differences`): values as stored; None where the file does not give a value
    that ordercli would otherwise fill in (a customer's email or phone from its record; a
    line's tax rate, description, kind, delivery method from the catalogue)."""

    name: str
    email: str | None
    phone: str | None
    billing: tuple
    shipping: tuple
    currency: str
    promo_code: str | None
    note: str | None
    shipping_minor: int
    shipping_tax_minor: int
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int
    placed_at: datetime | None
    # (sku, quantity, unit price, discount, order discount, net, tax, tax rate, description, kind, delivery method)
    lines: tuple


ADDRESS_PARTS = ("name", "line1", "line2", "city", "region", "postal_code", "country")


def address_parts(address) -> tuple:
    return (address.name, address.line1, address.line2, address.city, address.region, address.postal_code,
            address.country)


def content_of(placement: Placement, *, lines: bool = True) -> Content:
    """What the placement holds; its `lines` left out (empty) unless asked for (see `content_line`)."""
    order, pricing = placement.order, placement.pricing
    if lines:
        lines = tuple(content_line(line.sku, line.quantity, line.unit_price_minor, priced.discount_minor,
                                   priced.order_discount_minor, priced.net_minor, priced.tax_minor, line.tax_rate_bp,
                                   line.description, line.kind, line.delivery_method, given_of(valid))
                      for valid, line, priced in zip(order.lines, placement.lines, pricing.lines))
    else:
        lines = ()
    return Content(order.name, order.email, order.phone, address_parts(order.billing), address_parts(order.shipping),
                   order.currency, order.promo_code, order.note, pricing.shipping_minor, pricing.shipping_tax_minor,
                   pricing.subtotal_minor, pricing.discount_minor, pricing.tax_minor, pricing.total_minor,
                   placement.checked.placed_at, lines)


def given_of(line) -> int:
    """Which of a line's tax rate, description, kind and delivery method the file gave (bits 1,
    2, 4, 8): the others were filled in from the catalogue, and are not compared."""
    return ((line.tax_rate_bp is not None) | (line.description is not None) << 1 | (line.kind is not None) << 2
            | (line.delivery_method is not None) << 3)


def content_line(sku, quantity, unit_price, discount, order_discount, net, tax, tax_rate, description, kind,
                 delivery_method, given: int) -> tuple:
    """A line as `Content` holds it: None for what the file did not give (`given_of`)."""
    return (sku, quantity, unit_price, discount, order_discount, net, tax, tax_rate if given & 1 else None,
            description if given & 2 else None, kind if given & 4 else None, delivery_method if given & 8 else None)


_LINE_NAMES = ("sku", "quantity", "unit_price", "discount", "order_discount", "net", "tax", "tax_rate", "description",
               "kind", "delivery_method")


def differences(mine: Content, stored: Content) -> list[str]:
    """What an order of the file says differently from the order already stored under its
    channel reference (empty: the same order, imported before), named by ordercli's columns.
    Compared as stored: the customer (email and phone when the file gives them), both
    addresses, the currency, the promo code, the note, the shipping charge, every total, when
    it was placed (when the file says), and each line: SKU, quantity, price, discounts, net and
    tax, and its tax rate, description, kind and delivery method when the file gives them. Its
    status is not compared: it may have moved on here since."""
    found: list[str] = []
    for name, a, b in (("customer_name", mine.name, stored.name), ("customer_email", mine.email, stored.email),
                       ("customer_phone", mine.phone, stored.phone)):
        given = a is not None or name == "customer_name"
        if given and a != b:
            found.append(name)
    for prefix, a, b in (("billing", mine.billing, stored.billing), ("shipping", mine.shipping, stored.shipping)):
        found += [f"{prefix}_{part}" for part, x, y in zip(ADDRESS_PARTS, a, b) if x != y]
    for name in ("currency", "promo_code", "note"):
        if getattr(mine, name) != getattr(stored, name):
            found.append(name)
    for name in ("shipping", "shipping_tax", "subtotal", "discount", "tax", "total"):
        if getattr(mine, f"{name}_minor") != getattr(stored, f"{name}_minor"):
            found.append(name)
    if mine.placed_at is not None and mine.placed_at != stored.placed_at:
        found.append("placed_at")
    if len(mine.lines) != len(stored.lines):
        found.append(f"lines ({len(mine.lines)}, the order has {len(stored.lines)})")
        return found
    for line_no, (a, b) in enumerate(zip(mine.lines, stored.lines), start=1):
        differing = [name for name, x, y in zip(_LINE_NAMES, a, b) if x is not None and x != y]
        if differing:
            found.append(f"line {line_no} ({', '.join(differing)})")
    return found


def taken(channel: str, ref: str, number: int, differing: list[str]) -> Refused:
    """The refusal of an order whose channel reference an order with other content holds."""
    return Refused(f"a {channel} order with reference {ref} already exists (order {number}) with other content: "
                   + ", ".join(differing))


# -- where a problem is in the file -------------------------------------------------------------

_LINE_PREFIX = re.compile(r"line ([0-9]+): ")


def located(imported: ImportedOrder, error: OrderCliError, field_names: Mapping[str, str]) -> list[ImportProblem]:
    """The problems of an order, each on its row: a line's on the line's row (its 'line N: '
    taken off when that row holds that line alone), the order's on its first row; the fields
    named as the file's columns."""
    if isinstance(error, InvalidData):
        kind = InvalidData if isinstance(error, MissingFields) else type(error)
        problems = [p.worded(field_names) if isinstance(p, Problem) else p for p in error.problems]
    else:
        kind, problems = type(error), [str(error)]
    row_per_line = len(set(imported.line_rows)) == len(imported.line_rows)
    found = []
    for text in problems:
        row = imported.rows[0]
        match = _LINE_PREFIX.match(text)
        if match and 1 <= int(match.group(1)) <= len(imported.line_rows):
            row = imported.line_rows[int(match.group(1)) - 1]
            if row_per_line:
                text = text[match.end():]
        found.append(ImportProblem(row, imported.source, kind(text)))
    return found


def insufficient_stock(sku: str, requested: int, available: int) -> InsufficientStock:
    return InsufficientStock(f"insufficient stock for {sku}: requested {requested}, available {available}")
