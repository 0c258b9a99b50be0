"""Stock: counters per product and location (stock_levels) and their ledger (stock_movements).

Every change of a counter is written in the same transaction as its ledger row, by the
service that composes these statements; the CHECK constraints on stock_levels refuse a
negative count or more reserved than on hand whatever happens.
"""

from __future__ import annotations

from ordercli.db import dialect
from ordercli.db.sql import dialect_of, execute, first, rowcount, rows, scalar

# Units a backordered line still waits for: its quantity less what it holds now and what
# shipments that count have handed over (a deleted shipment's units are wanted again).
MISSING_UNITS = """l.quantity - COALESCE((SELECT SUM(m.reserved_delta) FROM stock_movements m
                   WHERE m.order_line_id = l.id), 0)
                 - COALESCE((SELECT SUM(sl.quantity) FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
                   WHERE sl.order_line_id = l.id AND s.deleted_at IS NULL
                   AND s.stage IN ('handed_over', 'delivered')), 0)"""

_LEDGER_COLUMNS = ("at, actor, command, kind, product_id, location_id, on_hand_delta, reserved_delta, order_id, "
                   "order_line_id, reason")
# The ledger's columns and their types; at, actor and command are the same in every row of a change.
_LEDGER_TYPES = {"at": "TIMESTAMPTZ", "actor": "TEXT", "command": "TEXT", "kind": "TEXT", "product_id": "INTEGER",
                 "location_id": "INTEGER", "on_hand_delta": "INTEGER", "reserved_delta": "INTEGER",
                 "order_id": "INTEGER", "order_line_id": "INTEGER", "reason": "TEXT", "shipment_id": "INTEGER"}


# Each ledger column a movement gives: its key in the movement's dict and its default. The
# product always varies from row to row (so every row has a value of its own to carry).
_MOVEMENT_KEYS = (("kind", "kind", None), ("product_id", "product", None), ("location_id", "location", None),
                  ("on_hand_delta", "on_hand", 0), ("reserved_delta", "reserved", 0), ("order_id", "order_id", None),
                  ("order_line_id", "line_id", None), ("reason", "reason", None), ("shipment_id", "shipment_id", None))


def _ledger(stamp, movements: list[dict]) -> tuple[dict, list[tuple]]:
    """The ledger rows of `movements`: the columns equal in every row (the stamp; often the kind,
    the order, the reason) as one value each, and the others as a tuple per row. On PostgreSQL
    each column that varies is an array to send and unnest: an order's lines share most of theirs."""
    same = {"at": stamp.at, "actor": stamp.actor, "command": stamp.command}
    varying = []
    for column, key, default in _MOVEMENT_KEYS:
        values = [m.get(key, default) for m in movements]
        first_ = values[0] if values else None
        if column != "product_id" and all(type(v) is type(first_) and v == first_ for v in values):
            same[column] = first_
        else:
            varying.append(values)
    return same, list(zip(*varying))


def record(connection, stamp, movements: list[dict]) -> None:
    """Append movements to the ledger (each dict: kind, product, location, on_hand and reserved
    deltas, order_id, line_id, reason, shipment_id; deltas default to 0, the rest to None)."""
    same, values = _ledger(stamp, movements)
    dialect.insert_rows(connection, "stock_movements", _LEDGER_TYPES, values, same=same)


def record_releases(connection, stamp, table: str, reason: str | None) -> None:
    """A `released` ledger row for every (order, line, product, location, held) of `table`."""
    execute(
        connection,
        f"INSERT INTO stock_movements ({_LEDGER_COLUMNS}) SELECT :at, :actor, :command, 'released', product_id, "
        f"location_id, 0, -held, order_id, order_line_id, CAST(:reason AS VARCHAR) FROM {table} "
        "ORDER BY order_id, order_line_id, location_id",
        {"at": stamp.at, "actor": stamp.actor, "command": stamp.command, "reason": reason},
    )


