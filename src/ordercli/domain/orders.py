"""What an order request must contain, and its validation into clean, normalized values."""

from __future__ import annotations

from dataclasses import dataclass, field

from ordercli.domain.errors import Field, InvalidData, MissingFields, Problem
from ordercli.domain.money import Money, normalize_currency, parse_money, parse_percent
from ordercli.domain.pricing import Discount
from ordercli.domain.validation import (
    Problems,
    clean_text,
    normalize_country,
    normalize_email,
    normalize_phone,
    normalize_sku,
    parse_quantity,
    shown,
)

CHANNELS = ("web", "mobile", "phone", "store", "marketplace", "other")
VERIFICATION_METHODS = ("phone", "email", "in-person", "automatic")
PRODUCT_KINDS = ("physical", "digital", "service")

# How a line reaches the customer, by the kind of thing it is; the first is the default.
DELIVERY_METHODS = {
    "physical": ("ship", "pickup", "hand_over"),
    "digital": ("download",),
    "service": ("service",),
}
ALL_DELIVERY_METHODS = tuple(m for methods in DELIVERY_METHODS.values() for m in methods)

MAX_LINES = 500


@dataclass
class AddressRequest:
    name: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None

    def is_empty(self) -> bool:
        return not any(str(v).strip() for v in vars(self).values() if v is not None)


@dataclass
class LineRequest:
    sku: str | None
    quantity: object
    unit_price: object = None
    description: str | None = None
    discount: object = None
    tax_rate: object = None
    delivery_method: str | None = None
    kind: str | None = None


@dataclass
class OrderRequest:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    billing: AddressRequest = field(default_factory=AddressRequest)
    shipping: AddressRequest | None = None
    channel: str | None = None
    channel_ref: str | None = None
    lines: list[LineRequest] = field(default_factory=list)
    promo: str | None = None
    note: str | None = None
    currency: str | None = None
    delivery_method: str | None = None
    backorder: bool = False
    shipping_charge: object = None  # what the customer pays for delivery, net ("4.90")
    shipping_tax_rate: object = None  # its tax rate ("19"); default: the highest rate of the lines


@dataclass(frozen=True)
class Address:
    name: str | None
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str | None
    country: str


@dataclass(frozen=True)
class ValidLine:
    sku: str
    quantity: int
    unit_price: Money | None
    description: str | None
    discount: Discount | None
    tax_rate_bp: int | None
    delivery_method: str | None
    kind: str | None
    tax_minor: int | None = None  # an exchange's replacement: the tax of the units it replaces


@dataclass(frozen=True)
class ValidOrder:
    name: str
    email: str | None
    phone: str | None
    billing: Address
    shipping: Address
    channel: str
    channel_ref: str | None
    lines: tuple[ValidLine, ...]
    promo_code: str | None
    note: str | None
    currency: str
    delivery_method: str | None
    backorder: bool
    shipping_minor: int = 0
    shipping_tax_rate_bp: int | None = None  # None: the highest tax rate of the lines


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def missing_fields(request: OrderRequest) -> list[str]:
    """Every required field the request leaves out, named as in the order JSON."""
    missing = []
    if _blank(request.name):
        missing.append("customer.name")
    if _blank(request.email) and _blank(request.phone):
        missing.append("customer.email or customer.phone")
    for key in ("line1", "city", "country"):
        if _blank(getattr(request.billing, key)):
            missing.append(f"billing_address.{key}")
    if request.shipping is not None and not request.shipping.is_empty():
        for key in ("line1", "city", "country"):
            if _blank(getattr(request.shipping, key)):
                missing.append(f"shipping_address.{key}")
    if not request.lines:
        missing.append("lines")
    return missing


def _address(request: AddressRequest, where: str, problems: Problems, partial: bool = False) -> Address | None:
    """The address checked and normalized; None if a required part is wrong. `partial`: the
    parts it lacks are None (see `validate_order`)."""
    def text(key: str, required: bool = False, max_length: int = 200):
        return problems.check(
            clean_text, getattr(request, key), f"{where}.{key}", required=required and not partial,
            max_length=max_length
        )

    country = None
    if not (partial and _blank(request.country)):
        country = problems.check(normalize_country, request.country or "", prefix=f"{where}: ")
    values = dict(
        name=text("name"),
        line1=text("line1", True),
        line2=text("line2"),
        city=text("city", True, 100),
        region=text("region", max_length=100),
        postal_code=text("postal_code", max_length=20),
    )
    if partial:
        return Address(country=country, **values)
    if country is None or values["line1"] is None or values["city"] is None:
        return None
    return Address(country=country, **values)


