"""Orders: create, look up, list, verify.

Each use case is a core that runs in the caller's transaction (`place_order`, `record_verification`)
and a thin wrapper that opens one transaction around it (`create_order`, `verify_order`), so
that an import or an exchange can run many cores in one all-or-nothing transaction. The SQL
lives in `ordercli.db.queries`; on SQLite no SQLAlchemy is loaded at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordercli.db import dialect
from ordercli.db.queries import addresses, customers, history, orders, promos
from ordercli.db.queries import catalog as products
from ordercli.db.queries.stock import waiting_units
from ordercli.db.sql import is_unique_violation, pipelined
from ordercli.domain.errors import Field, InvalidData, NotFound, Problem, ReferenceTaken, Refused
from ordercli.domain.money import Money
from ordercli.domain.orders import (
    VERIFICATION_METHODS,
    OrderRequest,
    ProductTerms,
    ValidOrder,
    resolve_lines,
    retry_differences,
    validate_order,
)
from ordercli.domain.pricing import LineTerms, Shipping, price_order
from ordercli.domain.promos import PromoTerms, check_applies
from ordercli.domain.statuses import Status, check_verifiable
from ordercli.domain.validation import clean_text
from ordercli.services.inventory.promising import PromiseLine, check_promisable, promise_new_order
from ordercli.services.inventory.reads import order_promises
from ordercli.services.views import (
    AddressView,
    CustomerView,
    HistoryEntry,
    LineView,
    OrderPreview,
    OrderSummary,
    OrderView,
    PlacedOrder,
    Promise,
    Stamp,
    Verification,
)

DEFAULT_CURRENCY = "EUR"

# The history event of an order whose customer's record it changed (name or phone).
CUSTOMER_CHANGED = "customer_changed"


# -- create ----------------------------------------------------------------------------------


def create_order(db, request: OrderRequest, stamp: Stamp, *, default_currency: str = DEFAULT_CURRENCY) -> PlacedOrder:
    """Validate, price and store a new order (open), with its customer, its first history entry
    and the stock promised to its physical lines, in one transaction.

    Retrying is safe: if an order with the same channel reference exists and the request has
    the same content (`retry_differences`), that order is returned as existing and nothing is
    written; with other content the request is refused (ReferenceTaken), naming what differs.
    Two processes placing one reference at once: the unique index lets one in, and the other's
    transaction, refused whole (its promo use, customer changes and stock too), is followed by
    a read of the order the first one placed.
    """
    order = validate_order(request, default_currency)
    try:
        with db.write() as transaction:
            return PlacedOrder(load_order(transaction, place_order(transaction, order, stamp)), existing=False)
    except Refused as error:
        if order.channel_ref is None:
            raise
        refusal = error  # a duplicate, or what a twin placed at the same moment left behind (its promo use, stock)
    with db.read() as connection:
        existing = _same_order(connection, order)
    if existing is None:
        raise refusal
    return PlacedOrder(existing, existing=True)


def _same_order(connection, order: ValidOrder) -> OrderView | None:
    """The stored order with the channel reference of `order`, if `order` has the same content;
    None if there is no such order; refused if it holds other content."""
    number = orders.number_of_ref(connection, order.channel, order.channel_ref)
    if number is None:
        return None
    existing = load_order(connection, number)
    differing = retry_differences(order, existing)
    if differing:
        listed: list[str] = []
        for name in differing:
            listed += [", ", name] if listed else [name]
        raise ReferenceTaken(Problem(f"a {order.channel} order with reference {order.channel_ref} already exists "
                                     f"(order {number}) with other content: ", *listed))
    return existing


def preview_order(db, request: OrderRequest, now: datetime, *, default_currency: str = DEFAULT_CURRENCY,
                  partial: bool = False) -> OrderPreview:
    """The order `create_order` would store for `request` now, checked as it would check it (the
    catalogue, the promo code, and the stock of lines without backorder); nothing is written and
    no promo use is counted. `partial`: only what the request gives is checked (`validate_order`)."""
    order = validate_order(request, default_currency, partial=partial)
    lines, promo = [], None
    if order.lines or order.promo_code:
        with db.write() as transaction:  # creates the database as `create` would; rolled back
            transaction.rollback()
            if order.lines:
                lines = resolve_lines(order, _products(transaction, {line.sku for line in order.lines}))
            if order.promo_code:
                promo = _promo_terms(transaction, order.promo_code, order.currency, now)[1]
            if not order.backorder:
                check_promisable(transaction, [PromiseLine(l.line_no, 0, l.product_id, l.sku, l.quantity)
                                               for l in lines if l.kind == "physical" and l.product_id is not None])
    pricing = price_order([LineTerms(l.quantity, l.unit_price_minor, l.tax_rate_bp, l.discount, l.tax_minor)
                           for l in lines],
                          promo.discount if promo else None, shipping_terms(order, lines))

    def money(minor: int) -> Money:
        return Money(minor, order.currency)

    views = tuple(
        LineView(line_no=l.line_no, sku=l.sku, description=l.description, kind=l.kind, quantity=l.quantity,
                 unit_price=money(l.unit_price_minor), discount=money(p.discount_minor),
                 order_discount=money(p.order_discount_minor), tax_rate_bp=l.tax_rate_bp, net=money(p.net_minor),
                 tax=money(p.tax_minor), delivery_method=l.delivery_method)
        for l, p in zip(lines, pricing.lines))
    return OrderPreview(order, views, money(pricing.subtotal_minor), money(pricing.discount_minor),
                        money(pricing.tax_minor), money(pricing.total_minor), money(pricing.shipping_minor))


def place_order(connection, order: ValidOrder, stamp: Stamp) -> int:
    """Store a validated order in the caller's transaction; returns its number."""
    # Before the promo code, the customer and the products are locked, an import waits for the
    # order or the order for the import (dialect.import_turn); the turn goes with the first read.
    with pipelined(connection):
        dialect.import_turn(connection)
        _refuse_duplicate_ref(connection, order.channel, order.channel_ref)
        terms = _products(connection, {line.sku for line in order.lines})
    lines = resolve_lines(order, terms)
    promo = _take_promo(connection, order.promo_code, order.currency, stamp.at) if order.promo_code else None
    charge = shipping_terms(order, lines)
    pricing = price_order(
        [LineTerms(l.quantity, l.unit_price_minor, l.tax_rate_bp, l.discount, l.tax_minor) for l in lines],
        promo[1].discount if promo else None,
        charge,
    )
    customer, billing, shipping, customer_change = _upsert_customer(connection, order, stamp.at)
    number = _insert_order(connection, order, stamp, customer=customer, billing=billing, shipping=shipping,
                           promo_id=promo[0] if promo else None, pricing=pricing, charge=charge)
    entries = [(number, "created", None, Status.OPEN.value,
                f"{order.channel} order" + (f" {order.channel_ref}" if order.channel_ref else ""))]
    if customer_change:
        entries.append((number, CUSTOMER_CHANGED, Status.OPEN.value, Status.OPEN.value, customer_change))
    with pipelined(connection):  # the history goes with the lines, whose ids are read
        history.append(connection, stamp, entries)
        line_ids = orders.add_lines(connection, number, [
            {"line_no": line.line_no, "product_id": line.product_id, "sku": line.sku,
             "description": line.description, "kind": line.kind, "quantity": line.quantity,
             "unit_price_minor": line.unit_price_minor, "discount_minor": priced.discount_minor,
             "order_discount_minor": priced.order_discount_minor, "tax_rate_bp": line.tax_rate_bp,
             "net_minor": priced.net_minor, "tax_minor": priced.tax_minor, "delivery_method": line.delivery_method}
            for line, priced in zip(lines, pricing.lines)])
    stock_lines = [PromiseLine(line_ids[l.line_no], number, l.product_id, l.sku, l.quantity)
                   for l in lines if l.kind == "physical" and l.product_id is not None]
    promise_new_order(connection, stock_lines, stamp, backorder=order.backorder)
    return number