def ensure_level(connection, product_id: int, location_id: int) -> None:
    execute(connection, "INSERT INTO stock_levels (product_id, location_id, on_hand, reserved) "
                        "SELECT :p, :l, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM stock_levels "
                        "WHERE product_id = :p AND location_id = :l)", {"p": product_id, "l": location_id})


def level(connection, product_id: int, location_id: int) -> tuple[int, int]:
    """On hand and reserved of a product at a location (0, 0 when it never had any)."""
    row = first(connection, "SELECT on_hand, reserved FROM stock_levels WHERE product_id = :p AND location_id = :l",
                {"p": product_id, "l": location_id})
    return (row.on_hand, row.reserved) if row else (0, 0)


def move_on_hand(connection, product_id: int, location_id: int, delta: int) -> None:
    execute(connection, "UPDATE stock_levels SET on_hand = on_hand + :d WHERE product_id = :p AND location_id = :l",
            {"d": delta, "p": product_id, "l": location_id})


def take_available(connection, product_id: int, location_id: int, quantity: int) -> bool:
    """Reserve `quantity` if that many are available there: one conditional UPDATE."""
    return rowcount(connection, "UPDATE stock_levels SET reserved = reserved + :q WHERE product_id = :p "
                                "AND location_id = :l AND on_hand - reserved >= :q",
                    {"q": quantity, "p": product_id, "l": location_id}) == 1


def reserve(connection, stamp, takes: dict[tuple[int, int], int], movements: list[dict]) -> list[tuple[int, int]]:
    """Reserve units where they are available ((product, location) -> units, each taken only if
    that many are available there) and append `movements` to the ledger. Returns the (product,
    location) pairs that had too few: then the caller must not commit (on PostgreSQL, the rest
    is already reserved and recorded).

    SQLite: one conditional UPDATE per pair, then the ledger rows. PostgreSQL: one statement,
    a conditional UPDATE ... FROM unnest(...) and the ledger INSERT, whatever the number of
    lines (very many ledger rows are copied in first, see `dialect.copies`).
    """
    if not takes:
        return []
    if dialect_of(connection) == "sqlite":
        short = [pair for pair, quantity in takes.items() if not take_available(connection, *pair, quantity)]
        if not short:
            record(connection, stamp, movements)
        return short
    if dialect.copies(len(movements)):  # many ledger rows (promising backorders): copied in first
        record(connection, stamp, movements)
        recorded, params = "", {}
    else:
        same, values = _ledger(stamp, movements)
        ledger, params = dialect.unnest_insert("stock_movements", _LEDGER_TYPES, values, same, prefix="ledger_")
        recorded = f", recorded AS ({ledger})"
    params.update({"take_products": [p for p, _ in takes], "take_locations": [l for _, l in takes],
                   "take_units": list(takes.values())})
    short = rows(connection, f"""
        WITH wanted AS (
            SELECT * FROM unnest(CAST(:take_products AS INTEGER[]), CAST(:take_locations AS INTEGER[]),
                                 CAST(:take_units AS INTEGER[])) AS w(product_id, location_id, units)),
        taken AS (
            UPDATE stock_levels s SET reserved = s.reserved + w.units FROM wanted w
            WHERE s.product_id = w.product_id AND s.location_id = w.location_id AND s.on_hand - s.reserved >= w.units
              AND s.product_id = ANY(CAST(:take_products AS INTEGER[]))
            RETURNING s.product_id, s.location_id){recorded}
        SELECT w.product_id, w.location_id FROM wanted w
        WHERE NOT EXISTS (SELECT 1 FROM taken t WHERE t.product_id = w.product_id AND t.location_id = w.location_id)
        """, params)
    return [(r.product_id, r.location_id) for r in short]


def give_back(connection, table: str) -> None:
    """Lower `reserved` by what `table` (product_id, location_id, held) holds, set-based."""
    execute(
        connection,
        f"UPDATE stock_levels SET reserved = reserved - (SELECT SUM(r.held) FROM {table} r "
        "WHERE r.product_id = stock_levels.product_id AND r.location_id = stock_levels.location_id) "
        f"WHERE EXISTS (SELECT 1 FROM {table} r WHERE r.product_id = stock_levels.product_id "
        "AND r.location_id = stock_levels.location_id)",
    )


