"""Orders: create, look up, list, verify.

Statements are plain SQL run by `ordercli.db.sql` against the tables `db/tables.py` defines;
on SQLite no SQLAlchemy is loaded at all (see the README's note on speed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordercli.db.sql import as_utc, dialect_of, execute, first, insert, is_unique_violation, rowcount, rows, scalar
from ordercli.domain.errors import InvalidData, NotFound, Refused
from ordercli.domain.money import Money
from ordercli.domain.orders import (
    VERIFICATION_METHODS,
    OrderRequest,
    ProductTerms,
    resolve_lines,
    validate_order,
)
from ordercli.domain.pricing import LineTerms, price_order
from ordercli.domain.promos import PromoTerms, check_applies
from ordercli.domain.statuses import Status
from ordercli.domain.validation import clean_text
from ordercli.services.history import add_history
from ordercli.services.stock import PromiseLine, order_promises, promise_new_order, waiting_units
from ordercli.services.views import (
    AddressView,
    CustomerView,
    HistoryEntry,
    LineView,
    OrderSummary,
    OrderView,
    Promise,
    Stamp,
    Verification,
)

DEFAULT_CURRENCY = "EUR"

# The history event of an order whose customer's record it changed (name or phone).
CUSTOMER_CHANGED = "customer_changed"


# -- create ----------------------------------------------------------------------------------


def create_order(db, request: OrderRequest, stamp: Stamp, *, default_currency: str = DEFAULT_CURRENCY) -> OrderView:
    """Validate, price and store a new order (open), with its customer, its first history entry
    and the stock promised to its physical lines, in one transaction."""
    order = validate_order(request, default_currency)
    with db.write() as connection:
        _refuse_duplicate_ref(connection, order.channel, order.channel_ref)
        lines = resolve_lines(order, _products(connection, {line.sku for line in order.lines}))
        promo = _take_promo(connection, order.promo_code, order.currency, stamp.at) if order.promo_code else None
        pricing = price_order(
            [LineTerms(l.quantity, l.unit_price_minor, l.tax_rate_bp, l.discount) for l in lines],
            promo[1].discount if promo else None,
        )
        customer, billing, shipping, customer_change = _upsert_customer(connection, order, stamp.at)
        number = _insert_order(connection, order, stamp, customer=customer, billing=billing, shipping=shipping,
                               promo_id=promo[0] if promo else None, pricing=pricing)
        execute(
            connection,
            "INSERT INTO order_lines (order_id, line_no, product_id, sku, description, kind, quantity, "
            "unit_price_minor, discount_minor, order_discount_minor, tax_rate_bp, net_minor, tax_minor, "
            "delivery_method) VALUES (:order_id, :line_no, :product_id, :sku, :description, :kind, :quantity, "
            ":unit_price_minor, :discount_minor, :order_discount_minor, :tax_rate_bp, :net_minor, :tax_minor, "
            ":delivery_method)",
            [{"order_id": number, "line_no": line.line_no, "product_id": line.product_id, "sku": line.sku,
              "description": line.description, "kind": line.kind, "quantity": line.quantity,
              "unit_price_minor": line.unit_price_minor, "discount_minor": priced.discount_minor,
              "order_discount_minor": priced.order_discount_minor, "tax_rate_bp": line.tax_rate_bp,
              "net_minor": priced.net_minor, "tax_minor": priced.tax_minor, "delivery_method": line.delivery_method}
             for line, priced in zip(lines, pricing.lines)],
        )
        add_history(connection, [number], stamp, event="created", to_status=Status.OPEN.value,
                    reason=f"{order.channel} order" + (f" {order.channel_ref}" if order.channel_ref else ""))
        if customer_change:
            add_history(connection, [number], stamp, event=CUSTOMER_CHANGED, status=Status.OPEN.value,
                        reason=customer_change)
        stock_lines = [
            PromiseLine(r.id, number, r.product_id, r.sku, r.quantity)
            for r in rows(connection, "SELECT id, product_id, sku, quantity FROM order_lines WHERE order_id = :n "
                                      "AND kind = 'physical' AND product_id IS NOT NULL ORDER BY line_no", {"n": number})
        ]
        promise_new_order(connection, stock_lines, stamp, backorder=order.backorder)
        return load_order(connection, number)


def _insert_order(connection, order, stamp: Stamp, *, customer: CustomerView, billing: int, shipping: int,
                  promo_id: int | None, pricing) -> int:
    """The order row. Two processes importing the same channel order at once: the unique
    index stops the second, which gets the same refusal as if it had come later."""
    try:
        return insert(
            connection,
            "INSERT INTO orders (status, channel, channel_ref, currency, customer_id, customer_name, "
            "customer_email, customer_phone, billing_address_id, "
            "shipping_address_id, promo_code_id, subtotal_minor, discount_minor, tax_minor, total_minor, note, "
            "placed_at, updated_at) VALUES (:status, :channel, :ref, :currency, :customer, :name, :email, :phone, "
            ":billing, :shipping, :promo, :subtotal, :discount, :tax, :total, :note, :at, :at)",
            {"status": Status.OPEN.value, "channel": order.channel, "ref": order.channel_ref,
             "currency": order.currency, "customer": customer.id, "name": customer.name, "email": customer.email,
             "phone": customer.phone, "billing": billing, "shipping": shipping,
             "promo": promo_id, "subtotal": pricing.subtotal_minor, "discount": pricing.discount_minor,
             "tax": pricing.tax_minor, "total": pricing.total_minor, "note": order.note, "at": stamp.at},
        )
    except Exception as error:
        if is_unique_violation(error, "uq_orders_channel_ref"):
            raise Refused(f"a {order.channel} order with reference {order.channel_ref} already exists") from None
        raise


def _refuse_duplicate_ref(connection, channel: str, ref: str | None) -> None:
    if ref is None:
        return
    existing = scalar(connection, "SELECT id FROM orders WHERE channel = :channel AND channel_ref = :ref",
                      {"channel": channel, "ref": ref})
    if existing is not None:
        raise Refused(f"a {channel} order with reference {ref} already exists: order {existing}")


def _products(connection, skus: set[str]) -> dict[str, ProductTerms]:
    found = rows(
        connection,
        "SELECT id, sku, name, unit_price_minor, currency, tax_rate_bp, kind, active FROM products WHERE sku IN :skus",
        {"skus": sorted(skus)},
    )
    return {row.sku: ProductTerms(row.id, row.sku, row.name, row.unit_price_minor, row.currency, row.tax_rate_bp,
                                  row.kind, bool(row.active)) for row in found}


def _take_promo(connection, code: str, currency: str, now: datetime) -> tuple[int, PromoTerms]:
    """Check a promo code and count one use of it, atomically (no use beyond --max-uses)."""
    row = first(
        connection,
        "SELECT id, code, percent_bp, amount_minor, currency, valid_from, valid_until, max_uses, uses "
        "FROM promo_codes WHERE code = :code",
        {"code": code},
    )
    if row is None:
        raise NotFound(f"promo code {code} does not exist")
    terms = PromoTerms(
        code=row.code,
        percent_bp=row.percent_bp,
        amount_minor=row.amount_minor,
        currency=row.currency,
        valid_from=as_utc(row.valid_from),
        valid_until=as_utc(row.valid_until),
        max_uses=row.max_uses,
        uses=row.uses,
    )
    check_applies(terms, currency, now)
    taken = rowcount(
        connection,
        "UPDATE promo_codes SET uses = uses + 1 WHERE id = :id AND (max_uses IS NULL OR uses < max_uses)",
        {"id": row.id},
    )
    if taken != 1:
        raise Refused(f"promo code {code} is used up")
    return row.id, terms


def _upsert_customer(connection, order, now: datetime) -> tuple[CustomerView, int, int, str | None]:
    """The customer with this email (or, without one, this phone), created or brought up to
    date; returns the details the order keeps, the billing and shipping address ids, and
    what changed.

    A returning customer's record takes the details of the newest order (name, phone,
    addresses); every order keeps its own copy, so nothing stored before is lost. An order
    given without a phone (or email) keeps the one the customer is known by. When the name
    or phone differ from what the record held, the change is described (for the new order's
    history and the operator).

    With an email, the row is made first with INSERT ... ON CONFLICT DO NOTHING and then
    locked: two orders of a new customer placed at once make one customer, not an error.
    """
    lock = "" if dialect_of(connection) == "sqlite" else " FOR NO KEY UPDATE"
    columns = "SELECT id, name, email, phone, billing_address_id, shipping_address_id FROM customers"
    if order.email:
        execute(connection, "INSERT INTO customers (name, email, phone, created_at, updated_at) "
                            "VALUES (:name, :email, :phone, :at, :at) ON CONFLICT (email) DO NOTHING",
                {"name": order.name, "email": order.email, "phone": order.phone, "at": now})
        customer = first(connection, f"{columns} WHERE email = :email{lock}", {"email": order.email})
    else:
        customer = first(connection, f"{columns} WHERE phone = :phone ORDER BY id LIMIT 1{lock}",
                         {"phone": order.phone})
        if customer is None:
            new_id = insert(connection, "INSERT INTO customers (name, phone, created_at, updated_at) "
                                        "VALUES (:name, :phone, :at, :at)",
                            {"name": order.name, "phone": order.phone, "at": now})
            customer = first(connection, f"{columns} WHERE id = :id", {"id": new_id})
    billing = _address_id(connection, order.billing, customer.billing_address_id)
    shipping = billing if order.shipping == order.billing else _address_id(
        connection, order.shipping, customer.shipping_address_id)
    execute(connection, "UPDATE customers SET name = :name, phone = :phone, billing_address_id = :billing, "
                        "shipping_address_id = :shipping, updated_at = :at WHERE id = :id",
            {"name": order.name, "phone": order.phone or customer.phone, "billing": billing, "shipping": shipping,
             "at": now, "id": customer.id})
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


_ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country")


def _address_id(connection, address, current_id: int | None) -> int:
    """Reuse the customer's current address row when it is the same; addresses never change."""
    if current_id is not None:
        current = first(connection, f"SELECT {', '.join(_ADDRESS_FIELDS)} FROM addresses WHERE id = :id",
                        {"id": current_id})
        if current is not None and all(getattr(current, f) == getattr(address, f) for f in _ADDRESS_FIELDS):
            return current_id
    return insert(connection, f"INSERT INTO addresses ({', '.join(_ADDRESS_FIELDS)}) "
                              f"VALUES ({', '.join(':' + f for f in _ADDRESS_FIELDS)})",
                  {f: getattr(address, f) for f in _ADDRESS_FIELDS})


