"""Shipments, their lines and carriers; what the lines of a batch of orders hold and have shipped."""

from __future__ import annotations

from ordercli.db import dialect
from ordercli.db.queries.stock import MISSING_UNITS
from ordercli.db.sql import execute, first, insert, rows, scalar

# A shipment counts (its units are taken from the order) unless deleted or returned to sender.
COUNTS = "s.deleted_at IS NULL AND s.stage <> 'returned_to_sender'"
LEFT = "s.stage IN ('handed_over', 'delivered')"

# The queries of a batch join a temporary batch table with `CROSS JOIN ... WHERE`: SQLite then
# keeps the batch table as the outer loop. It has no statistics for a temporary table, and with
# a plain JOIN it scanned the whole ledger, the order lines or the shipments and looked each row
# up in the batch: a one-order batch cost as much as the largest. PostgreSQL plans a CROSS JOIN
# with its condition in WHERE as any inner join.

_SHIPMENT_TYPES = {"order_id": "INTEGER", "method": "TEXT", "location_id": "INTEGER", "stage": "TEXT",
                   "carrier_id": "INTEGER", "tracking": "TEXT", "parcels": "INTEGER", "weight_grams": "INTEGER",
                   "issued": "TEXT", "signed_by": "TEXT", "reason": "TEXT", "created_at": "TIMESTAMPTZ",
                   "updated_at": "TIMESTAMPTZ", "picked_at": "TIMESTAMPTZ", "picked_by": "TEXT",
                   "packed_at": "TIMESTAMPTZ", "packed_by": "TEXT", "handed_over_at": "TIMESTAMPTZ",
                   "handed_over_by": "TEXT", "delivered_at": "TIMESTAMPTZ", "delivered_by": "TEXT"}
_LINE_TYPES = {"shipment_id": "INTEGER", "order_line_id": "INTEGER", "location_id": "INTEGER", "quantity": "INTEGER"}


def lines_of_batch(connection, batch: str) -> list:
    """Every line of the batch's orders: what it is, and how much of it shipments take."""
    return rows(connection, f"""
        SELECT l.id, l.order_id, l.line_no, l.sku, l.kind, l.product_id, l.delivery_method, l.quantity
        FROM {batch} b CROSS JOIN order_lines l WHERE l.order_id = b.number ORDER BY l.order_id, l.line_no""")


def in_shipments_of_batch(connection, batch: str) -> list:
    """(line, location, left, units) in shipments that count, of the batch's orders; `left`
    says whether the units were handed over."""
    return rows(connection, f"""
        SELECT sl.order_line_id, sl.location_id, CASE WHEN {LEFT} THEN 1 ELSE 0 END AS left_,
               SUM(sl.quantity) AS units
        FROM {batch} b CROSS JOIN shipments s CROSS JOIN shipment_lines sl
        WHERE s.order_id = b.number AND sl.shipment_id = s.id AND {COUNTS}
        GROUP BY sl.order_line_id, sl.location_id, CASE WHEN {LEFT} THEN 1 ELSE 0 END""")


def held_of_batch(connection, batch: str) -> list:
    """(line, location, units) each line of the batch's orders holds, the default location first."""
    return rows(connection, f"""
        SELECT m.order_line_id, m.location_id, SUM(m.reserved_delta) AS units
        FROM {batch} b CROSS JOIN stock_movements m JOIN locations loc ON loc.id = m.location_id
        WHERE m.order_id = b.number AND m.order_line_id IS NOT NULL
        GROUP BY m.order_line_id, m.location_id, loc.is_default, loc.id
        HAVING SUM(m.reserved_delta) > 0
        ORDER BY m.order_line_id, loc.is_default DESC, loc.id""")


def add(connection, shipments: list[dict]) -> list[int]:
    """New shipments (dicts by column; missing columns are None); their ids, in the order given."""
    columns = list(_SHIPMENT_TYPES)
    values = [tuple(s.get(c) for c in columns) for s in shipments]
    if not values:
        return []
    if len(values) == 1:
        return [insert(connection, f"INSERT INTO shipments ({', '.join(columns)}) "
                                   f"VALUES ({', '.join(':' + c for c in columns)})", dict(zip(columns, values[0])))]
    before = scalar(connection, "SELECT COALESCE(MAX(id), 0) FROM shipments")
    found = dialect.insert_rows(connection, "shipments", _SHIPMENT_TYPES, values, returning="id")
    if found is None:  # SQLite: the writer holds the database, so the new ids follow the largest
        return [r.id for r in rows(connection, "SELECT id FROM shipments WHERE id > :before ORDER BY id",
                                   {"before": before})]
    return sorted(r.id for r in found)


def add_lines(connection, lines: list[tuple[int, int, int | None, int]]) -> None:
    """(shipment, order line, location, quantity) rows."""
    dialect.insert_rows(connection, "shipment_lines", _LINE_TYPES, lines)


_SHIPMENT = """
SELECT s.id, s.order_id, s.method, s.location_id, loc.name AS location, loc.kind AS location_kind, s.stage,
       c.name AS carrier, c.tracking_url, s.tracking, s.parcels, s.weight_grams, s.issued, s.signed_by,
       s.delivery_note, s.failed_attempts, s.reason, s.created_at, s.updated_at, s.picked_at, s.picked_by,
       s.packed_at, s.packed_by, s.handed_over_at, s.handed_over_by, s.delivered_at, s.delivered_by,
       s.returned_at, s.returned_by, s.deleted_at, s.deleted_by, s.delete_reason, o.status AS order_status
FROM shipments s JOIN orders o ON o.id = s.order_id
LEFT JOIN locations loc ON loc.id = s.location_id LEFT JOIN carriers c ON c.id = s.carrier_id
"""