def availability(connection, product_ids) -> tuple[dict[tuple[int, int], int], dict[int, str]]:
    """Units that can be promised per (product, location), and every location (id -> name) in
    promising order: the default first, then in the order they were added. One query."""
    found = rows(connection, """
        SELECT loc.id, loc.name, s.product_id, s.on_hand - s.reserved AS available
        FROM locations loc LEFT JOIN stock_levels s ON s.location_id = loc.id AND s.product_id IN :ids
        ORDER BY loc.is_default DESC, loc.id""", {"ids": sorted(product_ids)})
    names = {r.id: r.name for r in found}
    return {(r.product_id, r.id): r.available for r in found if r.product_id is not None}, names


def held_by_orders(batch: str, holding: str) -> str:
    """The query of what the orders of `batch` (not skipped, in a status of `holding`, an SQL
    list of constants) hold, per line and location."""
    return f"""
        SELECT m.order_id, m.order_line_id, m.product_id, m.location_id, SUM(m.reserved_delta) AS held
        FROM stock_movements m
        JOIN {batch} b ON b.number = m.order_id AND b.skip = 0
        JOIN orders o ON o.id = b.number
        WHERE o.status IN ({holding}) AND m.order_line_id IS NOT NULL
        GROUP BY m.order_id, m.order_line_id, m.product_id, m.location_id
        HAVING SUM(m.reserved_delta) > 0"""


def units_held(connection, query: str) -> int:
    """The sum of the `held` column of a query (such as `held_by_orders`)."""
    return int(scalar(connection, f"SELECT COALESCE(SUM(held), 0) FROM ({query}) held_units"))


def held_per_product(connection, table: str) -> dict[int, int]:
    """Product id -> the sum of the `held` column of `table` (such as `held_by_orders` made a table)."""
    return {r.product_id: int(r.held) for r in rows(connection, f"SELECT product_id, SUM(held) AS held FROM {table} "
                                                                "GROUP BY product_id")}


def waiting_lines(connection, product_ids, holding: list[str]) -> list:
    """Backordered lines of these products in orders that hold stock, oldest order first."""
    return rows(connection, f"""
        SELECT l.id, l.order_id, o.status, l.product_id, l.sku, {MISSING_UNITS} AS missing
        FROM order_lines l JOIN orders o ON o.id = l.order_id
        WHERE l.backordered AND l.product_id IN :products AND o.status IN :holding
        ORDER BY o.placed_at, o.id, l.line_no""", {"products": sorted(product_ids), "holding": holding})


def waiting_units(connection, order_id: int) -> dict[int, int]:
    """Units each backordered line of an order still waits for: line number -> units."""
    found = rows(connection, f"SELECT l.line_no, {MISSING_UNITS} AS missing FROM order_lines l "
                             "WHERE l.order_id = :order AND l.backordered", {"order": order_id})
    return {r.line_no: r.missing for r in found if r.missing > 0}


def promises_of_order(connection, order_id: int) -> list:
    """(line_no, location, held) of every line of an order that holds stock."""
    return rows(connection, """
        SELECT l.line_no, loc.name AS location, SUM(m.reserved_delta) AS held
        FROM stock_movements m JOIN order_lines l ON l.id = m.order_line_id JOIN locations loc ON loc.id = m.location_id
        WHERE m.order_id = :order GROUP BY l.line_no, loc.name, loc.is_default, loc.id
        HAVING SUM(m.reserved_delta) > 0 ORDER BY l.line_no, loc.is_default DESC, loc.id""", {"order": order_id})


def set_backordered(connection, line_ids, value: bool) -> None:
    dialect.update_where_in(connection, "order_lines", {"backordered": value}, "id", line_ids)