# -- read --------------------------------------------------------------------------------------

_ORDER_SQL = """
SELECT o.id, o.status, o.channel, o.channel_ref, o.currency, o.placed_at, o.updated_at,
       o.subtotal_minor, o.discount_minor, o.tax_minor, o.total_minor, o.note,
       o.verified_at, o.verified_by, o.verification_method, o.verification_note,
       o.customer_id, o.customer_name, o.customer_email, o.customer_phone, p.code AS promo_code,
       b.name AS b_name, b.line1 AS b_line1, b.line2 AS b_line2, b.city AS b_city,
       b.region AS b_region, b.postal_code AS b_postal_code, b.country AS b_country,
       s.name AS s_name, s.line1 AS s_line1, s.line2 AS s_line2, s.city AS s_city,
       s.region AS s_region, s.postal_code AS s_postal_code, s.country AS s_country
FROM orders o
JOIN addresses b ON b.id = o.billing_address_id
JOIN addresses s ON s.id = o.shipping_address_id
LEFT JOIN promo_codes p ON p.id = o.promo_code_id
WHERE o.id = :number
"""

_LINES_SQL = """
SELECT line_no, sku, description, kind, quantity, unit_price_minor, discount_minor,
       order_discount_minor, tax_rate_bp, net_minor, tax_minor, delivery_method
FROM order_lines WHERE order_id = :number ORDER BY line_no
"""

