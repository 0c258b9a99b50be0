"""Returns (RMA) and their lines: what was fulfilled and is coming back, stage by stage."""

from __future__ import annotations

from ordercli.db.sql import execute, first, insert, rows
from ordercli.domain.returns import BACK as _BACK, LIVE as _LIVE, ReturnStage


def _stages(stages) -> str:
    return "(" + ", ".join(f"'{stage.value}'" for stage in ReturnStage if stage in stages) + ")"


LIVE = _stages(_LIVE)
BACK = _stages(_BACK)
COLUMNS = ("id", "order_id", "kind", "stage", "reason", "refund_shipping", "window_override", "replacement_order_id",
           "refund_minor", "currency", "settled_as", "settle_reference", "requested_at", "requested_by", "received_at",
           "received_by", "inspected_at", "inspected_by", "settled_at", "settled_by", "canceled_at", "canceled_by",
           "cancel_reason", "updated_at")


def returnable_lines(connection, order_id: int) -> list:
    """Every line of an order with what shipments that count handed over of it (`fulfilled`),
    what live returns take back (`coming_back`), when its goods last reached the customer, and
    the location its latest shipment took units from."""
    return rows(connection, f"""
        SELECT l.id, l.line_no, l.sku, l.description, l.kind, l.delivery_method, l.product_id, l.quantity,
               l.unit_price_minor, l.discount_minor, l.order_discount_minor, l.tax_rate_bp, l.net_minor, l.tax_minor,
               COALESCE(h.units, 0) AS fulfilled, COALESCE(r.units, 0) AS coming_back, h.reached_at,
               (SELECT sl2.location_id FROM shipments s2 JOIN shipment_lines sl2 ON sl2.shipment_id = s2.id
                WHERE sl2.order_line_id = l.id AND s2.deleted_at IS NULL AND s2.stage IN ('handed_over', 'delivered')
                  AND sl2.location_id IS NOT NULL
                ORDER BY s2.id DESC LIMIT 1) AS location_id
        FROM order_lines l
        LEFT JOIN (SELECT sl.order_line_id, SUM(sl.quantity) AS units,
                          MAX(COALESCE(s.delivered_at, s.handed_over_at)) AS reached_at
                   FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id
                   WHERE s.order_id = :order AND s.deleted_at IS NULL AND s.stage IN ('handed_over', 'delivered')
                   GROUP BY sl.order_line_id) h ON h.order_line_id = l.id
        LEFT JOIN (SELECT rl.order_line_id, SUM(rl.quantity) AS units
                   FROM returns t JOIN return_lines rl ON rl.return_id = t.id
                   WHERE t.order_id = :order AND t.stage IN {LIVE}
                   GROUP BY rl.order_line_id) r ON r.order_line_id = l.id
        WHERE l.order_id = :order ORDER BY l.line_no""", {"order": order_id})


def back_per_line(connection, order_ids: list[int]) -> dict[int, int]:
    """Order line -> units that came back (returns received, or further)."""
    return {r.order_line_id: int(r.units) for r in rows(connection, f"""
        SELECT rl.order_line_id, SUM(rl.quantity) AS units
        FROM returns t JOIN return_lines rl ON rl.return_id = t.id
        WHERE t.order_id IN :orders AND t.stage IN {BACK}
        GROUP BY rl.order_line_id""", {"orders": order_ids})}


def returning_per_line(connection, order_id: int) -> dict[int, int]:
    """Order line -> units live returns take back (requested or further, not canceled)."""
    return {r.order_line_id: int(r.units) for r in rows(connection, f"""
        SELECT rl.order_line_id, SUM(rl.quantity) AS units
        FROM returns t JOIN return_lines rl ON rl.return_id = t.id
        WHERE t.order_id = :order AND t.stage IN {LIVE}
        GROUP BY rl.order_line_id""", {"order": order_id})}


def add(connection, values: dict) -> int:
    columns = [c for c in COLUMNS if c != "id" and c in values]
    return insert(connection, f"INSERT INTO returns ({', '.join(columns)}) "
                              f"VALUES ({', '.join(':' + c for c in columns)})", values)


def add_lines(connection, return_id: int, lines: list[tuple[int, int]]) -> None:
    execute(connection, "INSERT INTO return_lines (return_id, order_line_id, quantity) VALUES (:r, :l, :q)",
            [{"r": return_id, "l": line, "q": quantity} for line, quantity in lines])