def parse_discount(value: object, currency: str, what: str) -> Discount | None:
    """'10%' is a percent of the line; '2.50' is an amount off it."""
    if _blank(value):
        return None
    text = str(value).strip()
    if text.endswith("%"):
        return Discount(percent_bp=parse_percent(text, what))
    return Discount(amount_minor=parse_money(text, currency, what).minor)


def _line(request: LineRequest, index: int, currency: str | None, problems: Problems) -> ValidLine | None:
    where = f"line {index}: "
    count = len(problems.items)
    sku = problems.check(normalize_sku, request.sku or "", prefix=where)
    quantity = problems.check(parse_quantity, request.quantity, prefix=where)
    description = problems.check(clean_text, request.description, "description", prefix=where)
    unit_price = discount = None
    if currency is not None:
        if not _blank(request.unit_price):
            unit_price = problems.check(parse_money, str(request.unit_price), currency, "price", prefix=where)
        discount = problems.check(parse_discount, request.discount, currency, "discount", prefix=where)
    tax_rate = None
    if not _blank(request.tax_rate):
        tax_rate = problems.check(parse_percent, request.tax_rate, "tax rate", prefix=where)
    kind = None
    if not _blank(request.kind):
        kind = str(request.kind).strip().lower()
        if kind not in PRODUCT_KINDS:
            problems.add(f"{where}kind {shown(request.kind)} is not one of {', '.join(PRODUCT_KINDS)}")
    method = None
    if not _blank(request.delivery_method):
        method = str(request.delivery_method).strip().lower().replace("-", "_")
        if method not in ALL_DELIVERY_METHODS:
            problems.add(
                f"{where}delivery method {shown(request.delivery_method)} is not one of "
                f"{', '.join(ALL_DELIVERY_METHODS)}"
            )
    if len(problems.items) > count:
        return None
    return ValidLine(sku, quantity, unit_price, description, discount, tax_rate, method, kind)


def _remembered(memo: dict | None, key: tuple, problems: Problems, check):
    """`check(problems)`, or, with a `memo`, what it gave for the same `key` before (and the same
    problems): the checks are pure, so values that repeat (a returning customer's email and
    address, a catalogue line) are checked once per memo."""
    if memo is None:
        return check(problems)
    found = memo.get(key)
    if found is None:
        own = Problems()
        found = memo[key] = (check(own), tuple(own.items))
    problems.items.extend(found[1])
    return found[0]