def shipping_terms(order: ValidOrder, lines) -> Shipping:
    """The order's shipping charge and its tax rate: as given, or the highest rate of its lines
    (delivery is taxed like the goods it delivers; with mixed rates, at the highest one)."""
    rate = order.shipping_tax_rate_bp
    if rate is None:
        rate = max((line.tax_rate_bp for line in lines), default=0) if order.shipping_minor else 0
    return Shipping(order.shipping_minor, rate)


def _insert_order(connection, order, stamp: Stamp, *, customer: CustomerView, billing: int, shipping: int,
                  promo_id: int | None, pricing, charge: Shipping) -> int:
    """The order row. Two processes placing the same channel order at once: the unique index
    stops the second, whose transaction can no longer go on (`create_order` reads what the
    first placed)."""
    try:
        return orders.add(connection, {
            "status": Status.OPEN.value, "channel": order.channel, "channel_ref": order.channel_ref,
            "currency": order.currency, "customer_id": customer.id, "customer_name": customer.name,
            "customer_email": customer.email, "customer_phone": customer.phone, "billing_address_id": billing,
            "shipping_address_id": shipping, "promo_code_id": promo_id, "subtotal_minor": pricing.subtotal_minor,
            "discount_minor": pricing.discount_minor, "tax_minor": pricing.tax_minor,
            "total_minor": pricing.total_minor, "shipping_minor": pricing.shipping_minor,
            "shipping_tax_rate_bp": charge.tax_rate_bp,
            "shipping_tax_minor": pricing.shipping_tax_minor, "note": order.note, "placed_at": stamp.at,
            "updated_at": stamp.at})
    except Exception as error:
        if is_unique_violation(error, "uq_orders_channel_ref"):
            raise Refused(f"a {order.channel} order with reference {order.channel_ref} already exists") from None
        raise


