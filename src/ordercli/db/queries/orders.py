"""Orders and their lines; the batch queries of `status` and `expire`."""

from __future__ import annotations

from ordercli.db import dialect
from ordercli.db.dialect import for_update
from ordercli.db.sql import execute, first, insert, rows, scalar, tuples

_ORDER = """
SELECT o.id, o.status, o.channel, o.channel_ref, o.currency, o.placed_at, o.updated_at,
       o.subtotal_minor, o.discount_minor, o.tax_minor, o.total_minor, o.note,
       o.shipping_minor, o.shipping_tax_rate_bp, o.shipping_tax_minor,
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

_LINE_TYPES = {"order_id": "INTEGER", "line_no": "INTEGER", "product_id": "INTEGER", "sku": "TEXT", "description": "TEXT",
               "kind": "TEXT", "quantity": "INTEGER", "unit_price_minor": "BIGINT", "discount_minor": "BIGINT",
               "order_discount_minor": "BIGINT", "tax_rate_bp": "INTEGER", "net_minor": "BIGINT",
               "tax_minor": "BIGINT", "delivery_method": "TEXT"}


def add(connection, values: dict) -> int:
    """A new order row (values by column name); returns its number."""
    columns = list(values)
    return insert(connection, f"INSERT INTO orders ({', '.join(columns)}) "
                              f"VALUES ({', '.join(':' + c for c in columns)})", values)


def add_lines(connection, number: int, lines: list[dict]) -> dict[int, int]:
    """The lines of a new order (dicts by column name, order_id left out); returns line number
    -> line id (PostgreSQL: from the INSERT itself)."""
    columns = [column for column in _LINE_TYPES if column != "order_id"]
    found = dialect.insert_rows(connection, "order_lines", _LINE_TYPES, [tuple(line[c] for c in columns) for line in lines],
                                same={"order_id": number}, returning="line_no, id")
    if found is None:  # SQLite: executemany returns no rows
        found = rows(connection, "SELECT line_no, id FROM order_lines WHERE order_id = :n", {"n": number})
    return {r.line_no: r.id for r in found}


def number_of_ref(connection, channel: str, ref: str) -> int | None:
    return scalar(connection, "SELECT id FROM orders WHERE channel = :channel AND channel_ref = :ref",
                  {"channel": channel, "ref": ref})


def exists(connection, number: int) -> bool:
    return first(connection, "SELECT 1 FROM orders WHERE id = :n", {"n": number}) is not None


def status_for_update(connection, number: int) -> str | None:
    """The order's status, its row locked until commit (PostgreSQL; SQLite holds the write lock)."""
    return scalar(connection, f"SELECT status FROM orders WHERE id = :n{for_update(connection)}", {"n": number})


def record_verification(connection, number: int, at, by: str, method: str, note: str | None) -> None:
    execute(connection, "UPDATE orders SET verified_at = :at, verified_by = :by, verification_method = :method, "
                        "verification_note = :note, updated_at = :at WHERE id = :number",
            {"at": at, "by": by, "method": method, "note": note, "number": number})


def get(connection, number: int):
    return first(connection, _ORDER, {"number": number})


def lines(connection, number: int) -> list:
    return rows(connection, "SELECT line_no, sku, description, kind, quantity, unit_price_minor, discount_minor, "
                            "order_discount_minor, tax_rate_bp, net_minor, tax_minor, delivery_method "
                            "FROM order_lines WHERE order_id = :number ORDER BY line_no", {"number": number})


SUMMARY_COLUMNS = """o.id, o.placed_at, o.status, o.channel, o.channel_ref,
       o.customer_id, o.customer_name, o.customer_email, o.customer_phone,
       o.currency, o.subtotal_minor, o.discount_minor, o.tax_minor, o.total_minor, o.shipping_minor,
       o.verified_at IS NOT NULL AS verified,
       (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) AS line_count,
       (SELECT count(*) FROM returns t WHERE t.order_id = o.id AND t.stage <> 'canceled') AS return_count"""

SORT_KEYS = {
    "number": "o.id",
    "placed": "o.placed_at",
    "status": "o.status",
    "total": "o.total_minor",
    "customer": "o.customer_name",
    "channel": "o.channel",
}


def _like(text_: str) -> str:
    """A LIKE pattern that finds `text_` anywhere, its own % and _ taken literally."""
    escaped = text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def filter_sql(*, statuses=(), channels=(), customer=None, since=None, until=None, search=None) -> tuple[str, dict]:
    """The WHERE clause (on `orders o`) and parameters of a listing filter."""
    conditions, params = [], {}
    if statuses:
        conditions.append("o.status IN :statuses")
        params["statuses"] = list(statuses)
    if channels:
        conditions.append("o.channel IN :channels")
        params["channels"] = list(channels)
    if customer:
        conditions.append("(lower(o.customer_name) LIKE :customer ESCAPE '\\' "
                          "OR lower(o.customer_email) LIKE :customer ESCAPE '\\' "
                          "OR o.customer_phone LIKE :customer ESCAPE '\\')")
        params["customer"] = _like(customer)
    if since:
        conditions.append("o.placed_at >= :since")
        params["since"] = since
    if until:
        conditions.append("o.placed_at < :until")
        params["until"] = until
    if search:
        conditions.append(
            "(lower(o.customer_name) LIKE :search ESCAPE '\\' OR lower(o.customer_email) LIKE :search ESCAPE '\\' "
            "OR lower(o.channel_ref) LIKE :search ESCAPE '\\' OR lower(o.note) LIKE :search ESCAPE '\\' "
            "OR CAST(o.id AS VARCHAR(20)) = :search_exact "
            "OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND "
            "(lower(l.sku) LIKE :search ESCAPE '\\' OR lower(l.description) LIKE :search ESCAPE '\\')))"
        )
        params["search"] = _like(search)
        params["search_exact"] = search.strip().lstrip("#")
    return ("WHERE " + " AND ".join(conditions)) if conditions else "", params