_HISTORY_SQL = """
SELECT at, actor, command, event, from_status, to_status, reason
FROM order_history WHERE order_id = :number ORDER BY id
"""


def _address(row, prefix: str) -> AddressView:
    return AddressView(*(getattr(row, f"{prefix}_{key}") for key in
                         ("name", "line1", "line2", "city", "region", "postal_code", "country")))


def _history(connection, number: int) -> tuple[HistoryEntry, ...]:
    return tuple(
        HistoryEntry(as_utc(r.at), r.actor, r.command, r.event, r.from_status, r.to_status, r.reason)
        for r in rows(connection, _HISTORY_SQL, {"number": number})
    )


def load_order(connection, number: int) -> OrderView:
    """The whole order as one view, read in the caller's transaction."""
    row = first(connection, _ORDER_SQL, {"number": number})
    if row is None:
        raise NotFound(f"order {number} does not exist")
    cur = row.currency

    def money(minor: int) -> Money:
        return Money(minor, cur)

    promises = order_promises(connection, number)
    waiting = waiting_units(connection, number)
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
        )
        for r in rows(connection, _LINES_SQL, {"number": number})
    )
    verification = None
    if row.verified_at is not None:
        verification = Verification(
            as_utc(row.verified_at), row.verified_by, row.verification_method, row.verification_note
        )
    return OrderView(
        number=row.id,
        status=row.status,
        channel=row.channel,
        channel_ref=row.channel_ref,
        currency=cur,
        placed_at=as_utc(row.placed_at),
        updated_at=as_utc(row.updated_at),
        customer=CustomerView(row.customer_id, row.customer_name, row.customer_email, row.customer_phone),
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
    )