def _refuse_duplicate_ref(connection, channel: str, ref: str | None) -> None:
    if ref is None:
        return
    existing = orders.number_of_ref(connection, channel, ref)
    if existing is not None:
        raise Refused(f"a {channel} order with reference {ref} already exists: order {existing}")


def _products(connection, skus: set[str]) -> dict[str, ProductTerms]:
    return {row.sku: ProductTerms(row.id, row.sku, row.name, row.unit_price_minor, row.currency, row.tax_rate_bp,
                                  row.kind, row.active) for row in products.by_skus(connection, skus)}


def _promo_terms(connection, code: str, currency: str, now: datetime) -> tuple[int, PromoTerms]:
    """A promo code that applies to an order in `currency` now: its id and terms."""
    row = promos.by_code(connection, code)
    if row is None:
        raise NotFound(f"promo code {code} does not exist")
    terms = PromoTerms(code=row.code, percent_bp=row.percent_bp, amount_minor=row.amount_minor,
                       currency=row.currency, valid_from=row.valid_from, valid_until=row.valid_until,
                       max_uses=row.max_uses, uses=row.uses)
    check_applies(terms, currency, now)
    return row.id, terms


def _take_promo(connection, code: str, currency: str, now: datetime) -> tuple[int, PromoTerms]:
    """Check a promo code and count one use of it, atomically (no use beyond --max-uses)."""
    promo_id, terms = _promo_terms(connection, code, currency, now)
    if not promos.count_use(connection, promo_id):
        raise Refused(f"promo code {code} is used up")
    return promo_id, terms


def _upsert_customer(connection, order, now: datetime) -> tuple[CustomerView, int, int, str | None]:
    """The customer with this email (or, without one, this phone), created or brought up to
    date; returns the details the order keeps, the billing and shipping address ids, and
    what changed.

    A returning customer's record takes the details of the newest order (name, phone,
    addresses); every order keeps its own copy, so nothing stored before is lost. An order
    given without a phone (or email) keeps the one the customer is known by. When the name
    or phone differ from what the record held, the change is described (for the new order's
    history and the operator).
    """
    if order.email:
        customer = customers.by_email_made_if_new(connection, order.name, order.email, order.phone, now)
    else:
        customer = customers.by_phone(connection, order.phone) or customers.add(connection, order.name,
                                                                                  order.phone, now)
    billing = _address_id(connection, order.billing, customer.billing_address_id, _address(customer, "b"))
    shipping = billing if order.shipping == order.billing else _address_id(
        connection, order.shipping, customer.shipping_address_id, _address(customer, "s"))
    customers.update(connection, customer.id, name=order.name, phone=order.phone or customer.phone,
                     billing=billing, shipping=shipping, at=now)
    contact = CustomerView(customer.id, order.name, order.email or customer.email, order.phone or customer.phone)
    return contact, billing, shipping, _customer_change(customer, order)