def validate_order(request: OrderRequest, default_currency: str, *, partial: bool = False,
                   memo: dict | None = None) -> ValidOrder:
    """Normalize every field; raise one error that lists every problem found.

    `partial` checks only the values the request gives and not what it lacks (a terminal asks
    for the rest, each answer checked as it comes); what it lacks is None in the result, and a
    phone is checked once there is a country to read it in. `memo` (a dict kept across calls)
    remembers what checking each email, phone, address and line gave: many orders at once
    (an import) then check each value once.
    """
    if not partial:
        missing = missing_fields(request)
        if missing:
            raise MissingFields(missing)
    problems = Problems()
    currency = problems.check(normalize_currency, request.currency or default_currency)
    name = None
    if not (partial and _blank(request.name)):
        name = problems.check(clean_text, request.name, "customer name", required=True)
    email = None
    if not _blank(request.email):
        email = _remembered(memo, ("email", request.email), problems,
                            lambda found: found.check(normalize_email, request.email))
    billing = _remembered(memo, ("billing_address", *vars(request.billing).values(), partial), problems,
                          lambda found: _address(request.billing, "billing_address", found, partial))
    shipping = billing
    if request.shipping is not None and not request.shipping.is_empty():
        shipping = _remembered(memo, ("shipping_address", *vars(request.shipping).values(), partial), problems,
                               lambda found: _address(request.shipping, "shipping_address", found, partial))
    phone = None
    country = billing.country if billing else None
    if not _blank(request.phone) and not (partial and country is None):
        phone = _remembered(memo, ("phone", request.phone, country), problems,
                            lambda found: found.check(normalize_phone, request.phone, country))
    channel = (request.channel or "other").strip().lower()
    if channel not in CHANNELS:
        problems.add(f"channel {shown(request.channel)} is not one of {', '.join(CHANNELS)}")
    channel_ref = problems.check(clean_text, request.channel_ref, "channel reference", max_length=100)
    promo = problems.check(clean_text, request.promo, "promo code", max_length=40)
    note = problems.check(clean_text, request.note, "note", max_length=2000, multiline=True)
    method = None
    if not _blank(request.delivery_method):
        method = request.delivery_method.strip().lower().replace("-", "_")
        if method not in DELIVERY_METHODS["physical"]:
            problems.add(
                f"delivery method {shown(request.delivery_method)} is not one of "
                f"{', '.join(DELIVERY_METHODS['physical'])}"
            )
    if len(request.lines) > MAX_LINES:
        problems.add(f"an order has at most {MAX_LINES} lines, this one has {len(request.lines)}")
    lines = [_remembered(memo, ("line", i, currency, *vars(line).values()), problems,
                         lambda found, line=line, i=i: _line(line, i, currency, found))
             for i, line in enumerate(request.lines, start=1)]
    shipping_minor, shipping_rate = 0, None
    if not _blank(request.shipping_charge) and currency is not None:
        charge = problems.check(parse_money, str(request.shipping_charge), currency, "shipping charge")
        shipping_minor = charge.minor if charge is not None else 0
    if not _blank(request.shipping_tax_rate):
        shipping_rate = problems.check(parse_percent, request.shipping_tax_rate, "shipping tax rate")
    problems.raise_if_any()
    return ValidOrder(
        name=name,
        email=email,
        phone=phone,
        billing=billing,
        shipping=shipping,
        channel=channel,
        channel_ref=channel_ref,
        lines=tuple(lines),
        promo_code=promo.upper() if promo else None,
        note=note,
        currency=currency,
        delivery_method=method,
        backorder=bool(request.backorder),
        shipping_minor=shipping_minor,
        shipping_tax_rate_bp=shipping_rate,
    )


def delivery_method_for(kind: str, requested: str | None, order_default: str | None, line_no: int) -> str:
    """The line's delivery method: its own, else the order's (physical lines), else the kind's default."""
    allowed = DELIVERY_METHODS[kind]
    method = requested or (order_default if kind == "physical" else None) or allowed[0]
    if method not in allowed:
        raise InvalidData(f"line {line_no}: a {kind} line cannot be delivered by {method} ({', '.join(allowed)})")
    return method



@dataclass(frozen=True)
class ProductTerms:
    """What the catalogue says about a SKU at order time."""

    id: int
    sku: str
    name: str
    unit_price_minor: int
    currency: str
    tax_rate_bp: int
    kind: str
    active: bool = True


@dataclass(frozen=True)
class ResolvedLine:
    line_no: int
    product_id: int | None
    sku: str
    description: str
    kind: str
    quantity: int
    unit_price_minor: int
    discount: Discount | None
    tax_rate_bp: int
    delivery_method: str
    tax_minor: int | None = None


def resolve_lines(order: ValidOrder, products: dict[str, ProductTerms]) -> list[ResolvedLine]:
    """Fill each line from the catalogue (price, name, tax, kind); ad-hoc lines need their own.

    A line for a SKU the catalogue does not know is an ad-hoc line (a fee, a one-off item): it
    needs a description and a price, is of kind service unless it says otherwise, is taxed at
    0 % unless it says otherwise, and holds no stock.
    """
    problems = Problems()
    resolved = []
    for line_no, line in enumerate(order.lines, start=1):
        where = f"line {line_no}: "
        product = products.get(line.sku)
        if product is not None:
            if not product.active:
                problems.add(f"{where}{line.sku} is discontinued (inactive in the catalogue)")
                continue
            if line.kind and line.kind != product.kind:
                problems.add(f"{where}{line.sku} is a {product.kind} product, not {line.kind}")
                continue
            if line.unit_price is not None:
                price = line.unit_price.minor
            elif product.currency == order.currency:
                price = product.unit_price_minor
            else:
                problems.add(
                    f"{where}{line.sku} is priced in {product.currency}; give a price in "
                    f"{order.currency} ({line.sku}:{line.quantity}@PRICE)"
                )
                continue
            description = line.description or product.name
            tax = line.tax_rate_bp if line.tax_rate_bp is not None else product.tax_rate_bp
            kind, product_id = product.kind, product.id
        else:
            if line.unit_price is None or not line.description:
                problems.add(
                    f"{where}unknown SKU {line.sku} (an ad-hoc line needs a description and a price)"
                )
                continue
            price, description = line.unit_price.minor, line.description
            tax = line.tax_rate_bp or 0
            kind, product_id = line.kind or "service", None
        method = problems.check(
            delivery_method_for, kind, line.delivery_method, order.delivery_method, line_no
        )
        if method is None:
            continue
        resolved.append(
            ResolvedLine(line_no, product_id, line.sku, description, kind, line.quantity, price,
                         line.discount, tax, method, line.tax_minor)
        )
    problems.raise_if_any()
    return resolved