def get_order(db, number: int) -> OrderView:
    with db.read() as connection:
        return load_order(connection, number)


def order_history(db, number: int) -> tuple[HistoryEntry, ...]:
    with db.read() as connection:
        if first(connection, "SELECT 1 FROM orders WHERE id = :n", {"n": number}) is None:
            raise NotFound(f"order {number} does not exist")
        return _history(connection, number)


# -- list --------------------------------------------------------------------------------------

SORT_KEYS = {
    "number": "o.id",
    "placed": "o.placed_at",
    "status": "o.status",
    "total": "o.total_minor",
    "customer": "o.customer_name",
    "channel": "o.channel",
}


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


def _like(text_: str) -> str:
    escaped = text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def list_orders(db, where: OrderFilter) -> tuple[list[OrderSummary], int]:
    """Orders matching the filter, sorted and limited; also how many match in all."""
    conditions, params = [], {}
    if where.statuses:
        conditions.append("o.status IN :statuses")
        params["statuses"] = list(where.statuses)
    if where.channels:
        conditions.append("o.channel IN :channels")
        params["channels"] = list(where.channels)
    if where.customer:
        conditions.append("(lower(o.customer_name) LIKE :customer ESCAPE '\\' "
                          "OR lower(o.customer_email) LIKE :customer ESCAPE '\\' "
                          "OR o.customer_phone LIKE :customer ESCAPE '\\')")
        params["customer"] = _like(where.customer)
    if where.since:
        conditions.append("o.placed_at >= :since")
        params["since"] = where.since
    if where.until:
        conditions.append("o.placed_at < :until")
        params["until"] = where.until
    if where.search:
        conditions.append(
            "(lower(o.customer_name) LIKE :search ESCAPE '\\' OR lower(o.customer_email) LIKE :search ESCAPE '\\' "
            "OR lower(o.channel_ref) LIKE :search ESCAPE '\\' OR lower(o.note) LIKE :search ESCAPE '\\' "
            "OR CAST(o.id AS VARCHAR(20)) = :search_exact "
            "OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND "
            "(lower(l.sku) LIKE :search ESCAPE '\\' OR lower(l.description) LIKE :search ESCAPE '\\')))"
        )
        params["search"] = _like(where.search)
        params["search_exact"] = where.search.strip().lstrip("#")
    descending = where.sort.startswith("-")
    key = where.sort.lstrip("-+")
    if key not in SORT_KEYS:
        raise InvalidData(f"cannot sort by {where.sort!r} (one of: {', '.join(SORT_KEYS)}; '-' for descending)")
    order_by = f"{SORT_KEYS[key]} {'DESC' if descending else 'ASC'}, o.id {'DESC' if descending else 'ASC'}"
    where_sql = ("WHERE " + " AND ".join(conditions)) if conditions else ""
    base = f"FROM orders o {where_sql}"
    limit_sql = f"LIMIT {int(where.limit)}" if where.limit else ""
    statement = f"""SELECT o.id, o.placed_at, o.status, o.channel, o.channel_ref, o.customer_name, o.customer_email, o.currency,
                   o.subtotal_minor, o.discount_minor, o.tax_minor, o.total_minor,
                   o.verified_at IS NOT NULL AS verified,
                   (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) AS line_count
            {base} ORDER BY {order_by} {limit_sql}"""
    with db.read() as connection:
        found = [
            OrderSummary(
                number=r.id,
                placed_at=as_utc(r.placed_at),
                status=r.status,
                channel=r.channel,
                channel_ref=r.channel_ref,
                customer=r.customer_name,
                email=r.customer_email,
                lines=r.line_count,
                subtotal=Money(r.subtotal_minor, r.currency),
                discount=Money(r.discount_minor, r.currency),
                tax=Money(r.tax_minor, r.currency),
                total=Money(r.total_minor, r.currency),
                verified=bool(r.verified),
            )
            for r in rows(connection, statement, params)
        ]
        total = len(found)
        if where.limit and len(found) == where.limit:
            total = scalar(connection, f"SELECT count(*) {base}", params)
    return found, total