def _customer_change(before, order) -> str | None:
    """What a returning customer's new order changes on the record: name and phone replaced."""
    changes = []
    if before.name != order.name:
        changes.append(f"name {before.name!r} is now {order.name!r}")
    if order.phone and before.phone and before.phone != order.phone:
        changes.append(f"phone {before.phone} is now {order.phone}")
    if not changes:
        return None
    key = before.email or before.phone
    return f"returning customer {key}: " + ", ".join(changes) + "; earlier orders keep their details"


def _address_id(connection, address, current_id: int | None, current: AddressView) -> int:
    """Reuse the customer's current address row when it is the same; addresses never change.
    `current` is that row as read with the customer: empty (line1 None) when it was committed
    after the customer's query began (the customer's lock waited for the order that made it),
    then it is read again."""
    if current_id is not None:
        if current.line1 is None:
            current = addresses.get(connection, current_id)
        if current is not None and all(getattr(current, f) == getattr(address, f) for f in addresses.FIELDS):
            return current_id
    return addresses.add(connection, address)


# -- read ---------------------------------------------------------------------------------------


def _address(row, prefix: str) -> AddressView:
    return AddressView(*(getattr(row, f"{prefix}_{key}") for key in addresses.FIELDS))


def _history(connection, number: int) -> tuple[HistoryEntry, ...]:
    return tuple(HistoryEntry(r.at, r.actor, r.command, r.event, r.from_status, r.to_status, r.reason)
                 for r in history.of_order(connection, number))


def load_order(connection, number: int) -> OrderView:
    """The whole order as one view, read in the caller's transaction."""
    row = orders.get(connection, number)
    if row is None:
        raise NotFound(f"order {number} does not exist")
    cur = row.currency

    def money(minor: int) -> Money:
        return Money(minor, cur)

    promises = order_promises(connection, number)
    waiting = waiting_units(connection, number)
    from ordercli.services.fulfillment import handed_over_per_line, shipments_of_order

    shipments = tuple(shipments_of_order(connection, number))
    shipped = handed_over_per_line(shipments)
    from ordercli.domain.returns import BACK
    from ordercli.services.returns import returns_of_order

    returns_ = tuple(returns_of_order(connection, number))
    from ordercli.services.appointments import appointments_of_order

    appointments_ = tuple(appointments_of_order(connection, number))
    done = {a.line_no for a in appointments_ if a.stage == "completed" and a.line_no is not None}
    returned: dict[int, int] = {}
    for view in returns_:
        if view.order_number == number and view.stage in BACK:
            for item in view.lines:
                returned[item.line_no] = returned.get(item.line_no, 0) + item.quantity
    lines = tuple(
        LineView(
            line_no=r.line_no,
            sku=r.sku,
            description=r.description,
            kind=r.kind,
            quantity=r.quantity,
            unit_price=money(r.unit_price_minor),
            discount=money(r.discount_minor),
            order_discount=money(r.order_discount_minor),
            tax_rate_bp=r.tax_rate_bp,
            net=money(r.net_minor),
            tax=money(r.tax_minor),
            delivery_method=r.delivery_method,
            waiting=waiting.get(r.line_no, 0),
            promised=tuple(Promise(location, units) for location, units in promises.get(r.line_no, ())),
            shipped=r.quantity if r.line_no in done else shipped.get(r.line_no, 0),
            returned=returned.get(r.line_no, 0),
        )
        for r in orders.lines(connection, number)
    )
    verification = None
    if row.verified_at is not None:
        verification = Verification(row.verified_at, row.verified_by, row.verification_method, row.verification_note)
    return OrderView(
        number=row.id,
        status=row.status,
        channel=row.channel,
        channel_ref=row.channel_ref,
        currency=cur,
        placed_at=row.placed_at,
        updated_at=row.updated_at,
        customer=CustomerView.of_order(row),
        billing=_address(row, "b"),
        shipping=_address(row, "s"),
        promo_code=row.promo_code,
        subtotal=money(row.subtotal_minor),
        discount=money(row.discount_minor),
        tax=money(row.tax_minor),
        total=money(row.total_minor),
        note=row.note,
        verification=verification,
        lines=lines,
        history=_history(connection, number),
        shipments=shipments,
        shipping_charge=money(row.shipping_minor),
        shipping_tax_rate_bp=row.shipping_tax_rate_bp,
        shipping_tax=money(row.shipping_tax_minor),
        returns=returns_,
        appointments=appointments_,
    )