# -- a retry -------------------------------------------------------------------------------------

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country")


def retry_differences(order: ValidOrder, existing) -> list[str]:
    """What a retry of an order (`order`, with the channel and reference of `existing`, a stored
    order as `load_order` reads it) says differently from what the order holds; empty when it
    is the same order. Each entry names a field (a `Field`, as in the order JSON) or a line
    ("line 2 (quantity, price)").

    Compared as stored (normalized): the customer's name, both addresses (no shipping address
    means the billing one), the currency, the promo code, the note, and the lines in order:
    SKU, quantity and discount always; the email, the phone, and a line's price, description,
    tax rate, kind and delivery method when the retry gives them, since otherwise a new order
    would fill them in from the customer record or the catalogue; the shipping charge, and its
    tax rate when given. `backorder` is how to place an order, not what it holds: it is not
    compared.
    """
    found: list[str] = []
    customer = existing.customer
    for name, mine, theirs, given in (("customer.name", order.name, customer.name, True),
                                      ("customer.email", order.email, customer.email, order.email is not None),
                                      ("customer.phone", order.phone, customer.phone, order.phone is not None)):
        if given and mine != theirs:
            found.append(Field(name))
    for where, mine, theirs in (("billing_address", order.billing, existing.billing),
                                ("shipping_address", order.shipping, existing.shipping)):
        found += [Field(f"{where}.{key}") for key in ADDRESS_FIELDS if getattr(mine, key) != getattr(theirs, key)]
    for name, mine, theirs in (("currency", order.currency, existing.currency),
                               ("promo", order.promo_code, existing.promo_code), ("note", order.note, existing.note),
                               ("shipping.amount", order.shipping_minor, existing.shipping_charge.minor)):
        if mine != theirs:
            found.append(Field(name))
    if order.shipping_tax_rate_bp is not None and order.shipping_tax_rate_bp != existing.shipping_tax_rate_bp:
        found.append(Field("shipping.tax_rate"))
    if len(order.lines) != len(existing.lines):
        found.append(Problem(Field("lines"), f" ({len(order.lines)}, the order has {len(existing.lines)})"))
        return found
    for line_no, (mine, theirs) in enumerate(zip(order.lines, existing.lines), start=1):
        gross = theirs.quantity * theirs.unit_price.minor
        method = mine.delivery_method or (order.delivery_method if theirs.kind == "physical" else None)
        checks = (
            ("SKU", True, mine.sku, theirs.sku),
            ("quantity", True, mine.quantity, theirs.quantity),
            ("price", mine.unit_price is not None, mine.unit_price.minor if mine.unit_price is not None else None,
             theirs.unit_price.minor),
            ("description", mine.description is not None, mine.description, theirs.description),
            ("discount", True, mine.discount.of(gross) if mine.discount else 0, theirs.discount.minor),
            ("tax rate", mine.tax_rate_bp is not None, mine.tax_rate_bp, theirs.tax_rate_bp),
            ("kind", mine.kind is not None, mine.kind, theirs.kind),
            ("delivery method", method is not None, method, theirs.delivery_method),
        )
        differing = [what for what, given, a, b in checks if given and a != b]
        if differing:
            found.append(f"line {line_no} ({', '.join(differing)})")
    return found
