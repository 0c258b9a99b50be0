"""The figures of `summary`, set-based: one grouped pass over the orders of a time range (or
over their lines, by delivery method), each row a group, a currency and a status, with the
counts, the money sums in minor units and the hand-over times the service adds up.

The first hand-over of an order is the earliest `handed_over_at` of its shipments that count
(not deleted, not returned to sender); its time from placement is in whole seconds
(`dialect.epoch_seconds`), the same on both backends.
"""

from __future__ import annotations

from ordercli.db import dialect
from ordercli.db.queries.orders import filter_sql
from ordercli.db.queries.shipments import COUNTS
from ordercli.db.sql import rows

# The groups of an order itself (`by_order`); a period is one of dialect.PERIODS.
ORDER_GROUPS = {"channel": "o.channel", "status": "o.status"}

# The row `by_method` gives the shipping charges, apart from the lines' delivery methods.
SHIPPING = "shipping"


def _range(since, until) -> tuple[str, dict]:
    """The WHERE clause (on `orders o`) of orders placed at or after `since` and before `until`."""
    return filter_sql(since=since, until=until)


def _first_hand_overs(connection, where_sql: str, *, per_method: bool) -> str:
    """The seconds from placement to the first hand-over of each order in the range that was
    handed over (per order, or per order and the delivery method of the lines the shipments
    carried), computed once per order here rather than per row of the grouping."""
    within = f"AND {where_sql.removeprefix('WHERE ')}" if where_sql else ""
    seconds = (f"{dialect.epoch_seconds(connection, 'MIN(s.handed_over_at)')} - "
               f"{dialect.epoch_seconds(connection, 'o.placed_at')}")
    if per_method:
        return f"""
            SELECT o.id AS order_id, l.delivery_method AS method, {seconds} AS seconds
            FROM shipments s JOIN orders o ON o.id = s.order_id
            JOIN shipment_lines sl ON sl.shipment_id = s.id JOIN order_lines l ON l.id = sl.order_line_id
            WHERE {COUNTS} AND s.handed_over_at IS NOT NULL {within}
            GROUP BY o.id, l.delivery_method"""
    return f"""
        SELECT o.id AS order_id, {seconds} AS seconds
        FROM shipments s JOIN orders o ON o.id = s.order_id
        WHERE {COUNTS} AND s.handed_over_at IS NOT NULL {within}
        GROUP BY o.id"""


# The hand-over figures of a group, on `h.seconds` and :on_time (seconds): how many orders were
# handed over, how many within :on_time, and their seconds to the first hand-over in all.
_FULFILLMENT = ("COUNT(h.seconds) AS handed_over, SUM(CASE WHEN h.seconds <= :on_time THEN 1 ELSE 0 END) AS on_time, "
                "COALESCE(SUM(h.seconds), 0) AS hand_over_seconds")


def by_order(connection, by: str | None, since, until, on_time_seconds: int) -> list:
    """(grp, currency, status, orders, net_minor, tax_minor, gross_minor, handed_over, on_time,
    hand_over_seconds) of the orders placed in the range, grouped by `by` (a period of
    dialect.PERIODS, or a key of ORDER_GROUPS; None: one group, '') and currency and status.
    Net is subtotal - discount + shipping; gross is the total."""
    where_sql, params = _range(since, until)
    if by is None:
        group = "''"
    elif by in ORDER_GROUPS:
        group = ORDER_GROUPS[by]
    else:
        group = dialect.period_start(connection, "o.placed_at", by)
    grouped = "" if by is None else f"{group}, "  # PostgreSQL refuses to group by a constant
    return rows(connection, f"""
        SELECT {group} AS grp, o.currency, o.status, COUNT(*) AS orders,
               SUM(o.subtotal_minor - o.discount_minor + o.shipping_minor) AS net_minor,
               SUM(o.tax_minor) AS tax_minor, SUM(o.total_minor) AS gross_minor, {_FULFILLMENT}
        FROM orders o LEFT JOIN ({_first_hand_overs(connection, where_sql, per_method=False)}) h
             ON h.order_id = o.id
        {where_sql}
        GROUP BY {grouped}o.currency, o.status""", {**params, "on_time": on_time_seconds})


def by_method(connection, since, until, on_time_seconds: int) -> list:
    """The columns of `by_order`, grouped by the delivery method of the order lines (an order
    with lines of two methods is in both; net and tax are its lines' of that method; the first
    hand-over is of a shipment that carried such a line), and a group SHIPPING: the shipping
    charges (net and their tax) of the orders that have one, with no hand-over figures (NULL)."""
    where_sql, params = _range(since, until)
    charged = ("AND" if where_sql else "WHERE") + " (o.shipping_minor <> 0 OR o.shipping_tax_minor <> 0)"
    return rows(connection, f"""
        SELECT m.method AS grp, o.currency, o.status, COUNT(*) AS orders, SUM(m.net_minor) AS net_minor,
               SUM(m.tax_minor) AS tax_minor, SUM(m.net_minor + m.tax_minor) AS gross_minor, {_FULFILLMENT}
        FROM (SELECT l.order_id, l.delivery_method AS method, SUM(l.net_minor) AS net_minor,
                     SUM(l.tax_minor) AS tax_minor
              FROM orders o JOIN order_lines l ON l.order_id = o.id {where_sql}
              GROUP BY l.order_id, l.delivery_method) m
        JOIN orders o ON o.id = m.order_id
        LEFT JOIN ({_first_hand_overs(connection, where_sql, per_method=True)}) h
               ON h.order_id = m.order_id AND h.method = m.method
        GROUP BY m.method, o.currency, o.status
        UNION ALL
        SELECT '{SHIPPING}', o.currency, o.status, COUNT(*), SUM(o.shipping_minor), SUM(o.shipping_tax_minor),
               SUM(o.shipping_minor + o.shipping_tax_minor), NULL, NULL, NULL
        FROM orders o {where_sql} {charged}
        GROUP BY o.currency, o.status""", {**params, "on_time": on_time_seconds})