def get(connection, shipment_id: int):
    return first(connection, _SHIPMENT + "WHERE s.id = :id", {"id": shipment_id})


def of_order(connection, number: int) -> list:
    return rows(connection, _SHIPMENT + "WHERE s.order_id = :n ORDER BY s.id", {"n": number})


def lines_of(connection, shipment_ids: list[int]) -> list:
    """The lines of shipments: (shipment, line id, line_no, sku, product, location, quantity)."""
    if not shipment_ids:
        return []
    return rows(connection, """
        SELECT sl.shipment_id, sl.order_line_id, l.line_no, l.sku, l.description, l.product_id, sl.location_id,
               loc.name AS location, sl.quantity
        FROM shipment_lines sl JOIN order_lines l ON l.id = sl.order_line_id
        LEFT JOIN locations loc ON loc.id = sl.location_id
        WHERE sl.shipment_id IN :ids ORDER BY sl.shipment_id, l.line_no, sl.id""", {"ids": shipment_ids})


def order_of(connection, shipment_id: int) -> int | None:
    return scalar(connection, "SELECT order_id FROM shipments WHERE id = :id", {"id": shipment_id})


def set_stages(connection, shipment_id: int, values: dict) -> None:
    """Update columns of a shipment (values by column name)."""
    execute(connection, f"UPDATE shipments SET {', '.join(f'{c} = :{c}' for c in values)} WHERE id = :id",
            {**values, "id": shipment_id})


def list_(connection, where: list[str], params: dict, limit: int | None) -> list:
    """Shipments matching every condition of `where` (on the aliases s, o, loc, c), newest first."""
    sql = _SHIPMENT + ("WHERE " + " AND ".join(where) if where else "") + " ORDER BY s.id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return rows(connection, sql, params)


def totals_of_batch(connection, batch: str) -> list:
    """(order, status, ordered, handed over) of every line of the batch table's orders (column
    `number`; an order without lines gives one row, its quantity NULL), set-based: what shipments that count handed over is summed per line once, from
    the batch's own shipments (a subquery per line made PostgreSQL scan every handed-over
    shipment for each line)."""
    return rows(connection, f"""
        SELECT o.id AS order_id, o.status, l.quantity,
               CASE WHEN a.order_line_id IS NOT NULL THEN l.quantity ELSE COALESCE(h.units, 0) END AS handed
        FROM {batch} b CROSS JOIN orders o LEFT JOIN order_lines l ON l.order_id = o.id
        LEFT JOIN (SELECT sl.order_line_id, SUM(sl.quantity) AS units
                   FROM {batch} bs CROSS JOIN shipments s CROSS JOIN shipment_lines sl
                   WHERE s.order_id = bs.number AND sl.shipment_id = s.id AND {COUNTS} AND {LEFT}
                   GROUP BY sl.order_line_id) h ON h.order_line_id = l.id
        LEFT JOIN (SELECT DISTINCT ap.order_line_id FROM {batch} ba CROSS JOIN appointments ap
                   WHERE ap.order_id = ba.number AND ap.stage = 'completed' AND ap.order_line_id IS NOT NULL
                   ) a ON a.order_line_id = l.id
        WHERE o.id = b.number
        ORDER BY o.id, l.line_no""")


def backordered_of_batch(connection, batch: str) -> list:
    """(line, units it still waits for) of the lines of a batch table of line ids (column `id`)
    that are marked backordered."""
    return rows(connection, f"SELECT l.id, {MISSING_UNITS} AS missing FROM {batch} b "
                            "CROSS JOIN order_lines l WHERE l.id = b.id AND l.backordered")


def pending_of_batch(connection, batch: str) -> list[int]:
    """Shipments of the batch's orders (not skipped) that count and have not left yet."""
    return [r.id for r in rows(connection, f"""
        SELECT s.id FROM {batch} b CROSS JOIN shipments s
        WHERE s.order_id = b.number AND b.skip = 0 AND {COUNTS} AND s.stage IN ('picked', 'packed') ORDER BY s.id""")]


def mark_deleted(connection, shipment_ids: list[int], at, by: str, reason: str) -> None:
    dialect.update_where_in(connection, "shipments", {"deleted_at": at, "deleted_by": by, "delete_reason": reason,
                                                      "updated_at": at}, "id", shipment_ids)


# -- carriers --------------------------------------------------------------------------------


def carrier_by_name(connection, name: str):
    return first(connection, "SELECT id, name, tracking_url FROM carriers WHERE lower(name) = lower(:name)",
                 {"name": name})


def add_carrier(connection, name: str, tracking_url: str | None, at) -> int:
    return insert(connection, "INSERT INTO carriers (name, tracking_url, created_at) VALUES (:name, :url, :at)",
                  {"name": name, "url": tracking_url, "at": at})


def carriers(connection) -> list:
    return rows(connection, "SELECT c.name, c.tracking_url, (SELECT count(*) FROM shipments s "
                            "WHERE s.carrier_id = c.id AND s.deleted_at IS NULL) AS shipments "
                            "FROM carriers c ORDER BY lower(c.name)")