def levels_of_product(connection, product_id: int, location_id: int | None = None) -> list:
    """(location, on_hand, reserved) of a product at every location (or one), default first."""
    where = "AND loc.id = :location" if location_id is not None else ""
    return rows(connection, f"""
        SELECT loc.name AS location, COALESCE(s.on_hand, 0) AS on_hand, COALESCE(s.reserved, 0) AS reserved
        FROM locations loc LEFT JOIN stock_levels s ON s.location_id = loc.id AND s.product_id = :product
        WHERE 1 = 1 {where} ORDER BY loc.is_default DESC, loc.id""", {"product": product_id, "location": location_id})


def levels(connection, *, product_id: int | None, location_id: int | None) -> list:
    """(sku, name, location, on_hand, reserved) of physical products at every location."""
    conditions, params = ["p.kind = 'physical'"], {}
    if product_id is not None:
        conditions.append("p.id = :product")
        params["product"] = product_id
    if location_id is not None:
        conditions.append("loc.id = :location")
        params["location"] = location_id
    return rows(connection, f"""
        SELECT p.sku, p.name, loc.name AS location, COALESCE(s.on_hand, 0) AS on_hand,
               COALESCE(s.reserved, 0) AS reserved
        FROM products p CROSS JOIN locations loc
        LEFT JOIN stock_levels s ON s.product_id = p.id AND s.location_id = loc.id
        WHERE {' AND '.join(conditions)}
        ORDER BY p.sku, loc.is_default DESC, loc.id""", params)


def physical_products(connection, product_id: int | None) -> list:
    where = "AND id = :product" if product_id is not None else ""
    return rows(connection, f"SELECT sku, name FROM products WHERE kind = 'physical' {where} ORDER BY sku",
                {"product": product_id})


def movements(connection, product_id: int, location_id: int | None, limit: int | None) -> list:
    """The last `limit` ledger rows of a product (at a location), oldest first."""
    where = "m.product_id = :product" + (" AND m.location_id = :location" if location_id is not None else "")
    limit_sql = f"LIMIT {int(limit)}" if limit else ""
    return rows(connection, f"""
        SELECT * FROM (
            SELECT m.id, m.at, m.kind, loc.name AS location, m.on_hand_delta, m.reserved_delta, m.order_id,
                   m.actor, m.command, m.reason
            FROM stock_movements m JOIN locations loc ON loc.id = m.location_id
            WHERE {where} ORDER BY m.id DESC {limit_sql}) recent
        ORDER BY id""", {"product": product_id, "location": location_id})


def counters_against_ledger(connection) -> list:
    """Every counter with the sums of its ledger."""
    return rows(connection, """
        SELECT p.sku, loc.name AS location, COALESCE(s.on_hand, 0) AS on_hand, COALESCE(s.reserved, 0) AS reserved,
               COALESCE(m.on_hand, 0) AS ledger_on_hand, COALESCE(m.reserved, 0) AS ledger_reserved
        FROM (SELECT product_id, location_id FROM stock_levels
              UNION SELECT product_id, location_id FROM stock_movements) k
        JOIN products p ON p.id = k.product_id
        JOIN locations loc ON loc.id = k.location_id
        LEFT JOIN stock_levels s ON s.product_id = k.product_id AND s.location_id = k.location_id
        LEFT JOIN (SELECT product_id, location_id, SUM(on_hand_delta) AS on_hand, SUM(reserved_delta) AS reserved
                   FROM stock_movements GROUP BY product_id, location_id) m
               ON m.product_id = k.product_id AND m.location_id = k.location_id
        ORDER BY p.sku, loc.name""")


def clear_waiting_of_batch(connection, batch: str, holding: list[str]) -> None:
    """Lines of the batch's orders (not skipped, still in a holding status) stop waiting."""
    execute(connection, "UPDATE order_lines SET backordered = false WHERE backordered AND order_id IN "
                        f"(SELECT b.number FROM {batch} b JOIN orders o ON o.id = b.number "
                        "WHERE b.skip = 0 AND o.status IN :holding)", {"holding": holding})