def get_order(db, number: int) -> OrderView:
    with db.read() as connection:
        return load_order(connection, number)


def order_history(db, number: int) -> tuple[HistoryEntry, ...]:
    with db.read() as connection:
        if not orders.exists(connection, number):
            raise NotFound(f"order {number} does not exist")
        return _history(connection, number)


# -- list --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilter:
    statuses: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    customer: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None
    sort: str = "-number"
    limit: int | None = 100


def list_orders(db, where: OrderFilter) -> tuple[list[OrderSummary], int]:
    """Orders matching the filter, sorted and limited; also how many match in all."""
    descending = where.sort.startswith("-")
    key = where.sort.lstrip("-+")
    if key not in orders.SORT_KEYS:
        raise InvalidData(f"cannot sort by {where.sort!r} (one of: {', '.join(orders.SORT_KEYS)}; "
                          "'-' for descending)")
    where_sql, params = orders.filter_sql(statuses=where.statuses, channels=where.channels, customer=where.customer,
                                          since=where.since, until=where.until, search=where.search)
    with db.read() as connection:
        found = [
            OrderSummary(
                number=r.id,
                placed_at=r.placed_at,
                status=r.status,
                channel=r.channel,
                channel_ref=r.channel_ref,
                customer=CustomerView.of_order(r),
                lines=r.line_count,
                subtotal=Money(r.subtotal_minor, r.currency),
                discount=Money(r.discount_minor, r.currency),
                tax=Money(r.tax_minor, r.currency),
                total=Money(r.total_minor, r.currency),
                verified=r.verified,
                shipping_charge=Money(r.shipping_minor, r.currency),
                returns=r.return_count,
            )
            for r in orders.summaries(connection, where_sql, params, key, descending, where.limit)
        ]
        total = len(found)
        if where.limit and len(found) == where.limit:
            total = orders.count(connection, where_sql, params)
    return found, total


# -- verify ------------------------------------------------------------------------------------


def verify_order(db, number: int, by: str, method: str, note: str | None, stamp: Stamp) -> OrderView:
    """Record who confirmed the order and the customer's data, how and when."""
    by_clean = clean_text(by, Field("by"), required=True, max_length=100)
    note_clean = clean_text(note, Field("note"), max_length=2000)
    if method not in VERIFICATION_METHODS:
        raise InvalidData(f"verification method {method!r} is not one of {', '.join(VERIFICATION_METHODS)}")
    with db.write() as transaction:
        record_verification(transaction, number, by_clean, method, note_clean, stamp)
        return load_order(transaction, number)


def record_verification(connection, number: int, by: str, method: str, note: str | None, stamp: Stamp) -> None:
    """The verification step of an order, in the caller's transaction (values already checked)."""
    status = orders.status_for_update(connection, number)
    if status is None:
        raise NotFound(f"order {number} does not exist")
    check_verifiable(number, Status(status))
    orders.record_verification(connection, number, stamp.at, by, method, note)
    history.append(connection, stamp, [(number, "verified", status, status,
                                        f"by {by} ({method})" + (f": {note}" if note else ""))])
