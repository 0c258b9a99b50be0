"""Resources and their appointments; what an order's lines are and what fulfilled them."""

from __future__ import annotations

from ordercli.db.sql import execute, first, insert, is_exclusion_violation, is_unique_violation, rows

# An appointment that holds its resource's time: booked or completed (a canceled one frees it),
# as the exclusion constraint of migration 0007 says.
LIVE = "a.stage <> 'canceled'"

EXCLUSION = "ex_appointments_resource_overlap"


def is_overlap_violation(error: BaseException) -> bool:
    """Whether a driver error is the exclusion constraint refusing two live appointments of one
    resource that overlap (PostgreSQL)."""
    return is_exclusion_violation(error, EXCLUSION)


def is_duplicate_resource(error: BaseException) -> bool:
    """Whether a driver error is the unique constraint on resource names refusing a second one."""
    return is_unique_violation(error, "uq_resources_name")


# -- resources -------------------------------------------------------------------------------------


def resource_by_name(connection, name: str):
    return first(connection, "SELECT id, name, kind, note, created_at FROM resources WHERE name = :name",
                 {"name": name})


def add_resource(connection, name: str, kind: str, note: str | None, at) -> int:
    return insert(connection, "INSERT INTO resources (name, kind, note, created_at) VALUES (:name, :kind, :note, :at)",
                  {"name": name, "kind": kind, "note": note, "at": at})


def resources(connection) -> list:
    """Every resource, by name, with how many appointments it has booked (not yet done)."""
    return rows(connection, """
        SELECT r.id, r.name, r.kind, r.note, r.created_at,
               (SELECT count(*) FROM appointments a WHERE a.resource_id = r.id AND a.stage = 'booked') AS booked
        FROM resources r ORDER BY r.name""")


# -- orders and their lines ------------------------------------------------------------------------


def order_for_booking(connection, number: int):
    """The order's status, customer and shipping address (None: no such order)."""
    return first(connection, """
        SELECT o.id, o.status, o.customer_name, s.name AS s_name, s.line1, s.line2, s.city, s.region,
               s.postal_code, s.country
        FROM orders o JOIN addresses s ON s.id = o.shipping_address_id WHERE o.id = :n""", {"n": number})


def lines_with_sku(connection, number: int, sku: str) -> list:
    """The order's lines of a SKU, with the units that count as handed over (by shipments that
    left and count) and whether a completed appointment fulfilled the line."""
    return rows(connection, """
        SELECT l.id, l.line_no, l.sku, l.description, l.delivery_method, l.quantity,
               (SELECT COALESCE(SUM(sl.quantity), 0) FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
                WHERE sl.order_line_id = l.id AND s.deleted_at IS NULL
                  AND s.stage IN ('handed_over', 'delivered')) AS handed
        FROM order_lines l WHERE l.order_id = :n AND l.sku = :sku ORDER BY l.line_no""", {"n": number, "sku": sku})


def live_of_line(connection, line_id: int):
    """The appointment of a line that is booked or completed (at most one), or None."""
    return first(connection, f"""
        SELECT a.id, a.stage, a.starts_at, a.ends_at FROM appointments a
        WHERE a.order_line_id = :line AND {LIVE} ORDER BY a.id LIMIT 1""", {"line": line_id})


# -- appointments ----------------------------------------------------------------------------------

_APPOINTMENT = """
SELECT a.id, a.order_id, a.order_line_id, l.line_no, l.sku, l.description, r.name AS resource,
       r.kind AS resource_kind, a.resource_id, a.starts_at, a.ends_at, a.place, a.note, a.stage, a.signed_by,
       a.created_at, a.created_by, a.updated_at, a.completed_at, a.completed_by, a.canceled_at, a.canceled_by,
       a.cancel_reason, o.status AS order_status, o.customer_id, o.customer_name, o.customer_email,
       o.customer_phone,
       (SELECT count(*) FROM order_history h
        WHERE h.order_id = a.order_id AND h.event IN ('appointment_rescheduled', 'appointment_canceled')
          AND h.reason LIKE 'appointment ' || CAST(a.id AS VARCHAR) || ' %') AS sequence
FROM appointments a JOIN resources r ON r.id = a.resource_id JOIN orders o ON o.id = a.order_id
LEFT JOIN order_lines l ON l.id = a.order_line_id
"""


def get(connection, appointment_id: int):
    return first(connection, _APPOINTMENT + "WHERE a.id = :id", {"id": appointment_id})


def order_of(connection, appointment_id: int) -> int | None:
    found = first(connection, "SELECT order_id FROM appointments WHERE id = :id", {"id": appointment_id})
    return None if found is None else found.order_id


def conflicts(connection, resource_id: int, starts_at, ends_at, leaving_out: int | None = None) -> list:
    """Live appointments of the resource that overlap [starts_at, ends_at), earliest first."""
    return rows(connection, _APPOINTMENT + f"""
        WHERE a.resource_id = :resource AND {LIVE} AND a.starts_at < :ends AND a.ends_at > :starts
          AND a.id <> :leaving_out
        ORDER BY a.starts_at, a.id""", {"resource": resource_id, "starts": starts_at, "ends": ends_at,
                                        "leaving_out": leaving_out if leaving_out is not None else -1})


def add(connection, values: dict) -> int:
    columns = list(values)
    return insert(connection, f"INSERT INTO appointments ({', '.join(columns)}) "
                              f"VALUES ({', '.join(':' + c for c in columns)})", values)


def update(connection, appointment_id: int, values: dict) -> None:
    execute(connection, f"UPDATE appointments SET {', '.join(f'{c} = :{c}' for c in values)} WHERE id = :id",
            {**values, "id": appointment_id})


def list_(connection, where: list[str], params: dict) -> list:
    """Appointments matching every condition of `where` (on the aliases a, r, o, l), by start."""
    sql = _APPOINTMENT + ("WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.starts_at, a.id"
    return rows(connection, sql, params)


def history_of(connection, appointment_id: int, order_id: int) -> list:
    """The order's history entries about the appointment (their sentences name it first)."""
    return rows(connection, """
        SELECT at, actor, command, event, from_status, to_status, reason FROM order_history
        WHERE order_id = :order AND reason LIKE :prefix ORDER BY id""",
                {"order": order_id, "prefix": f"appointment {appointment_id} %"})