def summaries(connection, where_sql: str, params: dict, sort: str, descending: bool, limit: int | None) -> list:
    """One row per order of the filter, sorted by a key of SORT_KEYS (then by number)."""
    direction = "DESC" if descending else "ASC"
    limit_sql = f"LIMIT {int(limit)}" if limit else ""
    return rows(connection, f"SELECT {SUMMARY_COLUMNS} FROM orders o {where_sql} "
                            f"ORDER BY {SORT_KEYS[sort]} {direction}, o.id {direction} {limit_sql}", params)


def count(connection, where_sql: str, params: dict) -> int:
    return scalar(connection, f"SELECT count(*) FROM orders o {where_sql}", params)


def due_to_expire(connection, cutoff) -> list:
    """Open orders nobody verified, placed before `cutoff`: locked while read (PostgreSQL
    re-checks the condition on locked rows), so an order verified a moment ago is left alone."""
    return rows(connection, "SELECT o.id, o.placed_at, o.customer_id, o.customer_name, o.customer_email, "
                            "o.customer_phone, o.total_minor, o.currency "
                            "FROM orders o WHERE o.status = 'open' AND o.verified_at IS NULL "
                            f"AND o.placed_at < :cutoff ORDER BY o.id{for_update(connection, 'o')}",
                {"cutoff": cutoff})


# -- a batch of orders in a batch table (number, pos, skip) -------------------------------------


def lock_batch(connection, batch: str) -> None:
    """Lock the batch's orders in a fixed order (by id), so two batches cannot deadlock."""
    suffix = for_update(connection, "o")
    if suffix:  # the count keeps the locked ids on the server
        execute(connection, f"SELECT count(*) FROM (SELECT o.id FROM orders o JOIN {batch} b ON b.number = o.id "
                            f"ORDER BY o.id{suffix}) locked")


def missing_from_batch(connection, batch: str) -> list[tuple[int, int]]:
    """(pos, number) of the batch's numbers that are no order."""
    return tuples(connection, f"SELECT b.pos, b.number FROM {batch} b LEFT JOIN orders o ON o.id = b.number "
                              "WHERE o.id IS NULL")


def statuses_in_batch(connection, batch: str) -> dict[str | None, int]:
    """How many of the batch's orders are in each status (None: numbers that are no order)."""
    return {status: count for status, count in tuples(
        connection, f"SELECT o.status, count(*) FROM {batch} b LEFT JOIN orders o ON o.id = b.number GROUP BY o.status")}


def batch_in_statuses(connection, batch: str, statuses: list[str]) -> list:
    """(pos, number, status) of the batch's orders in one of `statuses`."""
    return rows(connection, f"SELECT b.pos, b.number, o.status FROM {batch} b JOIN orders o ON o.id = b.number "
                            "WHERE o.status IN :statuses", {"statuses": statuses})


def batch_not_ready(connection, batch: str, target: str, refused: list[str]) -> list:
    """The batch's orders that fail the ready_to_ship guard, in SQL: unverified, or with a line
    still waiting for stock (the domain's `ready_to_ship_blockers` says the same in Python)."""
    not_refused = "AND o.status NOT IN :refused" if refused else ""
    return rows(connection, f"""
        SELECT b.pos, b.number, o.status, o.verified_at IS NOT NULL AS verified,
               (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id AND l.backordered) AS unpromised
        FROM {batch} b JOIN orders o ON o.id = b.number
        WHERE o.status <> :to {not_refused}
          AND (o.verified_at IS NULL OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id
                                                AND l.backordered))""", {"to": target, "refused": refused})


def batch_statuses(connection, batch: str) -> list[tuple[int, int, str]]:
    """(pos, number, status) of every order of the batch."""
    return tuples(connection, f"SELECT b.pos, b.number, o.status FROM {batch} b JOIN orders o ON o.id = b.number")


def skip_in_batch(connection, batch: str, numbers: list[int]) -> None:
    dialect.update_where_in(connection, batch, {"skip": 1}, "number", numbers)


def move_batch(connection, batch: str, status: str, at) -> None:
    """The batch's orders (not skipped) move to `status`."""
    execute(connection, f"UPDATE orders SET status = :to, updated_at = :at WHERE id IN "
                        f"(SELECT number FROM {batch} WHERE skip = 0) AND status <> :to", {"to": status, "at": at})
