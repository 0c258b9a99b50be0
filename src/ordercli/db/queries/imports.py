"""The set-based SQL of `ordercli import`: many orders, with their customers, addresses, lines,
shipments and promo codes, in a few statements each, whatever their number.

Rows go in with ids taken beforehand (`take_ids`), so that the rows that refer to them (lines
to orders, shipment lines to lines) go in as sets too, without reading anything back. What
exists already (customers, orders under the same channel reference) is read through batch
tables, which SQLite keeps as the outer loop of a `CROSS JOIN` (see db/queries/shipments.py).
"""

from __future__ import annotations

from contextlib import contextmanager

from ordercli.db import dialect
from ordercli.db.queries.addresses import FIELDS as ADDRESS_FIELDS
from ordercli.db.sql import dialect_of, driver, execute, rows, scalar, stored

_TABLES = ("orders", "order_lines", "customers", "addresses", "shipments", "promo_codes")


def take_ids(connection, table: str, count: int) -> list[int]:
    """`count` new ids of `table`, in increasing order, for rows this transaction inserts with them.

    SQLite: the ones after the largest (the writer holds the whole database, and a row id is
    the largest plus one anyway). PostgreSQL: from the table's sequence, as a row inserted
    without an id would take them (concurrent writers take others)."""
    if table not in _TABLES:
        raise ValueError(f"no ids are taken for {table}")
    if count <= 0:
        return []
    if dialect_of(connection) == "sqlite":
        last = scalar(connection, f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return list(range(last + 1, last + 1 + count))
    found = rows(connection, f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id "
                             "FROM generate_series(1, :count)", {"count": count})
    return sorted(r.id for r in found)


@contextmanager
def bulk_writing(connection):
    """A larger page cache for the writes of an import, on SQLite: with the default (2 MB) it
    spills pages into the write-ahead log while the transaction goes on, the same page again
    and again as the indexes grow; with enough of it, each page goes there once, at commit
    (about a tenth of the writing time). Put back as it was when the block ends."""
    if dialect_of(connection) != "sqlite":
        yield
        return
    before = scalar(connection, "PRAGMA cache_size")
    execute(connection, f"PRAGMA cache_size = {-_BULK_CACHE_KIB}")
    try:
        yield
    finally:
        execute(connection, f"PRAGMA cache_size = {int(before)}")


_BULK_CACHE_KIB = 64 * 1024


def any_order(connection) -> bool:
    return scalar(connection, "SELECT 1 FROM orders LIMIT 1") is not None


# -- orders already there ----------------------------------------------------------------------

_STORED = """o.id, o.status, o.channel, o.channel_ref, o.currency, o.customer_name, o.customer_email,
       o.customer_phone, o.note, o.shipping_minor, o.shipping_tax_minor, o.subtotal_minor, o.discount_minor,
       o.tax_minor, o.total_minor, o.placed_at, p.code AS promo_code,
       b.name AS b_name, b.line1 AS b_line1, b.line2 AS b_line2, b.city AS b_city, b.region AS b_region,
       b.postal_code AS b_postal_code, b.country AS b_country,
       s.name AS s_name, s.line1 AS s_line1, s.line2 AS s_line2, s.city AS s_city, s.region AS s_region,
       s.postal_code AS s_postal_code, s.country AS s_country"""


def orders_by_refs(connection, refs: list[tuple[str, str]]) -> tuple[list, list]:
    """The stored orders with these (channel, channel reference) pairs: their rows (with `pos`,
    the pair's index in `refs`) and their lines (by `order_id`, in line order)."""
    if not refs:
        return [], []
    columns = {"pos": "INTEGER", "channel": "TEXT", "ref": "TEXT"}
    with dialect.batch_table(connection, "import_refs", columns,
                             [(i, channel, ref) for i, (channel, ref) in enumerate(refs)], key="pos") as batch:
        found = rows(connection, f"""
            SELECT r.pos, {_STORED}
            FROM {batch} r CROSS JOIN orders o
            JOIN addresses b ON b.id = o.billing_address_id
            JOIN addresses s ON s.id = o.shipping_address_id
            LEFT JOIN promo_codes p ON p.id = o.promo_code_id
            WHERE o.channel = r.channel AND o.channel_ref = r.ref""")
        lines = rows(connection, f"""
            SELECT l.order_id, l.line_no, l.sku, l.quantity, l.unit_price_minor, l.discount_minor,
                   l.order_discount_minor, l.tax_rate_bp, l.net_minor, l.tax_minor, l.description, l.kind,
                   l.delivery_method
            FROM {batch} r CROSS JOIN orders o CROSS JOIN order_lines l
            WHERE o.channel = r.channel AND o.channel_ref = r.ref AND l.order_id = o.id
            ORDER BY l.order_id, l.line_no""") if found else []
    return found, lines


def all_products(connection, columns: str) -> list:
    """Every product (`columns` of products): the catalogue an import resolves its lines with."""
    return rows(connection, f"SELECT {columns} FROM products")


# -- customers ---------------------------------------------------------------------------------

_CUSTOMER = ("c.id, c.name, c.email, c.phone, c.billing_address_id, c.shipping_address_id, c.updated_at, "
             + ", ".join(f"{p}.{f} AS {p}_{f}" for p in ("b", "s") for f in ADDRESS_FIELDS))
_CUSTOMER_JOINS = ("LEFT JOIN addresses b ON b.id = c.billing_address_id "
                   "LEFT JOIN addresses s ON s.id = c.shipping_address_id")


def customers_by_emails(connection, emails: list[str]) -> list:
    """The customers with these emails and their current addresses, locked until commit."""
    if not emails:
        return []
    with dialect.batch_table(connection, "import_emails", {"email": "TEXT"}, [(e,) for e in emails],
                             key="email") as batch:
        return rows(connection, f"SELECT {_CUSTOMER} FROM {batch} k CROSS JOIN customers c {_CUSTOMER_JOINS} "
                                f"WHERE c.email = k.email ORDER BY c.id{dialect.for_update(connection, 'c')}")


def customers_by_phones(connection, phones: list[str]) -> list:
    """For each of these phones, the first customer with it (as `create` finds a customer
    without an email) and its current addresses, locked until commit."""
    if not phones:
        return []
    with dialect.batch_table(connection, "import_phones", {"phone": "TEXT"}, [(p,) for p in phones],
                             key="phone") as batch:
        return rows(connection, f"SELECT {_CUSTOMER} FROM {batch} k CROSS JOIN customers c {_CUSTOMER_JOINS} "
                                "WHERE c.phone = k.phone AND c.id = (SELECT MIN(f.id) FROM customers f "
                                f"WHERE f.phone = k.phone) ORDER BY c.id{dialect.for_update(connection, 'c')}")


_CUSTOMER_TYPES = {"id": "INTEGER", "name": "TEXT", "email": "TEXT", "phone": "TEXT", "billing_address_id": "INTEGER",
                   "shipping_address_id": "INTEGER", "created_at": "TIMESTAMPTZ", "updated_at": "TIMESTAMPTZ"}


def add_customers(connection, values: list[tuple]) -> None:
    """New customers: (id, name, email, phone, billing_address_id, shipping_address_id,
    created_at, updated_at) each."""
    dialect.insert_rows(connection, "customers", _CUSTOMER_TYPES, values)


def update_customers(connection, values: list[tuple]) -> None:
    """Customers brought up to date: (id, name, phone, billing_address_id, shipping_address_id,
    updated_at) each."""
    if not values:
        return
    if dialect_of(connection) == "sqlite":
        driver(connection).executemany(
            "UPDATE customers SET name = ?, phone = ?, billing_address_id = ?, shipping_address_id = ?, "
            "updated_at = ? WHERE id = ?",
            [(name, phone, billing, shipping, stored(at, True), id_) for id_, name, phone, billing, shipping, at
             in values])
        return
    columns = ("id", "name", "phone", "billing", "shipping", "at")
    kinds = ("INTEGER", "TEXT", "TEXT", "INTEGER", "INTEGER", "TIMESTAMPTZ")
    execute(connection, "UPDATE customers c SET name = u.name, phone = u.phone, billing_address_id = u.billing, "
                        "shipping_address_id = u.shipping, updated_at = u.at FROM unnest("
                        + ", ".join(f"CAST(:{c} AS {k}[])" for c, k in zip(columns, kinds))
                        + f") AS u({', '.join(columns)}) WHERE c.id = u.id",
            {c: [v[i] for v in values] for i, c in enumerate(columns)})


_ADDRESS_TYPES = {"id": "INTEGER", **{f: "TEXT" for f in ADDRESS_FIELDS}}


def add_addresses(connection, values: list[tuple]) -> None:
    """New addresses: (id, name, line1, line2, city, region, postal_code, country) each."""
    dialect.insert_rows(connection, "addresses", _ADDRESS_TYPES, values)


# -- orders, lines, shipments --------------------------------------------------------------------

ORDER_COLUMNS = ("id", "status", "channel", "channel_ref", "currency", "customer_id", "customer_name",
                 "customer_email", "customer_phone", "billing_address_id", "shipping_address_id", "promo_code_id",
                 "subtotal_minor", "discount_minor", "tax_minor", "total_minor", "shipping_minor",
                 "shipping_tax_rate_bp", "shipping_tax_minor", "note", "placed_at", "updated_at")
_ORDER_TYPES = dict(zip(ORDER_COLUMNS, (
    "INTEGER", "TEXT", "TEXT", "TEXT", "TEXT", "INTEGER", "TEXT", "TEXT", "TEXT", "INTEGER", "INTEGER", "INTEGER",
    "BIGINT", "BIGINT", "BIGINT", "BIGINT", "BIGINT", "INTEGER", "BIGINT", "TEXT", "TIMESTAMPTZ", "TIMESTAMPTZ")))

LINE_COLUMNS = ("id", "order_id", "line_no", "product_id", "sku", "description", "kind", "quantity",
                "unit_price_minor", "discount_minor", "order_discount_minor", "tax_rate_bp", "net_minor", "tax_minor",
                "delivery_method", "backordered")
_LINE_TYPES = dict(zip(LINE_COLUMNS, (
    "INTEGER", "INTEGER", "INTEGER", "INTEGER", "TEXT", "TEXT", "TEXT", "INTEGER", "BIGINT", "BIGINT", "BIGINT",
    "INTEGER", "BIGINT", "BIGINT", "TEXT", "BOOLEAN")))

SHIPMENT_COLUMNS = ("id", "order_id", "method", "stage", "reason", "created_at", "updated_at", "handed_over_at",
                    "handed_over_by", "delivered_at", "delivered_by")
_SHIPMENT_TYPES = dict(zip(SHIPMENT_COLUMNS, (
    "INTEGER", "INTEGER", "TEXT", "TEXT", "TEXT", "TIMESTAMPTZ", "TIMESTAMPTZ", "TIMESTAMPTZ", "TEXT", "TIMESTAMPTZ",
    "TEXT")))
_SHIPMENT_LINE_TYPES = {"shipment_id": "INTEGER", "order_line_id": "INTEGER", "quantity": "INTEGER"}


def add_orders(connection, values: list[tuple]) -> None:
    """New orders, each a tuple in the order of ORDER_COLUMNS."""
    _insert(connection, "orders", _ORDER_TYPES, values)


def add_lines(connection, values: list[tuple]) -> None:
    """New order lines, each a tuple in the order of LINE_COLUMNS (the flag a bool: the SQLite
    driver stores it as 0 or 1)."""
    dialect.insert_rows(connection, "order_lines", _LINE_TYPES, values)


def add_shipments(connection, values: list[tuple]) -> None:
    """New shipments, each a tuple in the order of SHIPMENT_COLUMNS."""
    _insert(connection, "shipments", _SHIPMENT_TYPES, values)


def _insert(connection, table: str, types: dict[str, str], values: list[tuple]) -> None:
    """`dialect.insert_rows`, with the times of the rows written as SQLite keeps them here, once
    per distinct time (most rows share the import's own), rather than cell by cell there."""
    if dialect_of(connection) == "sqlite" and values:
        times = [i for i, kind in enumerate(types.values()) if kind == "TIMESTAMPTZ"]
        texts: dict = {}

        def text(moment):
            if moment is None:
                return None
            found = texts.get(moment)
            if found is None:
                found = texts[moment] = stored(moment, True)
            return found

        converted = []
        for row in values:
            row = list(row)
            for i in times:
                row[i] = text(row[i])
            converted.append(row)
        values = converted
        types = {column: "TEXT" if kind == "TIMESTAMPTZ" else kind for column, kind in types.items()}
    dialect.insert_rows(connection, table, types, values)


def add_shipment_lines(connection, values: list[tuple]) -> None:
    """(shipment, order line, quantity) rows: units that took no stock (no location)."""
    dialect.insert_rows(connection, "shipment_lines", _SHIPMENT_LINE_TYPES, values)


# -- promo codes -------------------------------------------------------------------------------


def promo_codes(connection, codes: list[str]) -> dict[str, int]:
    """Code -> id of the promo codes that exist of these."""
    if not codes:
        return {}
    return {r.code: r.id for r in rows(connection, "SELECT id, code FROM promo_codes WHERE code IN :codes",
                                       {"codes": sorted(codes)})}


_PROMO_TYPES = {"id": "INTEGER", "code": "TEXT", "amount_minor": "BIGINT", "currency": "TEXT",
                "valid_until": "TIMESTAMPTZ", "uses": "INTEGER", "created_at": "TIMESTAMPTZ"}


def add_promo_codes(connection, values: list[tuple]) -> None:
    """New promo codes of an amount off: (id, code, amount_minor, currency, valid_until, uses,
    created_at) each."""
    dialect.insert_rows(connection, "promo_codes", _PROMO_TYPES, values)