def get(connection, return_id: int):
    return first(connection, f"SELECT {', '.join('t.' + c for c in COLUMNS)}, o.status AS order_status "
                             "FROM returns t JOIN orders o ON o.id = t.order_id WHERE t.id = :id", {"id": return_id})


def order_of(connection, return_id: int) -> int | None:
    row = first(connection, "SELECT order_id FROM returns WHERE id = :id", {"id": return_id})
    return row.order_id if row else None


def update(connection, return_id: int, values: dict) -> None:
    sets = ", ".join(f"{column} = :{column}" for column in values)
    execute(connection, f"UPDATE returns SET {sets} WHERE id = :id", {**values, "id": return_id})


def lines_of(connection, return_ids: list[int]) -> list:
    """The lines of returns, with their order lines and where restocked units went."""
    if not return_ids:
        return []
    return rows(connection, """
        SELECT rl.id, rl.return_id, rl.order_line_id, rl.quantity, rl.restocked, rl.written_off,
               loc.name AS location, l.line_no, l.sku, l.description, l.kind, l.product_id, l.delivery_method
        FROM return_lines rl JOIN order_lines l ON l.id = rl.order_line_id
        LEFT JOIN locations loc ON loc.id = rl.location_id
        WHERE rl.return_id IN :ids ORDER BY rl.return_id, l.line_no, rl.id""", {"ids": return_ids})


def set_inspected(connection, values: list[dict]) -> None:
    execute(connection, "UPDATE return_lines SET restocked = :restocked, written_off = :written_off, "
                        "location_id = :location WHERE id = :id", values)


def credit_notes_of(connection, return_ids: list[int]) -> list:
    if not return_ids:
        return []
    return rows(connection, "SELECT return_id, number, total_minor FROM invoices WHERE return_id IN :ids "
                            "ORDER BY id", {"ids": return_ids})


def list_(connection, conditions: list[str], params: dict, limit: int | None) -> list:
    where = " AND ".join(conditions) or "1 = 1"
    tail = f" LIMIT {int(limit)}" if limit else ""
    return rows(connection, f"SELECT {', '.join('t.' + c for c in COLUMNS)}, o.status AS order_status "
                            "FROM returns t JOIN orders o ON o.id = t.order_id "
                            f"WHERE {where} ORDER BY t.id DESC{tail}", params)


def of_orders(connection, order_ids: list[int]) -> list:
    """Returns of these orders and returns whose replacement they are, oldest first."""
    return rows(connection, f"SELECT {', '.join('t.' + c for c in COLUMNS)}, o.status AS order_status "
                            "FROM returns t JOIN orders o ON o.id = t.order_id "
                            "WHERE t.order_id IN :ids OR t.replacement_order_id IN :ids ORDER BY t.id",
                {"ids": order_ids})


def invoiced_units(connection, order_id: int) -> dict[int, int]:
    """Order line -> units its invoices cover (credit notes not subtracted): 0 for a line never invoiced."""
    return {r.order_line_id: int(r.units) for r in rows(connection, """
        SELECT il.order_line_id, SUM(il.quantity) AS units FROM invoices i JOIN invoice_lines il ON il.invoice_id = i.id
        WHERE i.order_id = :order AND i.kind = 'invoice' AND il.order_line_id IS NOT NULL
        GROUP BY il.order_line_id""", {"order": order_id})}


def shipping_refunded(connection, order_ids: list[int]) -> set[int]:
    """Orders whose shipping charge a return that came back refunded: it is not invoiced (again)."""
    return {r.order_id for r in rows(connection, f"""
        SELECT DISTINCT order_id FROM returns WHERE order_id IN :orders AND refund_shipping AND stage IN {BACK}""",
        {"orders": order_ids})}


def services_done(connection, order_id: int) -> list[int]:
    """Service lines of an order that were fulfilled: by a completed appointment, or a shipment
    that counts (left outside ordercli)."""
    return [r.id for r in rows(connection, """
        SELECT l.id FROM order_lines l WHERE l.order_id = :order AND l.delivery_method = 'service'
          AND (EXISTS (SELECT 1 FROM appointments a WHERE a.order_line_id = l.id AND a.stage = 'completed')
               OR EXISTS (SELECT 1 FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
                          WHERE sl.order_line_id = l.id AND s.deleted_at IS NULL
                            AND s.stage IN ('handed_over', 'delivered')))""", {"order": order_id})]