# -- verify ------------------------------------------------------------------------------------


def verify_order(db, number: int, by: str, method: str, note: str | None, stamp: Stamp) -> OrderView:
    """Record who confirmed the order and the customer's data, how and when."""
    by_clean = clean_text(by, "--by", required=True, max_length=100)
    note_clean = clean_text(note, "--note", max_length=2000)
    if method not in VERIFICATION_METHODS:
        raise InvalidData(f"verification method {method!r} is not one of {', '.join(VERIFICATION_METHODS)}")
    with db.write() as connection:
        status = _lock_order(connection, number)
        if status not in (Status.OPEN, Status.READY_TO_SHIP):
            raise Refused(f"order {number} is {status}: only open or ready_to_ship orders can be verified")
        execute(
            connection,
            "UPDATE orders SET verified_at = :at, verified_by = :by, verification_method = :method, "
            "verification_note = :note, updated_at = :at WHERE id = :number",
            {"at": stamp.at, "by": by_clean, "method": method, "note": note_clean, "number": number},
        )
        add_history(connection, [number], stamp, event="verified", status=status,
                    reason=f"by {by_clean} ({method})" + (f": {note_clean}" if note_clean else ""))
        return load_order(connection, number)


def _lock_order(connection, number: int) -> str:
    """The order's status, with its row locked until commit (PostgreSQL; SQLite holds the write lock)."""
    suffix = "" if dialect_of(connection) == "sqlite" else " FOR NO KEY UPDATE"
    status = scalar(connection, f"SELECT status FROM orders WHERE id = :n{suffix}", {"n": number})
    if status is None:
        raise NotFound(f"order {number} does not exist")
    return status
